/**
 * The demo's live timeline: follows both daemons' JSON logs and the client's probe file (polling
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
}

export interface TimelineEvent {
  readonly t: number;
  readonly who: string;
  readonly text: string;
}

export class Watch {
  #files: Followed[] = [];
  #timer: NodeJS.Timeout | undefined;
  #clientOk: boolean | undefined;
  #failSince = 0;
  #failWhy = '';
  #via = '';
  readonly #view = new ClientView();
  /** Probes not yet through the client view, and lines not yet printed. */
  #probes: Probe[] = [];
  #lines: TimelineEvent[] = [];

  constructor(
    private readonly t0: number,
    private readonly print: (line: string) => void,
    private readonly names: Record<string, string>,
  ) {}

  follow(file: string, label: string, kind: 'vrrpd' | 'probes'): void {
    this.#files.push({ file, label, kind, offset: 0, partial: '' });
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
    for (const f of this.#files) {
      const lines = readNew(f);
      if (f.kind === 'vrrpd') for (const l of lines) this.#lines.push(...vrrpdEvent(l, f.label));
      else this.#probes.push(...parseProbes(lines.join('\n')));
    }
    const ripe = this.#timer === undefined ? Infinity : Date.now() - HOLD_MS;
    this.#probes.sort((a, b) => probeEnd(a) - probeEnd(b) || a.t - b.t);
    const n = this.#probes.findIndex((p) => probeEnd(p) > ripe);
    this.#lines.push(...this.clientEvents(this.#probes.splice(0, n < 0 ? this.#probes.length : n)));
    this.#lines.sort((a, b) => a.t - b.t);
    const m = this.#lines.findIndex((e) => e.t > ripe);
    for (const e of this.#lines.splice(0, m < 0 ? this.#lines.length : m)) this.print(`${fmtT(e.t - this.t0)}  ${e.who.padEnd(6)} ${e.text}`);
  }

  /** The client's lines, from probes in completion order, each at the moment the client learned it. */
  private clientEvents(probes: readonly Probe[]): TimelineEvent[] {
    const out: TimelineEvent[] = [];
    for (const p of probes) {
      if (!this.#view.accept(p)) continue; // a late outcome of an older request: nothing new
      const at = probeEnd(p);
      if (p.ok && this.#clientOk !== true) {
        const after = this.#clientOk === false ? ` after an outage of ${((at - this.#failSince) / 1000).toFixed(3)} s` : '';
        out.push({ t: at, who: 'client', text: `OK: VIP answers${after} (via ${this.name(p.via)}, ${p.api})` });
      } else if (p.ok && p.via !== this.#via) {
        out.push({ t: at, who: 'client', text: `now served by ${this.name(p.via)}` });
      } else if (!p.ok && this.#clientOk !== false) {
        this.#failSince = p.t;
        out.push({ t: at, who: 'client', text: `FAILING: ${p.why} (the request sent at +${((p.t - this.t0) / 1000).toFixed(3)} s)` });
      } else if (!p.ok && p.why !== this.#failWhy && p.why !== 'busy' && this.#failWhy !== 'busy') {
        out.push({ t: at, who: 'client', text: `still failing: ${p.why}` });
      }
      this.#clientOk = p.ok;
      if (p.why !== 'busy') this.#failWhy = p.ok ? '' : p.why;
      if (p.ok) this.#via = p.via;
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
