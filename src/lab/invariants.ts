/**
 * The fault matrix's judge (pure): from the adverts a capture saw and the addresses each node held
 * over time, whether a VRRP cluster converged after a fault and how fast. RFC 3768 §6.4.3 (one
 * master sends adverts) and §6.4.2/§6.4.3 (the master owns the virtual addresses) as invariants:
 * after convergence exactly one source advertises per VRID, exactly one node holds each VIP, that
 * node is the advertiser, and no VIP is left behind anywhere else.
 */

/** One advert on the wire (a capture's kernel time stamp, epoch ms). */
export interface WireAdvert {
  readonly t: number;
  readonly src: string;
  readonly vrid: number;
  readonly priority: number;
}

/** A node's address appearing (`present`) or going (`ip monitor address`, or a snapshot). */
export interface AddressEvent {
  readonly t: number;
  readonly node: string;
  /** Without the prefix length: "192.168.50.100". */
  readonly address: string;
  readonly present: boolean;
}

export interface FaultWindow {
  /** The moment the fault ended (or began, for faults judged from their onset), epoch ms. */
  readonly from: number;
  /** The end of observation, epoch ms. */
  readonly to: number;
  /** The RFC-derived bound on convergence, ms after `from`. */
  readonly boundMs: number;
  /** VRID -> its VIPs (without prefix length). */
  readonly vips: ReadonlyMap<number, readonly string[]>;
  /** Source address of each node's adverts -> node name. */
  readonly nodeOf: ReadonlyMap<string, string>;
  /** Per VRID, the node that must end as master (when the fault implies one). */
  readonly expectMaster?: ReadonlyMap<number, string>;
  /** How long the settled state must have been observed before `to` (default 3000 ms). */
  readonly minSettledMs?: number;
  /** The advertisement interval, ms. */
  readonly advertIntervalMs: number;
  /** The longest the final master may go without an advert after `from` (default 2 intervals). */
  readonly maxAdvertGapMs?: number;
  /** At most this many changes of advertising source per VRID after `from` (default: any). */
  readonly maxSourceChanges?: number;
}

export interface VridVerdict {
  readonly vrid: number;
  /** The node advertising at the end, if one source did. */
  readonly master?: string;
  /** Epoch ms from which one node advertised and held every VIP of the VRID, undefined if never. */
  readonly settledAt?: number;
  /** Changes of advertising source inside the window (a flap counts two). */
  readonly sourceChanges: number;
  /** The longest gap between the final master's adverts after `from`, ms. */
  readonly maxGapMs: number;
}

export interface Verdict {
  readonly ok: boolean;
  /** The latest settledAt minus `from` (0 when nothing moved); NaN when it never settled. */
  readonly convergenceMs: number;
  readonly vrids: readonly VridVerdict[];
  readonly violations: readonly string[];
}

/** Who held each address when, as intervals [from, until); an address still held ends at Infinity. */
function holdings(events: readonly AddressEvent[]): Map<string, { node: string; from: number; until: number }[]> {
  const open = new Map<string, number>();
  const out = new Map<string, { node: string; from: number; until: number }[]>();
  const close = (key: string, t: number): void => {
    const start = open.get(key);
    if (start === undefined) return;
    open.delete(key);
    const [node, address] = key.split('\0') as [string, string];
    const list = out.get(address) ?? [];
    list.push({ node, from: start, until: t });
    out.set(address, list);
  };
  for (const e of [...events].sort((a, b) => a.t - b.t)) {
    const key = `${e.node}\0${e.address}`;
    if (e.present && !open.has(key)) open.set(key, e.t);
    else if (!e.present) close(key, e.t);
  }
  for (const key of [...open.keys()]) close(key, Number.POSITIVE_INFINITY);
  return out;
}

/** Who holds `address` at `t`. */
function holdersAt(h: ReadonlyMap<string, readonly { node: string; from: number; until: number }[]>, address: string, t: number): string[] {
  return (h.get(address) ?? []).filter((x) => x.from <= t && t < x.until).map((x) => x.node);
}

/** The earliest time from which `address` was held by `node` alone until the end. */
function soleHolderSince(h: ReadonlyMap<string, readonly { node: string; from: number; until: number }[]>, address: string, node: string): number | undefined {
  const list = h.get(address) ?? [];
  const mine = list.find((x) => x.node === node && x.until === Number.POSITIVE_INFINITY);
  if (mine === undefined) return undefined;
  const othersEnd = Math.max(mine.from, ...list.filter((x) => x.node !== node).map((x) => x.until));
  return othersEnd === Number.POSITIVE_INFINITY ? undefined : othersEnd;
}

