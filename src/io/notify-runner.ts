/**
 * notify_master / notify_backup / notify_fault / notify_stop and the generic `notify`.
 *
 * For each state change the specific script (if any) runs with its own arguments, then the
 * generic `notify` with keepalived's four extra arguments: "INSTANCE"|"GROUP", the name, the
 * state (MASTER, BACKUP, FAULT, STOP, DELETED) and the priority. Scripts run one after the other
 * in a queue per instance (or group), so a later change never overtakes an earlier one; each
 * has a timeout (SIGTERM, then SIGKILL) so a stuck script cannot hold the queue for ever.
 * `notify()` returns at once: the protocol loop never waits for a script.
 *
 * The queue is bounded: at most `maxPending` state changes wait behind the one running. When a
 * flapping instance outruns its scripts, the OLDEST waiting change is dropped (reported through
 * `onDropped`), so the scripts catch up with the instance's latest state instead of falling
 * further behind. keepalived forks every notify at once, unordered and unbounded; vrrpd keeps
 * the order and the bound.
 *
 * Stopping, keepalived's timing (vrrp_daemon.c vrrp_terminate_phase1, notify_shutdown):
 * `shutdown()` drops the changes still waiting and sends SIGTERM to the scripts running (SIGKILL
 * a second later); the STOP scripts queued after it (the caller queues them once the instance's
 * addresses are gone) get one second each, then SIGKILL, as keepalived's child_killed_thread.
 */
import { background } from '../background.js';
import type { Launcher } from './script-launcher.js';
import type { ScriptPlan } from './script-plan.js';
import { runScript, type RunScriptOptions, type RunScriptResult } from './script-runner.js';

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';
export type NotifyScope = 'INSTANCE' | 'GROUP';
export type NotifyWhich = 'master' | 'backup' | 'fault' | 'stop' | 'notify';

/** An instance's (or sync group's) planned notify scripts. */
export type NotifyScripts = { readonly [K in NotifyWhich]?: ScriptPlan | undefined };

export interface NotifyEvent {
  readonly scope: NotifyScope;
  readonly name: string;
  readonly state: NotifyState;
  readonly priority: number;
}

/** Reported after each script finishes (for the log). */
export interface NotifyDone {
  readonly event: NotifyEvent;
  readonly which: NotifyWhich;
  readonly plan: ScriptPlan;
  readonly result: RunScriptResult;
}

export interface NotifyRunnerOptions {
  readonly launcher: Launcher;
  /** Per-script timeout; default 10 000 ms. */
  readonly timeoutMs?: number;
  readonly killGraceMs?: number;
  /** State changes that may wait per queue behind the running one; default 8. */
  readonly maxPending?: number;
  /** Called after every script. */
  readonly onDone?: (d: NotifyDone) => void;
  /** Called when a waiting state change is dropped because its queue is full. */
  readonly onDropped?: (e: NotifyEvent, waiting: number) => void;
  /** Injected for tests; default runScript. */
  readonly run?: (o: RunScriptOptions) => Promise<RunScriptResult>;
}

const SPECIFIC: Record<NotifyState, NotifyWhich | undefined> = {
  MASTER: 'master',
  BACKUP: 'backup',
  FAULT: 'fault',
  STOP: 'stop',
  DELETED: undefined, // keepalived: notify_deleted is its own keyword; only the generic one here
};

interface Job {
  readonly which: NotifyWhich;
  readonly plan: ScriptPlan;
  readonly extra: readonly string[];
}

/** keepalived runs STOP notifies with a 1 s timer (TIMER_HZ), then SIGKILLs their process group. */
export const STOP_SCRIPT_MS = 1000;

interface Queue {
  readonly waiting: { readonly event: NotifyEvent; readonly jobs: readonly Job[] }[];
  /** Resolves when the queue has run dry. */
  readonly drained: Promise<void>;
}

