/**
 * The two daemons the benches compare, behind one interface: start, SIGTERM, SIGKILL, and the
 * instances' states as their logs tell them (vrrpd's JSON lines, keepalived's "(VI_n) Entering X
 * STATE" console lines). vrrpd runs with the node flags of its bin (lib/node-flags.ts).
 */
import { Keepalived } from '../../src/lab/keepalived-process.js';
import type { LabHost } from '../../src/lab/netns.js';
import { Daemon } from './daemon.js';
import { sleep } from './stats.js';

export type DaemonKind = 'vrrpd' | 'keepalived';
export type VrrpState = 'MASTER' | 'BACKUP';

/** One logged transition: which instance, into which state, when the line arrived (epoch ms). */
interface StateEvent {
  readonly instance: string;
  readonly state: string;
  readonly t: number;
  /** The daemon's own time stamp (vrrpd's pino `time`, epoch ms); keepalived logs whole seconds only. */
  readonly stamp?: number;
}

export interface Peer {
  readonly kind: DaemonKind;
  readonly host: LabHost;
  writeConfig(text: string): void;
  start(): void;
  /** SIGTERM (a master hands over with priority 0 and removes its VIPs) and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, no goodbye (every process of the daemon), and wait for the exit. */
  kill(): Promise<void>;
  readonly running: boolean;
  /** The daemon's top process. */
  readonly pid: number | undefined;
  /** Instances whose latest logged state is `state`. */
  count(state: VrrpState): number;
  /** A mark in the log, for the two below. */
  mark(): number;
  /** Transitions into `state` logged since `mark`. */
  transitionsSince(mark: number, state: VrrpState): number;
  /** The first transition of `instance` into `state` logged since `mark`. */
  waitState(instance: string, state: VrrpState, timeoutMs: number, mark: number): Promise<StateEvent>;
  /** vrrpd: every JSON log line so far (keepalived: absent). */
  readonly logLines?: () => readonly Record<string, unknown>[];
}

function tracker(events: () => readonly StateEvent[]) {
  return {
    count: (state: VrrpState) => {
      const last = new Map<string, string>();
      for (const e of events()) last.set(e.instance, e.state);
      return [...last.values()].filter((s) => s === state).length;
    },
    mark: () => events().length,
    transitionsSince: (mark: number, state: VrrpState) => events().slice(mark).filter((e) => e.state === state).length,
    waitState: async (instance: string, state: VrrpState, timeoutMs: number, mark: number): Promise<StateEvent> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = events().slice(mark).find((e) => e.instance === instance && e.state === state);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`${instance} did not become ${state} within ${timeoutMs} ms`);
        await sleep(20);
      }
    },
  };
}

/** vrrpd through a bench Daemon (its own, or one a Pair made). */
export function vrrpdPeer(d: Daemon, nodeArgs?: readonly string[], env?: NodeJS.ProcessEnv): Peer {
  const events = (): StateEvent[] =>
    d.logs.flatMap((l) =>
      typeof l.to === 'string' && typeof l.from === 'string' && typeof l.instance === 'string'
        ? [{ instance: l.instance, state: l.to, t: l.t, ...(typeof l.time === 'number' ? { stamp: l.time } : {}) }]
        : [],
    );
  const track = tracker(events);
  return {
    ...track,
    /** On a timeout, the error carries the daemon's last log lines (why it did not get there). */
    waitState: (instance, state, timeoutMs, mark) =>
      track.waitState(instance, state, timeoutMs, mark).catch((e: unknown) => {
        throw new Error(`${(e as Error).message}; ${d.host.name}'s last log lines:\n${d.logs.slice(-15).map((l) => JSON.stringify(l)).join('\n')}`);
      }),
    kind: 'vrrpd',
    host: d.host,
    logLines: () => d.logs,
    writeConfig: (t) => d.writeConfig(t),
    start: () => d.start([], { ...(nodeArgs && { nodeArgs }), ...(env && { env }) }),
    stop: async () => void (await d.stop('SIGTERM')),
    kill: async () => void (await d.stop('SIGKILL')),
    get running() {
      return d.running;
    },
    get pid() {
      return d.running ? d.proc?.pid : undefined;
    },
  };
}

const KA_STATE = /\((\w+)\) Entering (MASTER|BACKUP|FAULT) STATE/;

export function keepalivedPeer(host: LabHost, dir: string): Peer {
  const k = new Keepalived(host, dir);
  const events = (): StateEvent[] =>
    k.lines.flatMap((l) => {
      const m = KA_STATE.exec(l.line);
      return m ? [{ instance: m[1]!, state: m[2]!, t: l.t }] : [];
    });
  const running = (): boolean => k.proc !== undefined && k.proc.exitCode === null && k.proc.signalCode === null;
  return {
    kind: 'keepalived',
    host,
    writeConfig: (t) => k.writeConfig(t),
    start: () => k.start(),
    stop: async () => {
      await k.stop();
      await k.waitExit();
    },
    kill: async () => {
      k.kill();
      await k.waitExit();
    },
    get running() {
      return running();
    },
    get pid() {
      return running() ? k.proc?.pid : undefined;
    },
    ...tracker(events),
  };
}