/** §6.4.3: the last run of adverts (priority > 0) from one source; its first time and source. */
function finalRun(adverts: readonly WireAdvert[]): { src: string; since: number } | undefined {
  const live = adverts.filter((a) => a.priority > 0);
  const last = live.at(-1);
  if (last === undefined) return undefined;
  let since = last.t;
  for (let i = live.length - 1; i >= 0 && live[i]!.src === last.src; i--) since = live[i]!.t;
  return { src: last.src, since };
}

function judgeVrid(vrid: number, adverts: readonly WireAdvert[], h: ReturnType<typeof holdings>, w: FaultWindow, violations: string[]): VridVerdict {
  const mine = adverts.filter((a) => a.vrid === vrid && a.t <= w.to).sort((a, b) => a.t - b.t);
  const live = mine.filter((a) => a.priority > 0);
  // From the advertiser before the fault on: a takeover during the fault counts.
  const inWindow = live.slice(Math.max(0, live.findIndex((a) => a.t >= w.from) - 1));
  let sourceChanges = 0;
  for (let i = 1; i < inWindow.length; i++) if (inWindow[i]!.src !== inWindow[i - 1]!.src) sourceChanges++;
  const run = finalRun(mine);
  const master = run === undefined ? undefined : (w.nodeOf.get(run.src) ?? run.src);
  const base = { vrid, sourceChanges, maxGapMs: 0 };
  if (run === undefined || master === undefined) {
    violations.push(`VRID ${vrid}: no advert seen`);
    return base;
  }
  const own = mine.filter((a) => a.src === run.src && a.t >= Math.max(w.from, run.since));
  let maxGapMs = own.length > 0 ? own[0]!.t - Math.max(w.from, run.since) : w.to - w.from;
  for (let i = 1; i < own.length; i++) maxGapMs = Math.max(maxGapMs, own[i]!.t - own[i - 1]!.t);
  maxGapMs = Math.max(maxGapMs, w.to - (own.at(-1)?.t ?? w.from));
  const expected = w.expectMaster?.get(vrid);
  if (expected !== undefined && expected !== master) violations.push(`VRID ${vrid}: ${master} ended as master, expected ${expected}`);
  if (w.maxSourceChanges !== undefined && sourceChanges > w.maxSourceChanges) violations.push(`VRID ${vrid}: the advertiser changed ${sourceChanges} times, at most ${w.maxSourceChanges} allowed`);
  if (maxGapMs > (w.maxAdvertGapMs ?? 2 * w.advertIntervalMs)) violations.push(`VRID ${vrid}: the master ${master} went ${maxGapMs.toFixed(0)} ms without an advert`);
  let settledAt = run.since;
  for (const vip of w.vips.get(vrid) ?? []) {
    const since = soleHolderSince(h, vip, master);
    if (since === undefined) {
      const now = holdersAt(h, vip, w.to);
      violations.push(`VIP ${vip}: held by [${now.join(', ')}] at the end, expected ${master} alone`);
      return { ...base, master, maxGapMs };
    }
    settledAt = Math.max(settledAt, since);
  }
  if (w.to - settledAt < (w.minSettledMs ?? 3000)) violations.push(`VRID ${vrid}: settled only ${(w.to - settledAt).toFixed(0)} ms before the end of observation`);
  return { ...base, master, settledAt, maxGapMs };
}

/**
 * Judges one fault: every VRID settled (one advertiser, which alone holds its VIPs), within
 * `boundMs` of `from`, the settled state held to the end, and no VIP of the cluster on any node
 * other than its master.
 */
export function judge(adverts: readonly WireAdvert[], addresses: readonly AddressEvent[], w: FaultWindow): Verdict {
  const violations: string[] = [];
  const h = holdings(addresses);
  const vrids = [...w.vips.keys()].sort((a, b) => a - b).map((vrid) => judgeVrid(vrid, adverts, h, w, violations));
  const settled = vrids.map((v) => v.settledAt);
  const convergenceMs = settled.some((s) => s === undefined) ? Number.NaN : Math.max(0, ...settled.map((s) => s! - w.from));
  if (convergenceMs > w.boundMs) violations.push(`converged ${convergenceMs.toFixed(0)} ms after the fault, bound ${w.boundMs.toFixed(0)} ms`);
  return { ok: violations.length === 0, convergenceMs, vrids, violations };
}

/** A snapshot of a node's addresses at `t` as events: each of `watched` present or not. */
export function snapshotEvents(t: number, node: string, held: readonly string[], watched: readonly string[]): AddressEvent[] {
  return watched.map((address) => ({ t, node, address, present: held.includes(address) }));
}
