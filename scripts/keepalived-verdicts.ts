/**
 * Captures keepalived 2.2.7's verdict on every file of the sample corpus
 * (test/fixtures/keepalived-samples/) into its verdicts.json, so the unit test compares vrrpd
 * with keepalived without needing keepalived. Needs root and keepalived; runs `keepalived -t`
 * (parse and check only) in a network namespace it creates and removes.
 *
 *   npm run build && node dist/scripts/keepalived-verdicts.js
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { keepalivedVerdicts, SAMPLE_INTERFACES, SAMPLES_DIR, sampleFiles } from '../test/helpers/keepalived-samples.js';

async function main(): Promise<void> {
  // keepalived prints its version on stderr.
  const v = spawnSync('keepalived', ['--version'], { encoding: 'utf8' });
  const version = `${v.stderr}${v.stdout}`.split('\n')[0] ?? '';
  const verdicts = await keepalivedVerdicts(sampleFiles());
  const body = { keepalived: version.trim(), command: 'keepalived -t -l -n -D -f FILE', interfaces: SAMPLE_INTERFACES, verdicts };
  writeFileSync(`${SAMPLES_DIR}verdicts.json`, `${JSON.stringify(body, null, 2)}\n`);
  process.stdout.write(`${SAMPLES_DIR}verdicts.json: ${verdicts.length} verdicts of ${body.keepalived}\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exitCode = 1;
  });
}
