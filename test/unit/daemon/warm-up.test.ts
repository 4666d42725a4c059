/**
 * The warm-up at start (src/daemon/warm-up.ts): a scratch instance takes the whole takeover path
 * (BACKUP -> MASTER by the armed timer, steady adverts, BACKUP for a better peer, MASTER by the
 * JavaScript send, shutdown) so that the bin's lazy compilation has compiled it before the first
 * real takeover; and it leaves nothing behind: no output, no timer or handle, nothing thrown.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { warmKinds, warmTakeoverPath } from '../../../src/daemon/warm-up.js';

describe('warm-up: a scratch takeover with no side effect', () => {
  afterEach(() => vi.restoreAllMocks());

  it('takes every kind through BACKUP, MASTER, BACKUP, MASTER and shutdown, its addresses acknowledged by the fake kernel', async () => {
    const runs = await warmTakeoverPath([
      { version: 2, family: 'ipv4' },
      { version: 3, family: 'ipv4' },
      { version: 3, family: 'ipv6' },
    ]);
    expect(runs).toHaveLength(3);
    for (const run of runs) {
      expect(run.failed).toBeUndefined();
      expect(run.states).toEqual(['BACKUP', 'MASTER', 'BACKUP', 'MASTER', 'INIT']);
      // Two steady adverts, the JavaScript takeover's, the shutdown's priority 0.
      expect(run.adverts).toBe(4);
      // Added, removed, added, removed.
      expect(run.addressChanges).toBe(4);
      // The first burst of each takeover (vrrp_garp_master_repeat 5).
      expect(run.garps).toBe(10);
    }
  });

  it('writes nothing and leaves no timer, immediate or handle', async () => {
    const write = vi.spyOn(process.stdout, 'write');
    const writeErr = vi.spyOn(process.stderr, 'write');
    const before = process.getActiveResourcesInfo().sort();
    await warmTakeoverPath([{ version: 2, family: 'ipv4' }]);
    await new Promise((r) => setImmediate(r));
    expect(process.getActiveResourcesInfo().sort()).toEqual(before);
    expect(write).not.toHaveBeenCalled();
    expect(writeErr).not.toHaveBeenCalled();
  });

  it('runs each version and family of the configuration once', () => {
    const kinds = warmKinds([
      { version: 2, family: 'ipv4' },
      { version: 2, family: 'ipv4' },
      { version: 3, family: 'ipv6' },
    ]);
    expect(kinds).toEqual([
      { version: 2, family: 'ipv4' },
      { version: 3, family: 'ipv6' },
    ]);
  });
});
