/**
 * One `vrrp_script` as a sans-IO state machine, with keepalived 2.2's semantics.
 *
 * How it works (learned from keepalived's vrrp_scheduler.c / vrrp_track.c, not copied):
 * - The first check runs at once on 'start'; after that one is due every `intervalMs`, counted
 *   from when the previous one was due (keepalived re-arms its timer when the run fires).
 * - A check still running when the next is due makes that run a 'skip' (keepalived logs
 *   "expect idle - skipping run"). The caller enforces `timeoutMs` (default: the interval) and
 *   reports a timed-out run as a failure.
 * - Hysteresis is one counter `score` in 0..rise+fall-1; the script is healthy iff score >= rise.
 *   A success below rise-1 counts up; a success at rise-1 or above jumps to the top (healthy).
 *   A failure above rise counts down; a failure at rise or below drops to 0 (failed).
 *   So from healthy it takes `fall` consecutive failures to fail, and from failed `rise`
 *   consecutive successes to recover; one contrary result restarts the count.
 * - Initial state: without `init_fail` the script is 'unknown' with score rise-1, so the FIRST
 *   result decides either way (one success => healthy, one failure => failed). With
 *   `init_fail` it starts 'failed' with score 0 and needs `rise` successes.
 * - While 'unknown' the script contributes nothing to priority (keepalived neither adds a
 *   positive weight nor subtracts a negative one) and keepalived holds weight-0 users in INIT.
 */
import type { TrackerStatus } from '../protocol/types.js';
import { healthStatus, type Health } from './tracker.js';

/** The script's health as keepalived sees it. */
export type ScriptHealth = Health;

/** Validated `vrrp_script` settings (the config layer checks ranges; we re-check and throw). */
export interface ScriptTrackerConfig {
  readonly name: string;
  /** keepalived `interval` (default 1 s), in ms, > 0. */
  readonly intervalMs: number;
  /** keepalived `timeout`, in ms; undefined or 0 = the interval (keepalived's rule). */
  readonly timeoutMs?: number | undefined;
  /** keepalived `weight`, -253..253, default 0 (failure => FAULT). */
  readonly weight: number;
  /** keepalived `weight N reverse`. */
  readonly reverse: boolean;
  /** Consecutive successes to become healthy, >= 1 (default 1). */
  readonly rise: number;
  /** Consecutive failures to become failed, >= 1 (default 1). */
  readonly fall: number;
  /** keepalived `init_fail`: start failed instead of unknown. */
  readonly initFail: boolean;
}

/** How one check ended, as reported by the runner. */
export type CheckOutcome =
  | { readonly kind: 'exit'; readonly code: number } // success iff code 0
  | { readonly kind: 'ok' } // built-in check succeeded (check_tcp connected)
  | { readonly kind: 'fail'; readonly detail: string } // built-in check failed
  | { readonly kind: 'timeout' } // killed at the timeout: failure
  | { readonly kind: 'signal'; readonly signal: string } // died of a signal we did not send
  | { readonly kind: 'error'; readonly detail: string }; // could not be started

export type TrackerInput =
  | { readonly kind: 'start' }
  | { readonly kind: 'stop' }
  | { readonly kind: 'tick' }
  | { readonly kind: 'result'; readonly outcome: CheckOutcome };

export type TrackerAction =
  /** Start one check now; the caller kills it after `timeoutMs` and reports { kind: 'timeout' }. */
  | { readonly kind: 'run'; readonly name: string; readonly timeoutMs: number }
  /** A run was due while the previous one was still going: not started (log it). */
  | { readonly kind: 'skip'; readonly name: string; readonly detail: string }
  | {
      readonly kind: 'statusChanged';
      readonly name: string;
      readonly from: ScriptHealth;
      readonly to: 'healthy' | 'failed';
      /** Why: the result that tipped it ("exit status 1", "timed out", "connected"...). */
      readonly detail: string;
    };

/** An instance's view of the script: `track_script { NAME weight N [reverse|noreverse] }`. */
export interface TrackBinding {
  readonly weight?: number | undefined;
  readonly reverse?: boolean | undefined;
}

/** True when the outcome counts as a success. */
export function outcomeOk(o: CheckOutcome): boolean {
  return (o.kind === 'exit' && o.code === 0) || o.kind === 'ok';
}

/** A short human reason for an outcome, for logs. */
export function describeOutcome(o: CheckOutcome): string {
  switch (o.kind) {
    case 'exit':
      return o.code === 0 ? 'succeeded' : `exited with status ${o.code}`;
    case 'ok':
      return 'succeeded';
    case 'fail':
      return `failed (${o.detail})`;
    case 'timeout':
      return 'timed out';
    case 'signal':
      return `died of signal ${o.signal}`;
    case 'error':
      return `could not run (${o.detail})`;
  }
}

