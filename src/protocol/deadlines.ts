/**
 * A router's timers as deadlines, in monotonic ms (the caller steps the router with `timeout` when
 * the earliest is due, `Router.nextDeadline`): RFC 3768 §6.2 / RFC 5798 §6.2 Master_Down_Timer and
 * Adver_Timer, keepalived's holds (vrrp_startup_delay, preempt_delay) and its delayed
 * lower-priority GARP bursts. The router decides when each runs; the formulas are timers.ts'.
 */
import { masterDownDeadline } from './timers.js';
import type { RouterState } from './types.js';

export class Deadlines {
  /** §6.2 Master_Down_Timer deadline (BACKUP only). */
  masterDownAt: number | undefined = undefined;
  /** §6.2 Adver_Timer deadline (MASTER only). */
  adverAt: number | undefined = undefined;
  /** keepalived preempt_delay: lower-priority adverts are honoured until this time. */
  preemptHoldUntil: number | undefined = undefined;
  /** keepalived vrrp_startup_delay: no Master_Down_Timer runs out before this time. */
  startupHoldUntil = 0;
  /** keepalived garp_lower_prio_delay: when the delayed lower-priority GARP bursts are due (MASTER only). */
  lowerPrioGarpsAt: number[] = [];

  /** The earliest deadline of the timers `state` runs, or undefined when it runs none. */
  next(state: RouterState): number | undefined {
    if (state === 'BACKUP') return this.masterDownAt;
    if (state !== 'MASTER') return undefined;
    const garps = this.lowerPrioGarpsAt[0];
    return garps !== undefined && this.adverAt !== undefined ? Math.min(this.adverAt, garps) : this.adverAt;
  }

  /** A transition stops the state's timers (the new state's entry action starts its own). */
  stop(): void {
    this.masterDownAt = undefined;
    this.adverAt = undefined;
    this.lowerPrioGarpsAt = [];
  }

  /** RFC 3768 §6.4.2 / RFC 5798 §6.4.2: the Master_Down_Timer runs `intervalMs` from `now`, or from the end of the startup hold. */
  masterDownIn(now: number, intervalMs: number): void {
    this.masterDownAt = masterDownDeadline(now, this.startupHoldUntil, intervalMs);
  }

  /** Whether a delayed lower-priority GARP burst is due at `now`; it is taken (each fires once). */
  takeDueGarps(now: number): boolean {
    const first = this.lowerPrioGarpsAt[0];
    if (first === undefined || first > now) return false;
    this.lowerPrioGarpsAt.shift();
    return true;
  }
}
