/**
 * The two daemons the scale bench compares, behind one interface: start, stop, the instances in
 * each state (from their logs), and the pid whose process tree is measured.
 */
import { Keepalived } from '../../src/lab/keepalived-process.js';
import type { LabHost } from '../../src/lab/netns.js';
import { Daemon } from './daemon.js';

export type DaemonKind = 'vrrpd' | 'keepalived';

export interface Peer {
  readonly kind: DaemonKind;
  writeConfig(text: string): void;
  start(): void;
  /** SIGTERM (a master hands over and removes its VIPs) and wait for the exit. */
  stop(): Promise<void>;
  /** Instances whose latest logged state is `state`. */
  count(state: 'MASTER' | 'BACKUP'): number;
  /** Transitions into `state` logged since the mark. */
  transitionsSince(mark: number, state: 'MASTER' | 'BACKUP'): number;
  /** A mark for transitionsSince. */
  mark(): number;
  /** The daemon's top process. */
  readonly pid: number | undefined;
}

/** instance name -> latest state, from (instance, state) events in log order. */
function latest(events: readonly { instance: string; state: string }[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of events) m.set(e.instance, e.state);
  return m;
}

export function vrrpdPeer(host: LabHost, dir: string, nodeArgs: readonly string[]): Peer {
  const d = new Daemon(host, dir);
  const events = () => d.logs.flatMap((l) => (typeof l.to === 'string' && typeof l.from === 'string' && typeof l.instance === 'string' ? [{ instance: l.instance, state: l.to }] : []));
  return {
    kind: 'vrrpd',
    writeConfig: (t) => d.writeConfig(t),
    start: () => d.start([], nodeArgs),
    stop: async () => void (await d.stop('SIGTERM')),
    count: (state) => [...latest(events()).values()].filter((s) => s === state).length,
    mark: () => events().length,
    transitionsSince: (mark, state) => events().slice(mark).filter((e) => e.state === state).length,
    get pid() {
      return d.running ? d.proc?.pid : undefined;
    },
  };
}

const KA_STATE = /\((VI_\d+)\) Entering (MASTER|BACKUP|FAULT) STATE/;

export function keepalivedPeer(host: LabHost, dir: string): Peer {
  const k = new Keepalived(host, dir);
  const events = () =>
    k.lines.flatMap((l) => {
      const m = KA_STATE.exec(l.line);
      return m ? [{ instance: m[1]!, state: m[2]! }] : [];
    });
  return {
    kind: 'keepalived',
    writeConfig: (t) => k.writeConfig(t),
    start: () => k.start(),
    stop: async () => {
      await k.stop();
      await k.waitExit();
    },
    count: (state) => [...latest(events()).values()].filter((s) => s === state).length,
    mark: () => events().length,
    transitionsSince: (mark, state) => events().slice(mark).filter((e) => e.state === state).length,
    get pid() {
      const p = k.proc;
      return p && p.exitCode === null && p.signalCode === null ? p.pid : undefined;
    },
  };
}
