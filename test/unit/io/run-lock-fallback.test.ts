/**
 * The run lock without the packet addon's flock (not built, or built before lock.c): util-linux's
 * flock(1) takes the same lock on the daemon's open file, as it did before the addon had it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { err } from '../../../src/result.js';

vi.mock('../../../src/io/packet-addon.js', () => ({ loadPacketAddon: () => err({ detail: 'not built (test)' }) }));
const { acquireRunLock, runLockHolder } = await import('../../../src/io/run-lock.js');

const flockCommand = (() => {
  try {
    execFileSync('flock', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!flockCommand)('the run lock through flock(1)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-lock-fallback-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second holder with the first one\'s pid, and is free once closed', async () => {
    const first = await acquireRunLock(dir);
    expect(first.ok).toBe(true);
    const second = await acquireRunLock(dir);
    expect(second).toMatchObject({ ok: false, error: expect.stringContaining(`another vrrpd (pid ${process.pid})`) });
    expect(await runLockHolder(dir)).toBe(String(process.pid));
    if (first.ok) first.value.close();
    expect(await runLockHolder(dir)).toBeUndefined();
  });
});
