/**
 * The vrrp_track_process kind (keepalived's track_process.c): healthy while the number of
 * matching processes is within quorum..quorum_max, judged by src/track/process-tracker.ts from
 * what the shared ProcessMonitor reads and hears. `fork_delay` / `terminate_delay` wake a
 * deadline timer.
 */
import type { TrackProcess } from '../../config/types.js';
import { ProcessTable, type QuorumChange } from '../../track/process-tracker.js';
import { health, type Health, type Reading, type TrackerInfo } from '../../track/tracker.js';
import { DeadlineTimer } from '../clock.js';
import { keyOf, type KindRuntime, type TrackedObject, type TrackerContext, type TrackerKind } from './kind.js';
import { ProcessMonitor, type MonitoredTable } from './process-monitor.js';

class ProcessTracker implements TrackedObject, MonitoredTable {
  readonly kind = 'track_process' as const;
  readonly name: string;
  readonly table: ProcessTable;
  readonly wantArgv: boolean;
  readonly settled: Promise<void>;
  #settle!: () => void;
  readonly #timer: DeadlineTimer;
  #sinceMs: number | undefined;
  #stopped = false;

  constructor(
    readonly config: TrackProcess,
    private readonly ctx: TrackerContext,
    private readonly monitor: ProcessMonitor,
  ) {
    this.name = config.name;
    this.table = new ProcessTable([config]);
    this.wantArgv = config.fullCommand;
    this.settled = new Promise((r) => (this.#settle = r));
    this.#timer = new DeadlineTimer(ctx.now, () => this.changes(this.table.tick(ctx.now())));
  }

  async start(): Promise<void> {
    await this.monitor.add(this);
    const s = this.table.state(this.name);
    this.#sinceMs = this.ctx.now();
    this.ctx.log.info({ trackProcess: this.name, count: s?.count, inQuorum: s?.inQuorum, mode: this.monitor.mode }, `track_process ${this.name}: ${this.#describe()}`);
    this.#settle();
  }

  /** What the table reports: log, re-arm the delay timer, tell the instances. */
  changes(cs: readonly QuorumChange[]): void {
    if (this.#stopped) return;
    this.#timer.arm(this.table.nextDeadline());
    for (const c of cs) {
      this.#sinceMs = this.ctx.now();
      this.ctx.log.info({ trackProcess: this.name, count: c.count, inQuorum: c.inQuorum }, `track_process ${this.name}: quorum ${c.inQuorum ? 'gained' : 'lost'} (${this.#describe()})`);
      this.ctx.changed('track_process', this.name, `track_process ${this.name} quorum ${c.inQuorum ? 'gained' : 'lost'}`);
    }
  }

  #health(): Health {
    const q = this.table.state(this.name)?.inQuorum;
    return q === undefined ? 'unknown' : q ? 'healthy' : 'failed';
  }

  #describe(): string {
    const s = this.table.state(this.name);
    const n = s?.count ?? 0;
    const c = this.config;
    const range = c.quorumMax === undefined ? `${c.quorum} or more` : c.quorum === c.quorumMax ? `${c.quorum}` : `${c.quorum} to ${c.quorumMax}`;
    return `${n} process${n === 1 ? '' : 'es'} running, ${range} wanted${s?.pending ? ', a change waits for its delay' : ''}`;
  }

  reading(): Reading {
    return health(this.#health());
  }

  info(): TrackerInfo {
    const s = this.table.state(this.name);
    return {
      kind: this.kind,
      name: this.name,
      health: this.#health(),
      value: s?.count ?? 0,
      weight: this.config.weight,
      reverse: this.config.reverse,
      lastResult: `${this.#describe()} (${this.monitor.mode === 'events' ? 'process events' : 'polling /proc'})`,
      ...(this.#sinceMs !== undefined ? { sinceMs: this.#sinceMs } : {}),
    };
  }

  stop(): void {
    this.#stopped = true;
    this.#timer.cancel();
    this.monitor.remove(this);
  }
}

export const processKind: TrackerKind<TrackProcess> = {
  kind: 'track_process',
  wanted(config) {
    const used = new Set(config.instances.flatMap((i) => i.trackProcesses.map((t) => t.name)));
    return config.trackProcesses.filter((p) => used.has(p.name)).map((p) => ({ name: p.name, key: keyOf(p), config: p }));
  },
  refs: (inst) => inst.trackProcesses,
  label: (name) => `process ${name}`,
  runtime(ctx): KindRuntime<TrackProcess> {
    let monitor: Promise<ProcessMonitor> | undefined;
    return {
      async create(w) {
        const m = await (monitor ??= ProcessMonitor.start({ now: ctx.now, log: ctx.log, bug: ctx.bug }));
        const t = new ProcessTracker(w.config, ctx, m);
        await t.start();
        return t;
      },
      settle(running) {
        // Nobody tracks a process any more: close the connector (or stop polling).
        if (running.length > 0 || monitor === undefined) return;
        const m = monitor;
        monitor = undefined;
        m.then((x) => x.stop(), (e: unknown) => ctx.bug('stopping the process monitor', e));
      },
      stop() {
        monitor?.then((x) => x.stop(), (e: unknown) => ctx.bug('stopping the process monitor', e));
        monitor = undefined;
      },
    };
  },
};
