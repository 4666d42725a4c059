/**
 * When to send gratuitous ARPs after becoming master, keepalived's way (pure: times in, bursts
 * out). On becoming master at T: `repeat` GARPs per VIP at T; another `repeat` at
 * T + `delayMs` (garp_master_delay, 0 = no second burst); and, when `refreshMs` > 0
 * (garp_master_refresh), `refreshRepeat` at T + k * refreshMs for k >= 1 while still master.
 * Refreshes missed while the process stalled coalesce into one burst. Times are monotonic ms.
 */

export interface GarpScheduleConfig {
  /** garp_master_repeat: GARPs per VIP in the first and second burst. */
  readonly repeat: number;
  /** garp_master_delay, in ms: when the second burst goes out; 0 = none. */
  readonly delayMs: number;
  /** garp_master_refresh, in ms: refresh period while master; 0 = none. */
  readonly refreshMs: number;
  /** garp_master_refresh_repeat: GARPs per VIP per refresh. */
  readonly refreshRepeat: number;
}

/** keepalived 2.2.7 defaults: 5 at once, 5 more after 5 s, no refresh. */
export const KEEPALIVED_GARP_DEFAULTS: GarpScheduleConfig = { repeat: 5, delayMs: 5000, refreshMs: 0, refreshRepeat: 1 };

/** Where one master period's schedule stands. `lastRun` undefined: nothing sent yet. */
export interface GarpCursor {
  readonly masterSince: number;
  readonly lastRun: number | undefined;
}

export interface GarpBurst {
  readonly kind: 'initial' | 'delayed' | 'refresh';
  /** When it was due. */
  readonly at: number;
  /** GARPs per VIP to send now. */
  readonly count: number;
}

export interface GarpDue {
  readonly bursts: readonly GarpBurst[];
  readonly cursor: GarpCursor;
  /** The next time a burst falls due, or undefined when none will. */
  readonly nextAt: number | undefined;
}

/** A fresh schedule for a master period starting at `masterSince`. */
export function startGarpSchedule(masterSince: number): GarpCursor {
  return { masterSince, lastRun: undefined };
}

/** The bursts due at `now` (each once), the advanced cursor, and the next due time. */
export function dueGarps(cfg: GarpScheduleConfig, cursor: GarpCursor, now: number): GarpDue {
  const { masterSince, lastRun } = cursor;
  const pending = (at: number): boolean => at <= now && (lastRun === undefined || at > lastRun);
  const bursts: GarpBurst[] = [];
  if (cfg.repeat > 0 && pending(masterSince)) bursts.push({ kind: 'initial', at: masterSince, count: cfg.repeat });
  const delayedAt = masterSince + cfg.delayMs;
  if (cfg.delayMs > 0 && cfg.repeat > 0 && pending(delayedAt)) bursts.push({ kind: 'delayed', at: delayedAt, count: cfg.repeat });
  const refresh = latestRefresh(cfg, masterSince, now);
  if (refresh !== undefined && pending(refresh)) bursts.push({ kind: 'refresh', at: refresh, count: cfg.refreshRepeat });
  const next: GarpCursor = { masterSince, lastRun: lastRun === undefined ? now : Math.max(lastRun, now) };
  return { bursts, cursor: next, nextAt: nextDue(cfg, next) };
}

/** The next time a burst falls due after the cursor's last run (pure). */
export function nextDue(cfg: GarpScheduleConfig, cursor: GarpCursor): number | undefined {
  const { masterSince, lastRun } = cursor;
  const after = (at: number): boolean => lastRun === undefined || at > lastRun;
  const candidates: number[] = [];
  if (cfg.repeat > 0 && after(masterSince)) candidates.push(masterSince);
  if (cfg.delayMs > 0 && cfg.repeat > 0 && after(masterSince + cfg.delayMs)) candidates.push(masterSince + cfg.delayMs);
  if (cfg.refreshMs > 0 && cfg.refreshRepeat > 0) {
    const base = lastRun === undefined ? masterSince : Math.max(lastRun, masterSince);
    const k = Math.floor((base - masterSince) / cfg.refreshMs) + 1;
    candidates.push(masterSince + k * cfg.refreshMs);
  }
  return candidates.length === 0 ? undefined : Math.min(...candidates);
}

/** The latest refresh instant (k >= 1) at or before `now`, if any. */
function latestRefresh(cfg: GarpScheduleConfig, masterSince: number, now: number): number | undefined {
  if (cfg.refreshMs <= 0 || cfg.refreshRepeat <= 0 || now < masterSince + cfg.refreshMs) return undefined;
  return masterSince + Math.floor((now - masterSince) / cfg.refreshMs) * cfg.refreshMs;
}
