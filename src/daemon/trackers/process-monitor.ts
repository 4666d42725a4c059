/**
 * The one process watch every vrrp_track_process shares. With the proc connector
 * (io/proc-events.ts) it follows the kernel's fork / exec / comm / exit events in order: an exec
 * or a name change is judged from /proc, a fork is counted from its parent, an exit uncounts; lost
 * events mean a full rescan. Without the connector it reads all of /proc every PROCESS_POLL_MS and
 * watches each counted process with a pidfd, so a death is still seen at once; only a new
 * process waits for the next poll. Each tracker has its own ProcessTable (src/track/); the
 * monitor only reads and routes.
 */
import type { ProcEvent } from '../../io/watch-addon.js';
import { ProcConnector, watchExit } from '../../io/proc-events.js';
import { procHiding, readProcess, scanProcesses } from '../../io/proc-scan.js';
import { background } from '../../background.js';
import { err } from '../../result.js';
import type { ProcessEntry, ProcessTable, QuorumChange } from '../../track/process-tracker.js';
import type { Now } from '../clock.js';
import type { Logger } from '../log.js';

/** How often /proc is read when there is no proc connector. */
export const PROCESS_POLL_MS = 1000;
/** Events waiting beyond this mean we are far behind: drop them and rescan. */
const MAX_QUEUE = 20_000;

/** One tracker as the monitor feeds it. */
export interface MonitoredTable {
  readonly table: ProcessTable;
  /** Whether its matching needs each process's command line. */
  readonly wantArgv: boolean;
  /** Reports from the table (quorum gained or lost). */
  readonly changes: (c: readonly QuorumChange[]) => void;
}

type Job = ProcEvent | { readonly what: 'rescan' } | { readonly what: 'picture'; readonly table: MonitoredTable; readonly done: () => void };

export interface MonitorDeps {
  readonly now: Now;
  readonly log: Logger;
  readonly bug: (what: string, e: unknown) => void;
  /** false: poll even where the proc connector works (tests, benches). */
  readonly events?: boolean;
}

export class ProcessMonitor {
  readonly #tables = new Set<MonitoredTable>();
  readonly #queue: Job[] = [];
  #draining = false;
  #connector: ProcConnector | undefined;
  #poll: NodeJS.Timeout | undefined;
  readonly #exitWatches = new Map<number, () => void>();
  #pidfd = true;
  #stopped = false;
  mode: 'events' | 'poll' = 'poll';

  private constructor(private readonly deps: MonitorDeps) {}

  /** Open the proc connector, or fall back to polling (logged once, with the reason). */
  static async start(deps: MonitorDeps): Promise<ProcessMonitor> {
    const m = new ProcessMonitor(deps);
    const hidden = await procHiding();
    if (hidden !== undefined)
      deps.log.warn({ proc: hidden }, `track_process: /proc is mounted with ${hidden} here (systemd's ProtectProc=invisible): other users' processes are invisible and never counted; the shipped unit uses ProtectProc=default`);
    const c =
      deps.events === false
        ? err('process events not used (asked not to)')
        : await ProcConnector.open({
            events: (events) => m.#enqueue(events),
            lost: () => m.#enqueue([{ what: 'rescan' }]),
            bug: (e) => deps.bug('reading process events', e),
          });
    if (c.ok) {
      m.#connector = c.value;
      m.mode = 'events';
      deps.log.info({}, 'track_process: following process events (proc connector)');
    } else {
      m.#poll = setInterval(() => m.#enqueue([{ what: 'rescan' }]), PROCESS_POLL_MS);
      m.#poll.unref();
      deps.log.warn({ reason: c.error }, `track_process: reading /proc every ${PROCESS_POLL_MS} ms, a counted process's exit seen at once (pidfd): ${c.error}`);
    }
    return m;
  }