function checkConfig(c: ScriptTrackerConfig): void {
  const bad = (what: string): never => {
    throw new RangeError(`vrrp_script ${c.name}: ${what}`);
  };
  if (!(c.intervalMs > 0)) bad(`interval ${c.intervalMs} ms must be > 0`);
  if (c.timeoutMs !== undefined && !(c.timeoutMs >= 0)) bad(`timeout ${c.timeoutMs} ms must be >= 0`);
  if (!Number.isInteger(c.weight) || c.weight < -253 || c.weight > 253) bad(`weight ${c.weight} outside -253..253`);
  if (!Number.isInteger(c.rise) || c.rise < 1) bad(`rise ${c.rise} must be >= 1`);
  if (!Number.isInteger(c.fall) || c.fall < 1) bad(`fall ${c.fall} must be >= 1`);
}

/** The sans-IO tracker for one vrrp_script. Drive it with `step`; wake it at `nextDeadline()`. */
export class ScriptTracker {
  readonly config: ScriptTrackerConfig;
  private score: number;
  private health: ScriptHealth;
  private running = false;
  private started = false;
  private nextDueMs: number | undefined;
  private skipped = 0;
  private runs = 0;

  constructor(config: ScriptTrackerConfig) {
    checkConfig(config);
    this.config = config;
    this.score = config.initFail ? 0 : config.rise - 1;
    this.health = config.initFail ? 'failed' : 'unknown';
  }

  /** The effective check timeout: keepalived uses the interval when no timeout is set. */
  get timeoutMs(): number {
    const t = this.config.timeoutMs;
    return t === undefined || t === 0 ? this.config.intervalMs : t;
  }

  /** Feed one input at `nowMs` (monotonic); returns what to do, in order. */
  step(input: TrackerInput, nowMs: number): TrackerAction[] {
    switch (input.kind) {
      case 'start':
        if (this.started) return [];
        this.started = true;
        this.nextDueMs = nowMs;
        return this.tick(nowMs);
      case 'stop':
        this.started = false;
        this.nextDueMs = undefined;
        return [];
      case 'tick':
        return this.tick(nowMs);
      case 'result':
        return this.result(input.outcome);
    }
  }

  /** When the next run is due (ms), or undefined when stopped. */
  nextDeadline(): number | undefined {
    return this.nextDueMs;
  }

  /** Current health; 'unknown' until the first result (without init_fail). */
  get state(): ScriptHealth {
    return this.health;
  }

  /** True once the first result is in (or init_fail decided it). keepalived holds weight-0 users in INIT until then. */
  get settled(): boolean {
    return this.health !== 'unknown';
  }

  get busy(): boolean {
    return this.running;
  }

  /** Counters for status output. */
  get stats(): { readonly runs: number; readonly skipped: number } {
    return { runs: this.runs, skipped: this.skipped };
  }

  /** This script as an instance sees it, applying the instance's `track_script` override. */
  trackerStatus(binding: TrackBinding = {}): TrackerStatus {
    return toTrackerStatus(
      this.config.name,
      this.health,
      binding.weight ?? this.config.weight,
      binding.reverse ?? this.config.reverse,
    );
  }

  private tick(nowMs: number): TrackerAction[] {
    if (this.nextDueMs === undefined || nowMs < this.nextDueMs) return [];
    this.nextDueMs = nowMs + this.config.intervalMs;
    if (this.running) {
      this.skipped++;
      return [{ kind: 'skip', name: this.config.name, detail: 'previous run still going' }];
    }
    this.running = true;
    this.runs++;
    return [{ kind: 'run', name: this.config.name, timeoutMs: this.timeoutMs }];
  }

  private result(outcome: CheckOutcome): TrackerAction[] {
    if (!this.running) return []; // a stray result (after stop/restart): nothing ran
    this.running = false;
    const { rise, fall } = this.config;
    const top = rise + fall - 1;
    const from = this.health;
    let to: 'healthy' | 'failed' | undefined;
    if (outcomeOk(outcome)) {
      if (this.score < rise - 1) this.score++;
      else {
        if (this.score < rise) to = 'healthy';
        this.score = top;
      }
    } else if (this.score > rise) {
      this.score--;
    } else {
      if (this.score === rise || from === 'unknown') to = 'failed';
      this.score = 0;
    }
    // An unknown script's score is rise-1, so its first result always settles it (above).
    if (to === undefined) return [];
    this.health = to;
    return [{ kind: 'statusChanged', name: this.config.name, from, to, detail: describeOutcome(outcome) }];
  }
}

/** The router's view of a script's health (see healthStatus). */
export function toTrackerStatus(name: string, health: ScriptHealth, weight: number, reverse: boolean): TrackerStatus {
  return healthStatus(name, health, weight, reverse);
}
