/**
 * VRRPv2 timer formulas (RFC 3768 §6.1), in milliseconds at full precision:
 * Skew_Time = ((256 - Priority) / 256) s, Master_Down_Interval = 3 * Advertisement_Interval + Skew_Time.
 */

/** RFC 3768 §6.1 Skew_Time in ms for a priority: 648.4375 ms for priority 90. */
export function skewTimeMs(priority: number): number {
  return ((256 - priority) * 1000) / 256;
}

/** RFC 3768 §6.1 Master_Down_Interval in ms: 3648.4375 ms for priority 90, 1 s adverts. */
export function masterDownIntervalMs(adverIntervalMs: number, priority: number): number {
  return 3 * adverIntervalMs + skewTimeMs(priority);
}
