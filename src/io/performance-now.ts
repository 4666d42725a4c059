/**
 * The daemon's `performance` global, without node:perf_hooks.
 *
 * The first read of the global `performance` loads node:perf_hooks and the eleven modules behind
 * it (performance entries, observers, histograms, event-loop delay and utilization, timerify):
 * 0.7-0.9 MB of resident memory for one instance with the bin's flags, where the daemon reads
 * nothing from it but `now()` (docs/performance.md, eighth session). Before the daemon's code is
 * loaded, `installPerformanceNow()` puts in its place an object whose `now()` reads the same
 * clock (CLOCK_MONOTONIC through `process.hrtime()`, as node's own does) in milliseconds since the
 * install; anything else read from it is the real `performance`'s, loaded then.
 *
 * Every module the daemon runs reads the global (`performance.now()`), never
 * `import { performance } from 'node:perf_hooks'`, so every time on the daemon's clock has the
 * same origin; test/unit/io/performance-now.test.ts keeps it so. Unit tests, the lab and the
 * benches run without the install and so use node's `performance`, which is just as consistent.
 */
import { createRequire } from 'node:module';

/** What the daemon reads of the global. */
export interface PerformanceNow {
  now(): number;
  readonly timeOrigin: number;
}

/** Milliseconds of process.hrtime() (CLOCK_MONOTONIC). */
function hrtimeMs(): number {
  const t = process.hrtime();
  return t[0] * 1e3 + t[1] / 1e6;
}

/** A `performance` whose now() counts from this call; other members are node's, loaded when first read. */
export function performanceNow(): PerformanceNow {
  const origin = hrtimeMs();
  const timeOrigin = Date.now();
  let real: object | undefined;
  const loadReal = (): object => (real ??= (createRequire(import.meta.url)('node:perf_hooks') as typeof import('node:perf_hooks')).performance);
  const rest = new Proxy(
    {},
    {
      get(_target, key) {
        const r = loadReal();
        const v: unknown = Reflect.get(r, key, r);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(r) : v;
      },
      has: (_target, key) => Reflect.has(loadReal(), key),
    },
  );
  const perf = Object.create(rest) as PerformanceNow & { now(): number };
  Object.defineProperties(perf, {
    now: { value: () => hrtimeMs() - origin, enumerable: true },
    timeOrigin: { value: timeOrigin, enumerable: true },
  });
  return perf;
}

/**
 * Replace the global `performance` (a replaceable property, as in browsers) before the daemon's
 * modules load. Only for the daemon's process: whatever read `performance.now()` before has a
 * time on another origin.
 */
export function installPerformanceNow(): void {
  Object.defineProperty(globalThis, 'performance', { value: performanceNow(), configurable: true, writable: true, enumerable: true });
}
