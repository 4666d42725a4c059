/**
 * The demo's live timeline: follows both daemons' JSON logs and the client's probe file (polling
 * the files every 50 ms for new bytes), and prints one line per event that matters (state and
 * priority changes, check results, VIPs added/removed, the client failing and recovering,
 * the client served by another node), ordered by the events' own timestamps.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parseProbes, type Probe } from './analysis.js';

/** Longer than the prober's timeout: every probe that started before this has been recorded. */
const PROBE_SETTLE_MS = 400;

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
  /** Probe records wait until every probe started before them has finished (they finish out of order). */
  pending: Probe[];
}

export interface TimelineEvent {
  readonly t: number;
  readonly who: string;
  readonly text: string;
}

export class Watch {
  #files: Followed[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly t0: number,
    private readonly print: (line: string) => void,
    private readonly names: Record<string, string>,
  ) {}

  /** Follow a vrrpd log or a probe file; `label` names the node or the client ("client", "client6"). */
  follow(file: string, label: string, kind: 'vrrpd' | 'probes'): void {
    this.#files.push({ file, label, kind, offset: 0, partial: '', client: { ok: undefined, failSince: 0, failWhy: '', via: '', pending: [] } });
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
    this.emit([{ t: Date.now(), who, text }]);
  }

  poll(): void {
    const events: TimelineEvent[] = [];
    for (const f of this.#files) {
      const lines = readNew(f);
      if (f.kind === 'vrrpd') for (const l of lines) events.push(...vrrpdEvent(l, f.label));
      else events.push(...this.clientEvents(f, lines));
    }
    this.emit(events.sort((a, b) => a.t - b.t));
  }

  /** The settled probes of one prober (older than the prober's timeout) as timeline lines. */
  private clientEvents(f: Followed, lines: readonly string[]): TimelineEvent[] {
    const c = f.client;
    c.pending.push(...parseProbes(lines.join('\n')));
    c.pending.sort((a, b) => a.t - b.t);
    const ripe = this.#timer === undefined ? c.pending.length : c.pending.findIndex((p) => p.t > Date.now() - PROBE_SETTLE_MS);
    return this.probeEvents(f.label, c, c.pending.splice(0, ripe < 0 ? c.pending.length : ripe));
  }

  private emit(events: readonly TimelineEvent[]): void {
    for (const e of events) this.print(`${fmtT(e.t - this.t0)}  ${e.who.padEnd(7)} ${e.text}`);
  }

  private probeEvents(who: string, c: ClientState, probes: readonly Probe[]): TimelineEvent[] {
    const out: TimelineEvent[] = [];
    for (const p of probes) {
      if (p.ok && c.ok !== true) {
        const after = c.ok === false ? ` after an outage of ${((p.t - c.failSince) / 1000).toFixed(3)} s` : '';
        out.push({ t: p.t, who, text: `OK: VIP answers${after} (via ${this.name(p.via)}, ${p.api})` });
      } else if (p.ok && p.via !== c.via) {
        out.push({ t: p.t, who, text: `now served by ${this.name(p.via)}` });
      } else if (!p.ok && c.ok !== false) {
        c.failSince = p.t;
        out.push({ t: p.t, who, text: `FAILING: ${p.why}` });
      } else if (!p.ok && p.why !== c.failWhy && p.why !== 'busy' && c.failWhy !== 'busy') {
        out.push({ t: p.t, who, text: `still failing: ${p.why}` });
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
