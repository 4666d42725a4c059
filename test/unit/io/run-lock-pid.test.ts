/** The run lock when its pid cannot be written (a full or read-only disk): the lock is still held, the pid left out. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';

const state = vi.hoisted(() => ({ failWrites: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = ((...args: Parameters<typeof fs.writeSync>) => {
    if (state.failWrites) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return (fs.writeSync as (...a: unknown[]) => number)(...args);
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});
const { acquireRunLock, runLockHolder } = await import('../../../src/io/run-lock.js');

const dir = mkdtempSync(join(tmpdir(), 'vrrpd-lock-pid-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('ENOSPC on the pid: the lock is taken all the same, a second daemon is refused without a pid', async () => {
  state.failWrites = true;
  const first = await acquireRunLock(dir);
  state.failWrites = false;
  expect(first.ok).toBe(true);
  const second = await acquireRunLock(dir);
  expect(second).toMatchObject({ ok: false, error: expect.stringMatching(/^another vrrpd is running with the runtime directory/) });
  expect(await runLockHolder(dir)).toBe('unknown');
  if (first.ok) first.value.close();
  expect(await runLockHolder(dir)).toBeUndefined();
});
