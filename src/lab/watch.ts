/**
 * The demo's live timeline: follows both daemons' JSON logs and the client's probe files, one per
 * VIP probed (polling
 * the files every 50 ms for new bytes), and prints one line per event that matters (state and
 * priority changes, check results, VIPs added/removed, the client failing and recovering,
 * the client served by another node, the demo's own actions).
 *
 * One time axis: every line carries the epoch ms of one clock (pino's `time` in each vrrpd,
 * Date.now in the prober and here), taken when the thing happened, and lines are printed in that
 * order. A client line is stamped when the client learned it (the probe's answer or failure,
 * see `clientExperience`), never when its request left: a request sent before the election can
 * be answered after it. Every line waits HOLD_MS, so a record that reaches its file a little
 * late still takes its place.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { ClientView, parseProbes, probeEnd, type Probe } from './analysis.js';

/** How long a line waits for earlier ones still on their way to the files (write and poll delays). */
const HOLD_MS = 300;

interface Followed {
  readonly file: string;
  readonly label: string;
  readonly kind: 'vrrpd' | 'probes';
  offset: number;
  partial: string;
  /** Probe files: the client's state as the timeline last told it. */
  readonly client: ClientState;
}

/** What the timeline last said about one prober (one VIP). */
interface ClientState {
  ok: boolean | undefined;
  failSince: number;
  failWhy: string;
  via: string;
  readonly view: ClientView;
  /** Probes not yet through the client view (they finish out of order). */
  probes: Probe[];
}

export interface TimelineEvent {
  readonly t: number;
  readonly who: string;
  readonly text: string;
}

export class Watch {
  #files: Followed[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Lines not yet printed. */
  #lines: TimelineEvent[] = [];

  constructor(
    private readonly t0: number,
    private readonly print: (line: string) => void,
    private readonly names: Record<string, string>,
  ) {}

  /** Follow a vrrpd log or a probe file; `label` names the node or the client ("client", "client6"). */
  follow(file: string, label: string, kind: 'vrrpd' | 'probes'): void {
    const client: ClientState = { ok: undefined, failSince: 0, failWhy: '', via: '', view: new ClientView(), probes: [] };
    this.#files.push({ file, label, kind, offset: 0, partial: '', client });
  }

  start(): void {
    this.#timer = setInterval(() => this.poll(), 50);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.poll();
  }

  /** A line of the demo's own (an action it takes), at the current time. */
  note(text: string, who = 'demo'): void {
    this.#lines.push({ t: Date.now(), who, text });
    this.poll();
  }

  /** Read what is new, and print every line older than HOLD_MS (all of them once stopped), in time order. */
  poll(): void {
    const ripe = this.#timer === undefined ? Infinity : Date.now() - HOLD_MS;
    for (const f of this.#files) {
      const lines = readNew(f);
      if (f.kind === 'vrrpd') for (const l of lines) this.#lines.push(...vrrpdEvent(l, f.label));
      else this.#lines.push(...this.clientEvents(f, lines, ripe));
    }
    this.#lines.sort((a, b) => a.t - b.t);
    const m = this.#lines.findIndex((e) => e.t > ripe);
    for (const e of this.#lines.splice(0, m < 0 ? this.#lines.length : m)) this.print(`${fmtT(e.t - this.t0)}  ${e.who.padEnd(7)} ${e.text}`);
  }

  /** One prober's probes finished before `ripe`, in completion order, as timeline lines. */
  private clientEvents(f: Followed, lines: readonly string[], ripe: number): TimelineEvent[] {
    const c = f.client;
    c.probes.push(...parseProbes(lines.join('\n')));
    c.probes.sort((a, b) => probeEnd(a) - probeEnd(b) || a.t - b.t);
    const n = c.probes.findIndex((p) => probeEnd(p) > ripe);
    return this.probeEvents(f.label, c, c.probes.splice(0, n < 0 ? c.probes.length : n));
  }

  /** A prober's lines, from probes in completion order, each at the moment the client learned it. */
  private probeEvents(who: string, c: ClientState, probes: readonly Probe[]): TimelineEvent[] {
    const out: TimelineEvent[] = [];
    for (const p of probes) {
      if (!c.view.accept(p)) continue; // a late outcome of an older request: nothing new
      const at = probeEnd(p);
      if (p.ok && c.ok !== true) {
        const after = c.ok === false ? ` after an outage of ${((at - c.failSince) / 1000).toFixed(3)} s` : '';
        out.push({ t: at, who, text: `OK: VIP answers${after} (via ${this.name(p.via)}, ${p.api})` });
      } else if (p.ok && p.via !== c.via) {
        out.push({ t: at, who, text: `now served by ${this.name(p.via)}` });
      } else if (!p.ok && c.ok !== false) {
        c.failSince = p.t;
        out.push({ t: at, who, text: `FAILING: ${p.why} (the request sent at +${((p.t - this.t0) / 1000).toFixed(3)} s)` });
      } else if (!p.ok && p.why !== c.failWhy && p.why !== 'busy' && c.failWhy !== 'busy') {
        out.push({ t: at, who, text: `still failing: ${p.why}` });
      }
      c.ok = p.ok;
      if (p.why !== 'busy') c.failWhy = p.ok ? '' : p.why;
      if (p.ok) c.via = p.via;
    }
    return out;
  }

  private name(ip: string): string {
    return this.names[ip] ?? ip;
  }
}

function readNew(f: Followed): string[] {
  let fd: number;
  try {
    fd = openSync(f.file, 'r');
  } catch {
    return [];
  }
  try {
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(256 * 1024);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, f.offset);
      if (n <= 0) break;
      chunks.push(Buffer.from(buf.subarray(0, n)));
      f.offset += n;
    }
    const text = f.partial + Buffer.concat(chunks).toString('utf8');
    const lines = text.split('\n');
    f.partial = lines.pop() ?? '';
    return lines;
  } finally {
    closeSync(fd);
  }
}

/** The timeline line for one vrrpd log line, if it is one worth showing. */
export function vrrpdEvent(line: string, who: string): TimelineEvent[] {
  if (!line.startsWith('{')) return [];
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return [];
  }
  const t = typeof r.time === 'number' ? r.time : Date.now();
  const msg = typeof r.msg === 'string' ? r.msg : '';
  const detail = typeof r.detail === 'string' && r.detail !== '' ? ` (${r.detail})` : '';
  if (typeof r.instance === 'string' && typeof r.from !== 'undefined' && msg.includes(' -> ')) {
    const reason = typeof r.reason === 'string' ? ` [${r.reason}]` : '';
    return [{ t, who, text: `${msg}${reason}${detail}` }];
  }
  if (typeof r.script === 'string' && msg !== '') return [{ t, who, text: `check ${msg.replace(/ \(succeeded\)$/, '')}` }];
  if (msg === 'virtual addresses updated') return [{ t, who, text: `VIP ${String(r.action)}` }];
  if (msg.startsWith('link ') || msg === 'stopping' || msg === 'vrrpd stopped' || msg === 'vrrpd started') return [{ t, who, text: msg }];
  if (msg.startsWith('removed virtual addresses')) return [{ t, who, text: 'stale VIP of the earlier run removed at startup' }];
  if (typeof r.level === 'number' && r.level >= 50) return [{ t, who, text: `ERROR ${msg}${detail}` }];
  return [];
}

function fmtT(ms: number): string {
  return `+${(ms / 1000).toFixed(3).padStart(7)}s`;
}
