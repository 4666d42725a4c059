/** Every input a fuzzer ever failed on (test/fixtures/regressions/), replayed. */
import { afterAll, describe, expect, it } from 'vitest';
import { checkOne, configCorpus } from '../fuzz/config-fuzz.js';
import { configTextOf, loadRegressions, rawOf } from '../fuzz/regressions.js';
import { RxHarness } from '../fuzz/rx-harness.js';

const cases = loadRegressions();

describe('fuzz regressions', () => {
  const harness = new RxHarness();
  afterAll(async () => harness.stop());

  it('the directory holds cases', () => expect(cases.length).toBeGreaterThan(0));

  for (const { file, r } of cases) {
    it(`${file}: ${r.why.split('\n')[0]!.slice(0, 100)}`, async () => {
      if (r.kind === 'rx') expect(harness.feed(r.world, rawOf(r))).toMatchObject({ ok: true });
      else expect(await checkOne(configTextOf(r), configCorpus())).toMatchObject({ ok: true });
    });
  }
});
