/** bench:scale's wake-floor probe: its figures, the real-time priority it runs at, and the probe itself. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { rtPriorityOf, wakeFloorOf } from '../../../bench/lib/wake-floor.js';

it('sums up latenesses: quantiles, max, and the wake-ups over 1 and 2 ms', () => {
  const late = [...Array.from({ length: 97 }, () => 0.05), 1.5, 2.5, 7];
  expect(wakeFloorOf(late)).toEqual({ wakes: 100, p50: 0.05, p99: 2.5, max: 7, over1: 3, over2: 2 });
  expect(wakeFloorOf([])).toMatchObject({ wakes: 0, over2: 0 });
  expect(Number.isNaN(wakeFloorOf([]).max)).toBe(true);
});

it('runs at the daemons real-time priority only when the bench gives them one', () => {
  expect(rtPriorityOf([])).toBeUndefined();
  expect(rtPriorityOf(['vrrp_rlimit_rttime 1000000', '  vrrp_rt_priority 10 '])).toBe(10);
  expect(rtPriorityOf(['vrrp_rt_priority'])).toBeUndefined();
});

const probe = join(import.meta.dirname, '..', '..', '..', 'dist', 'bench', 'wake-floor-probe.js');
it.skipIf(!existsSync(probe))('the probe sleeps to its deadlines and reports one lateness per wake-up', () => {
  const t0 = Date.now();
  const out = JSON.parse(execFileSync(process.execPath, [probe, '--period', '50', '--seconds', '0.5'], { encoding: 'utf8' })) as { periodMs: number; lateMs: number[] };
  expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
  expect(out.periodMs).toBe(50);
  expect(out.lateMs).toHaveLength(10);
  expect(out.lateMs.every((x) => x >= 0)).toBe(true);
});
