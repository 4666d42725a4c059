/**
 * CI's sample of the config fuzzer (test/fuzz/config-fuzz.ts): 1 000 mutated configurations
 * through `vrrpd check` in-process, seeded (VRRPD_FUZZ_SEED overrides); `npm run fuzz` runs 100 000.
 */
import { describe, expect, it } from 'vitest';
import { fuzzConfig, TIME_BOUND_MS } from '../fuzz/config-fuzz.js';
import { saveRegression } from '../fuzz/regressions.js';

const SEED = Number(process.env.VRRPD_FUZZ_SEED ?? 20261130) >>> 0;

describe(`config fuzz sample: 1 000 configurations, seed ${SEED}`, () => {
  it(`check never throws nor reports a bug, exits ok, errors or failover (never usage), each within ${TIME_BOUND_MS} ms and the heap bound`, async () => {
    const f = await fuzzConfig(1000, SEED);
    const saved = f.failures.map((r) => saveRegression(r));
    expect(f.failures.map((r) => r.why), `seed ${SEED} (replay: VRRPD_FUZZ_SEED=${SEED}); saved ${saved.join(', ')}`).toEqual([]);
    expect(f.usable).toBeGreaterThan(0);
    expect(f.refused).toBeGreaterThan(0);
  }, 180_000);
});
