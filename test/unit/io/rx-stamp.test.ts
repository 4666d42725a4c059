/** Receive timestamps: the addon's CLOCK_MONOTONIC arrival on the daemon's clock; untrusted stamps counted and logged. */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../src/rate-limit.js';
import { arrivalTime } from '../../../src/io/rx-stamp.js';

/** A stand-in addon whose CLOCK_MONOTONIC runs 1e6 ms ahead of performance.now(). */
const AHEAD = 1e6;
const addon = { monotonicMs: () => performance.now() + AHEAD };

function sink() {
  const warnings: string[] = [];
  return {
    warnings,
    counters: { rxUnstamped: 0 },
    limiter: new RateLimiter({ onSuppressed: () => undefined }),
    logger: { warn: (_o: object, msg?: string) => void warnings.push(msg ?? ''), debug: () => undefined },
    ifname: 'eth0',
  };
}

describe('arrivalTime', () => {
  it('a kernel stamp becomes the same instant on performance.now()', () => {
    const s = sink();
    const then = performance.now() - 2.5;
    expect(arrivalTime(addon, s, then + AHEAD, 0)).toBeCloseTo(then, 2);
    expect(s.counters.rxUnstamped).toBe(0);
  });
  it('no stamp: the time it was read, counted, not logged', () => {
    const s = sink();
    const before = performance.now();
    const t = arrivalTime(addon, s, undefined, undefined);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(s.counters.rxUnstamped).toBe(1);
    expect(s.warnings).toEqual([]);
  });
  it('a stamp the addon refused (the wall clock stepped) is counted and logged once per 10 s', () => {
    const s = sink();
    const read = performance.now();
    expect(arrivalTime(addon, s, read + AHEAD, 2)).toBeCloseTo(read, 2);
    arrivalTime(addon, s, read + AHEAD, 3);
    expect(s.counters.rxUnstamped).toBe(2);
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/wall clock stepped/);
  });
  it('never later than now', () => {
    const s = sink();
    const now = performance.now();
    expect(arrivalTime(addon, s, now + AHEAD + 500, 0)).toBeLessThanOrEqual(performance.now());
  });
});
