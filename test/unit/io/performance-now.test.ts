/** io/performance-now.ts: the daemon's `performance` without node:perf_hooks, and one origin for every time on its clock. */
import { expect, it } from 'vitest';
import { srcFilesMatching } from '../../helpers/src-files.js';
import { performanceNow } from '../../../src/io/performance-now.js';

it('no module in src/ imports node:perf_hooks (its performance.now() would count from another origin in the daemon)', () => {
  const offenders = srcFilesMatching(/from\s+['"](node:)?perf_hooks['"]|require\(['"](node:)?perf_hooks['"]\)/, '/io/performance-now.ts');
  expect(offenders).toEqual([]);
});

it('now() counts monotonic milliseconds from its creation, at the pace of node’s performance.now()', async () => {
  const before = performance.now();
  const p = performanceNow();
  const t0 = p.now();
  expect(t0).toBeGreaterThanOrEqual(0);
  expect(t0).toBeLessThan(50);
  await new Promise((r) => setTimeout(r, 30));
  const t1 = p.now();
  const real = performance.now() - before;
  expect(t1).toBeGreaterThan(t0 + 25);
  expect(Math.abs(t1 - real)).toBeLessThan(5);
  let last = p.now();
  for (let i = 0; i < 1000; i++) {
    const t = p.now();
    expect(t).toBeGreaterThanOrEqual(last);
    last = t;
  }
  expect(Math.abs(p.timeOrigin - Date.now())).toBeLessThan(60_000);
});

it('gives node’s performance for anything else, loaded when first read', () => {
  const p = performanceNow() as unknown as typeof performance;
  expect(typeof p.eventLoopUtilization).toBe('function');
  expect(p.eventLoopUtilization().idle).toBeGreaterThanOrEqual(0);
  expect('mark' in p).toBe(true);
});
