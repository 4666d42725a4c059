/**
 * notify_master / notify_backup / notify_fault / notify_stop and the generic `notify`.
 *
 * For each state change the specific script (if any) runs with its own arguments, then the
 * generic `notify` with keepalived's four extra arguments: "INSTANCE"|"GROUP", the name, the
 * state (MASTER, BACKUP, FAULT, STOP, DELETED) and the priority. Scripts run one after the other
 * in a queue per instance (or group), so a later change never overtakes an earlier one; each
 * has a timeout (SIGTERM, then SIGKILL) so a stuck script cannot hold the queue for ever.
 * `notify()` returns at once: the protocol loop never waits for a script.
 */
import { runScript, type RunScriptOptions, type RunScriptResult } from './script-runner.js';

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';
export type NotifyScope = 'INSTANCE' | 'GROUP';

/** One configured script: its string and who runs it (script_user / per-script user). */
export interface NotifyScript {
  readonly command: string;
  readonly uid?: number | undefined;
  readonly gid?: number | undefined;
}

/** An instance's (or sync group's) notify scripts. */
export interface NotifyScripts {
  readonly master?: NotifyScript | undefined;
  readonly backup?: NotifyScript | undefined;
  readonly fault?: NotifyScript | undefined;
  readonly stop?: NotifyScript | undefined;
  /** Generic `notify`, called after the specific one, with the four extra arguments. */
  readonly notify?: NotifyScript | undefined;
}

export interface NotifyEvent {
  readonly scope: NotifyScope;
  readonly name: string;
  readonly state: NotifyState;
  readonly priority: number;
}

/** Reported after each script finishes (for the log). */
export interface NotifyDone {
  readonly event: NotifyEvent;
  readonly which: 'master' | 'backup' | 'fault' | 'stop' | 'notify';
  readonly command: string;
  readonly result: RunScriptResult;
}

export interface NotifyRunnerOptions {
  /** Per-script timeout; default 10 000 ms. */
  readonly timeoutMs?: number;
  readonly killGraceMs?: number;
  /** Called after every script; must not throw. */
  readonly onDone?: (d: NotifyDone) => void;
  /** Injected for tests; default runScript. */
  readonly run?: (o: RunScriptOptions) => Promise<RunScriptResult>;
}

const SPECIFIC: Record<NotifyState, keyof NotifyScripts | undefined> = {
  MASTER: 'master',
  BACKUP: 'backup',
  FAULT: 'fault',
  STOP: 'stop',
  DELETED: undefined, // keepalived: notify_deleted is its own keyword; only the generic one here
};

/** Runs notify scripts in order, one queue per `${scope}:${name}`. */
export class NotifyRunner {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly timeoutMs: number;
  private readonly opts: NotifyRunnerOptions;

  constructor(opts: NotifyRunnerOptions = {}) {
    this.opts = opts;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** Queue the scripts for one state change; returns at once. */
  notify(event: NotifyEvent, scripts: NotifyScripts): void {
    const jobs: Array<{ which: NotifyDone['which']; script: NotifyScript; extra: string[] }> = [];
    const key = SPECIFIC[event.state];
    const specific = key === undefined ? undefined : scripts[key];
    if (key !== undefined && key !== 'notify' && specific) jobs.push({ which: key, script: specific, extra: [] });
    if (scripts.notify) {
      const extra = [event.scope, event.name, event.state, String(event.priority)];
      jobs.push({ which: 'notify', script: scripts.notify, extra });
    }
    if (jobs.length === 0) return;
    const qkey = `${event.scope}:${event.name}`;
    const prev = this.queues.get(qkey) ?? Promise.resolve();
    const next = prev.then(async () => {
      for (const j of jobs) await this.runOne(event, j.which, j.script, j.extra);
    });
    this.queues.set(qkey, next);
    const forget = (): void => {
      if (this.queues.get(qkey) === next) this.queues.delete(qkey);
    };
    next.then(forget, forget); // runOne never throws
  }

  /** Resolves when every queued script (of one queue, or all) has finished. */
  async idle(scope?: NotifyScope, name?: string): Promise<void> {
    if (scope !== undefined && name !== undefined) {
      await this.queues.get(`${scope}:${name}`);
      return;
    }
    while (this.queues.size > 0) await Promise.all([...this.queues.values()]);
  }

  private async runOne(event: NotifyEvent, which: NotifyDone['which'], s: NotifyScript, extra: string[]): Promise<void> {
    const run = this.opts.run ?? runScript;
    let result: RunScriptResult;
    try {
      result = await run({
        command: s.command,
        timeoutMs: this.timeoutMs,
        killGraceMs: this.opts.killGraceMs ?? 2000,
        uid: s.uid,
        gid: s.gid,
        extraArgs: extra,
      });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      result = { exitCode: null, signal: null, timedOut: false, durationMs: 0, pid: undefined, plan: undefined, error };
    }
    try {
      this.opts.onDone?.({ event, which, command: s.command, result });
    } catch {
      // a logging callback must never break the queue
    }
  }
}