  /** Add a tracker: it gets its first picture of /proc, in order with the events. */
  add(t: MonitoredTable): Promise<void> {
    this.#tables.add(t);
    return new Promise((done) => this.#enqueue([{ what: 'picture', table: t, done }]));
  }

  remove(t: MonitoredTable): void {
    this.#tables.delete(t);
    this.#syncExitWatches();
  }

  get empty(): boolean {
    return this.#tables.size === 0;
  }

  stop(): void {
    this.#stopped = true;
    this.#connector?.close();
    clearInterval(this.#poll);
    for (const stop of this.#exitWatches.values()) stop();
    this.#exitWatches.clear();
    this.#queue.length = 0;
  }

  #enqueue(jobs: readonly Job[]): void {
    if (this.#stopped) return;
    if (this.#queue.length + jobs.length > MAX_QUEUE) {
      this.deps.log.warn({ waiting: this.#queue.length }, 'track_process: too many process events waiting; dropping them and reading /proc again');
      const pictures = this.#queue.filter((j) => j.what === 'picture');
      this.#queue.length = 0;
      this.#queue.push(...pictures, { what: 'rescan' });
    } else this.#queue.push(...jobs);
    if (!this.#draining) background(this.#drain(), (e) => this.deps.bug('handling process events', e));
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      for (let job = this.#queue.shift(); job !== undefined && !this.#stopped; job = this.#queue.shift()) await this.#handle(job);
    } finally {
      this.#draining = false;
    }
  }

  #wantArgv(): boolean {
    return [...this.#tables].some((t) => t.wantArgv);
  }

  async #handle(job: Job): Promise<void> {
    const now = this.deps.now;
    switch (job.what) {
      case 'ack':
        return;
      case 'fork':
        return this.#each((t) => t.table.fork(job.parentTgid, job.tgid, now()));
      case 'exit':
        return this.#each((t) => t.table.exit(job.tgid, now()));
      case 'comm':
        return this.#each((t) => t.table.judge(job.tgid, { comm: job.comm }, now(), true));
      case 'exec': {
        if (this.#tables.size === 0) return;
        const p = await readProcess(job.tgid, this.#wantArgv());
        // Gone already: its exit event follows (or a zombie, which never counts).
        return this.#each((t) => (p ? t.table.judge(job.tgid, p.view, now()) : t.table.exit(job.tgid, now())));
      }
      case 'rescan': {
        if (this.#tables.size === 0) return;
        const procs = await scanProcesses(this.#wantArgv());
        return this.#each((t) => t.table.picture(procs, now()));
      }
      case 'picture': {
        const procs: ProcessEntry[] = await scanProcesses(job.table.wantArgv);
        if (this.#tables.has(job.table)) job.table.changes(job.table.table.picture(procs, now()));
        this.#syncExitWatches();
        job.done();
        return;
      }
    }
  }

  #each(f: (t: MonitoredTable) => readonly QuorumChange[]): void {
    for (const t of this.#tables) {
      const c = f(t);
      if (c.length > 0) t.changes(c);
    }
    this.#syncExitWatches();
  }

  /** Without events: one pidfd per counted process, so its exit is seen at once. */
  #syncExitWatches(): void {
    if (this.mode === 'events' || !this.#pidfd || this.#stopped) return;
    const counted = new Set([...this.#tables].flatMap((t) => t.table.counted()));
    for (const [pid, stop] of this.#exitWatches) {
      if (counted.has(pid)) continue;
      stop();
      this.#exitWatches.delete(pid);
    }
    for (const pid of counted) {
      if (this.#exitWatches.has(pid)) continue;
      const w = watchExit(pid, () => this.#enqueue([{ what: 'exit', pid, tgid: pid }]), (e) => this.deps.bug('a process exit', e));
      if (w.ok) this.#exitWatches.set(pid, w.value);
      else if (w.error.code === 'ESRCH') this.#enqueue([{ what: 'exit', pid, tgid: pid }]);
      else {
        this.#pidfd = false;
        this.deps.log.warn({ detail: w.error.detail }, `track_process: cannot watch process exits (pidfd): ${w.error.detail}; an exit is seen at the next read of /proc`);
        return;
      }
    }
  }
}
