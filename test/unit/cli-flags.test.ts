/** The node flags in the vrrpd bin's shebang: parsed as the lab and benches read them, and accepted by this node. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { binNodeFlags } from '../../src/lab/node-flags.js';

const MAIN_TS = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

it('main.ts runs under `env -S node` with flags node accepts silently', () => {
  const flags = binNodeFlags(MAIN_TS);
  expect(flags).toContain('--max-semi-space-size=1');
  expect(flags).toContain('--jitless');
  const r = spawnSync(process.execPath, [...flags, '-e', 'process.stdout.write(String(typeof WebAssembly))'], { encoding: 'utf8' });
  expect(r.stderr).toBe(''); // no "disabling flag" warning at every start
  expect(r.stdout).toBe('undefined'); // --jitless took effect
});

it('reads a plain `#!/usr/bin/env node` as no flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-flags-'));
  try {
    writeFileSync(join(dir, 'a.js'), '#!/usr/bin/env node\n');
    expect(binNodeFlags(join(dir, 'a.js'))).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
