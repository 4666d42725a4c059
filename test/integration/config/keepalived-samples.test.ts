/**
 * Re-derives keepalived 2.2.7's verdicts on the sample corpus (test/fixtures/keepalived-samples/)
 * with the keepalived installed here, and compares them with verdicts.json, which the unit test
 * (test/unit/config/keepalived-samples.test.ts) uses without keepalived. `keepalived -t` only
 * parses and checks; it runs in a network namespace of its own (removed afterwards).
 * Regenerate the fixture with: npm run build && node dist/scripts/keepalived-verdicts.js
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keepalivedVerdicts, SAMPLES_DIR, sampleFiles, type KeepalivedVerdict } from '../../helpers/keepalived-samples.js';
import { labUnavailableReason } from '../../helpers/netns.js';

/** keepalived's version line (it prints it on stderr), or undefined when keepalived is not installed. */
function keepalivedVersion(): string | undefined {
  const r = spawnSync('keepalived', ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined) return undefined;
  return `${r.stderr}${r.stdout}`.split('\n')[0]?.trim();
}

const fixture = JSON.parse(readFileSync(`${SAMPLES_DIR}verdicts.json`, 'utf8')) as { keepalived: string; verdicts: KeepalivedVerdict[] };
const lab = await labUnavailableReason();
const version = keepalivedVersion();
const skip = lab ?? (version === undefined ? 'keepalived is not installed' : undefined);

describe.skipIf(skip !== undefined)(`keepalived -t on the sample corpus${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it(`gives the verdicts recorded in verdicts.json (${fixture.keepalived})`, async () => {
    const verdicts = await keepalivedVerdicts(sampleFiles());
    if (version !== fixture.keepalived) {
      // Another keepalived release says other things: the comparison is about 2.2.7.
      console.warn(`keepalived here is not ${fixture.keepalived}; verdicts not compared`);
      return;
    }
    expect(verdicts).toEqual(fixture.verdicts);
  });
});
