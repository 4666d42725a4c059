/**
 * Reading the lab's records (pure): the client's probe lines, vrrpd's JSON state-change lines,
 * the outage in a time window, and the RFC 3768 bounds a scenario is judged against. Every time
 * here is epoch ms from the same clock (Date.now in the prober, pino's `time` in vrrpd).
 */

/** One client probe: start time (epoch ms), outcome, and which apiserver / OP node answered. */
export interface Probe {
  readonly t: number;
  readonly ok: boolean;
  readonly ms: number;
  readonly api: string;
  readonly via: string;
  readonly why: string;
}

/** Parses prober lines `T OK MS API VIA ERR`; malformed lines are skipped. */
export function parseProbes(text: string): Probe[] {
  const out: Probe[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(' ');
    if (f.length !== 6) continue;
    const t = Number(f[0]);
    const ms = Number(f[2]);
    if (!Number.isFinite(t) || !Number.isFinite(ms) || (f[1] !== '0' && f[1] !== '1')) continue;
    out.push({ t, ok: f[1] === '1', ms, api: f[3]!, via: f[4]!, why: f[5]! });
  }
  return out.sort((a, b) => a.t - b.t);
}

/** When the client learned a probe's outcome: its start plus its duration (epoch ms). */
export function probeEnd(p: Probe): number {
  return p.t + p.ms;
}

/**
 * What the client experienced, in the order it learned it: probes by the time their outcome came
 * (an answer, a refusal, a timeout), each stamped with that time, and the ones that say nothing
 * new left out. Probes overlap (one every 10 ms, up to 300 ms each): a request sent before the
 * VIP moved can be answered after, so a probe's start is not when its outcome happened. A probe
 * heard after one that started later is stale (the client already knows better) and is dropped.
 */
export function clientExperience(probes: readonly Probe[]): Probe[] {
  const view = new ClientView();
  return [...probes]
    .sort((a, b) => probeEnd(a) - probeEnd(b) || a.t - b.t)
    .filter((p) => view.accept(p))
    .map((p) => ({ ...p, t: probeEnd(p) }));
}

/** `clientExperience` one probe at a time (fed in completion order), for a live timeline. */
export class ClientView {
  #lastStart = -Infinity;

  /** True when `p` is news: no probe started after it has been heard yet. */
  accept(p: Probe): boolean {
    if (p.t < this.#lastStart) return false;
    this.#lastStart = p.t;
    return true;
  }
}

/** A state change as vrrpd logs it ("VI_1: BACKUP -> MASTER"). */
export interface Transition {
  readonly t: number;
  readonly node: string;
  readonly instance: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

/** Picks the state changes out of vrrpd's JSON log lines; anything else is ignored. */
export function parseTransitions(text: string, node: string): Transition[] {
  const out: Transition[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const { time, instance, from, to, msg } = rec;
    if (typeof time !== 'number' || typeof instance !== 'string' || typeof from !== 'string' || typeof to !== 'string') continue;
    if (typeof msg !== 'string' || !msg.includes(' -> ') || msg.includes('priority')) continue;
    const why = [rec.reason, rec.detail].filter((x) => typeof x === 'string' && x !== '').join(': ');
    out.push({ t: time, node, instance, from, to, reason: why });
  }
  return out;
}

export interface Outage {
  /** Longest run of failed probes, ms: from its first failure's start to the moment the next
   * probe got its answer (or the window's end). */
  readonly longestMs: number;
  readonly startedAt?: number;
  readonly failed: number;
  readonly total: number;
  /** The window ended while probes were still failing. */
  readonly unfinished: boolean;
}

/** The client's longest outage among probes started in [from, to). */
export function outageIn(probes: readonly Probe[], from: number, to: number): Outage {
  let longest = 0;
  let startedAt: number | undefined;
  let runStart: number | undefined;
  let failed = 0;
  let total = 0;
  const close = (end: number): void => {
    if (runStart !== undefined && end - runStart > longest) {
      longest = end - runStart;
      startedAt = runStart;
    }
    runStart = undefined;
  };
  for (const p of probes) {
    if (p.t < from || p.t >= to) continue;
    total++;
    if (p.ok) close(p.t + p.ms);
    else {
      failed++;
      runStart ??= p.t;
    }
  }
  const unfinished = runStart !== undefined;
  close(to);
  return { longestMs: longest, failed, total, unfinished, ...(startedAt !== undefined ? { startedAt } : {}) };
}

/** Intervals during which `node` was MASTER, from its transitions; open ones end at `end`. */
export function masterSpans(transitions: readonly Transition[], node: string, end: number, cuts: readonly number[] = []): [number, number][] {
  const spans: [number, number][] = [];
  let since: number | undefined;
  const events = [...transitions.filter((t) => t.node === node).map((t) => ({ t: t.t, master: t.to === 'MASTER' })), ...cuts.map((t) => ({ t, master: false }))].sort((a, b) => a.t - b.t);
  for (const e of events) {
    if (e.master && since === undefined) since = e.t;
    else if (!e.master && since !== undefined) {
      spans.push([since, e.t]);
      since = undefined;
    }
  }
  if (since !== undefined) spans.push([since, end]);
  return spans;
}