/** Runs notify scripts in order, one bounded queue per `${scope}:${name}`. */
export class NotifyRunner {
  readonly #queues = new Map<string, Queue>();
  readonly #opts: NotifyRunnerOptions;
  readonly #maxPending: number;
  /** Aborted by shutdown(): the scripts running then get SIGTERM. */
  #running = new AbortController();

  constructor(opts: NotifyRunnerOptions) {
    this.#opts = opts;
    this.#maxPending = Math.max(1, opts.maxPending ?? 8);
  }

  /** Queue the scripts for one state change; returns at once. */
  notify(event: NotifyEvent, scripts: NotifyScripts): void {
    const jobs: Job[] = [];
    const key = SPECIFIC[event.state];
    const specific = key === undefined ? undefined : scripts[key];
    if (key !== undefined && specific) jobs.push({ which: key, plan: specific, extra: [] });
    if (scripts.notify) jobs.push({ which: 'notify', plan: scripts.notify, extra: [event.scope, event.name, event.state, String(event.priority)] });
    if (jobs.length === 0) return;
    const qkey = `${event.scope}:${event.name}`;
    const existing = this.#queues.get(qkey);
    if (existing) {
      existing.waiting.push({ event, jobs });
      if (existing.waiting.length > this.#maxPending) {
        const dropped = existing.waiting.shift()!;
        this.#report(() => this.#opts.onDropped?.(dropped.event, existing.waiting.length));
      }
      return;
    }
    const waiting = [{ event, jobs }];
    let done!: () => void;
    const queue: Queue = { waiting, drained: new Promise<void>((r) => (done = r)) };
    this.#queues.set(qkey, queue);
    background(
      this.#drain(queue).finally(() => {
        this.#queues.delete(qkey);
        done();
      }),
      () => undefined, // #drain never rejects: runOne turns every failure into a result
    );
  }

  /**
   * The daemon is stopping: changes still waiting are dropped (their count returned), scripts
   * running get SIGTERM and SIGKILL a second later. What is queued afterwards runs normally.
   */
  shutdown(): number {
    let dropped = 0;
    for (const q of this.#queues.values()) dropped += q.waiting.splice(0).length;
    this.#running.abort();
    this.#running = new AbortController();
    return dropped;
  }

  /** Resolves when every queued script (of one queue, or all) has finished. */
  async idle(scope?: NotifyScope, name?: string): Promise<void> {
    if (scope !== undefined && name !== undefined) {
      await this.#queues.get(`${scope}:${name}`)?.drained;
      return;
    }
    while (this.#queues.size > 0) await Promise.all([...this.#queues.values()].map((q) => q.drained));
  }

  async #drain(queue: Queue): Promise<void> {
    for (let next = queue.waiting.shift(); next !== undefined; next = queue.waiting.shift()) {
      // A shutdown during this change ends it: the rest of its scripts do not start.
      const signal = this.#running.signal;
      for (const j of next.jobs) {
        if (signal.aborted) break;
        await this.#runOne(next.event, j, signal);
      }
    }
  }

  async #runOne(event: NotifyEvent, job: Job, signal: AbortSignal): Promise<void> {
    const run = this.#opts.run ?? runScript;
    const stop = event.state === 'STOP';
    let result: RunScriptResult;
    try {
      result = await run({
        plan: job.plan,
        launcher: this.#opts.launcher,
        timeoutMs: stop ? STOP_SCRIPT_MS : (this.#opts.timeoutMs ?? 10_000),
        killGraceMs: stop ? 0 : (this.#opts.killGraceMs ?? 2000),
        extraArgs: job.extra,
        signal,
        abortGraceMs: STOP_SCRIPT_MS,
      });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      result = { exitCode: null, signal: null, timedOut: false, durationMs: 0, pid: undefined, error };
    }
    this.#report(() => this.#opts.onDone?.({ event, which: job.which, plan: job.plan, result }));
  }

  /** A logging callback must never break a queue. */
  #report(f: () => void): void {
    try {
      f();
    } catch {
      // nothing to do: the callback is our own logger
    }
  }
}
