/**
 * The VRRP timer formulas, defined once for both versions, in milliseconds at full precision
 * (the daemon, the simulator, `vrrpd check`, the lab and the benches all import these).
 *
 * VRRPv2 (RFC 3768 §6.1): Skew_Time = (256 - Priority) / 256 seconds, whatever the interval;
 *   Master_Down_Interval = 3 * Advertisement_Interval + Skew_Time.
 * VRRPv3 (RFC 5798 §6.1): Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256;
 *   Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time, where a backup's
 *   Master_Adver_Interval is the one learned from the master's adverts (§6.4.2).
 * Intervals are in centiseconds, the unit of the wire (v2's whole seconds are 100 cs each).
 * The deadlines the router arms from them (Adver_Timer, Master_Down_Timer) are computed here too.
 */
import type { VrrpVersion } from '../wire/types.js';

/** Milliseconds in `cs` centiseconds. */
export function csToMs(cs: number): number {
  return cs * 10;
}

/** Skew_Time in ms: 648.4375 ms for priority 90 under v2 (or v3 at 1 s), 64.84375 ms under v3 at 0.1 s. */
export function skewTimeMs(version: VrrpVersion, priority: number, masterAdverIntervalCs: number): number {
  const unitMs = version === 2 ? 1000 : csToMs(masterAdverIntervalCs);
  return ((256 - priority) * unitMs) / 256;
}

/** Master_Down_Interval in ms: 3648.4375 ms for priority 90 at 1 s adverts. */
export function masterDownIntervalMs(version: VrrpVersion, priority: number, masterAdverIntervalCs: number): number {
  return 3 * csToMs(masterAdverIntervalCs) + skewTimeMs(version, priority, masterAdverIntervalCs);
}

/** RFC 3768 §6.4.3 / RFC 5798 §6.4.3 Adver_Timer reset: chained from the deadline `at` (no drift), or from `now` after a stall longer than `intervalMs`. */
export function nextAdverDeadline(at: number, now: number, intervalMs: number): number {
  const next = at + intervalMs;
  return next > now ? next : now + intervalMs;
}

/** RFC 3768 §6.4.2 / RFC 5798 §6.4.2: a Backup's Master_Down_Timer deadline, `intervalMs` after `now` or after keepalived's vrrp_startup_delay hold ends (`holdUntil`), whichever is later. */
export function masterDownDeadline(now: number, holdUntil: number, intervalMs: number): number {
  return Math.max(now, holdUntil) + intervalMs;
}
