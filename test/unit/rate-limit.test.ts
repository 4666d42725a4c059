import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/rate-limit.js';

describe('RateLimiter (log lines about untrusted input)', () => {
  function limiter() {
    const timers: { fire: () => void; ms: number }[] = [];
    const reports: [string, number][] = [];
    const l = new RateLimiter({ windowMs: 10_000, onSuppressed: (k, n) => reports.push([k, n]), setTimer: (fire, ms) => timers.push({ fire, ms }) });
    return { l, timers, reports };
  }

  it('one line per reason per window, whatever the sources: 3000 forged packets give two lines', () => {
    const { l, timers, reports } = limiter();
    let lines = 0;
    for (let i = 0; i < 3000; i++) if (l.check('bad-checksum', 1000 + i).log) lines++;
    expect(lines).toBe(1);
    expect(timers).toHaveLength(1);
    expect(timers[0]!.ms).toBe(10_000 - 1); // the end of the window opened at t=1000
    timers[0]!.fire();
    expect(reports).toEqual([['bad-checksum', 2999]]);
    // the next line opens a new window and is logged, with nothing left to report
    expect(l.check('bad-checksum', 20_000)).toEqual({ log: true, suppressed: 0 });
  });

  it('reasons are limited separately', () => {
    const { l } = limiter();
    expect(l.check('vrid', 0).log).toBe(true);
    expect(l.check('ip-ttl', 0).log).toBe(true);
    expect(l.check('vrid', 1).log).toBe(false);
  });

  it('without a reporter, the next logged line carries the count', () => {
    const l = new RateLimiter({ windowMs: 100 });
    l.check('x', 0);
    l.check('x', 10);
    l.check('x', 20);
    expect(l.check('x', 150)).toEqual({ log: true, suppressed: 2 });
  });

  it('the set of keys is bounded even if a caller passes input-derived keys', () => {
    const { l } = limiter();
    let lines = 0;
    for (let i = 0; i < 10_000; i++) if (l.check(`k${i}`, 0).log) lines++;
    expect(lines).toBe(257); // 256 keys, then one shared window
  });
});
