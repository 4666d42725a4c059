/** Rate limiting for log lines about untrusted input (dropped packets): pure, time passed in. */

/**
 * At most one line per key per window; the next line after a quiet spell reports how many were
 * suppressed. Time is passed in, so it is testable without a clock.
 */
export class RateLimiter {
  readonly #windowMs: number;
  readonly #seen = new Map<string, { until: number; suppressed: number }>();

  constructor(windowMs = 10_000) {
    this.#windowMs = windowMs;
  }

  /** Whether to log now; `suppressed` is how many were held back since the last logged line. */
  check(key: string, now: number): { log: boolean; suppressed: number } {
    const entry = this.#seen.get(key);
    if (entry && now < entry.until) {
      entry.suppressed++;
      return { log: false, suppressed: 0 };
    }
    const suppressed = entry?.suppressed ?? 0;
    this.#seen.set(key, { until: now + this.#windowMs, suppressed: 0 });
    if (this.#seen.size > 4096) this.#seen.clear(); // bounded under a flood of distinct keys
    return { log: true, suppressed };
  }
}
