import { describe, expect, it } from 'vitest';
import { effectivePriority } from '../../../src/protocol/priority.js';

const t = (name: string, weight: number, healthy: boolean) => ({ name, weight, healthy });

describe('effective priority (keepalived formula)', () => {
  it('failed negative trackers subtract, healthy negative ones do not', () => {
    expect(effectivePriority(100, [t('a', -20, false), t('b', -5, true)]).priority).toBe(80);
  });
  it('healthy positive trackers add, failed positive ones do not', () => {
    expect(effectivePriority(100, [t('a', 10, true), t('b', 7, false)]).priority).toBe(110);
  });
  it('clamps to 1 and 254', () => {
    expect(effectivePriority(10, [t('a', -50, false)]).priority).toBe(1);
    expect(effectivePriority(250, [t('a', 50, true)]).priority).toBe(254);
  });
  it('a base of 255 is never changed', () => {
    expect(effectivePriority(255, [t('a', -50, false), t('b', 20, true)]).priority).toBe(255);
  });
  it('a failed weight-0 tracker is a fault, not a priority change', () => {
    expect(effectivePriority(100, [t('a', 0, false), t('b', 0, true)])).toMatchObject({ priority: 100, faults: ['a'] });
  });
  it('reports which trackers move the priority', () => {
    expect(effectivePriority(100, [t('a', -20, false), t('b', 5, true)]).contributions).toEqual([
      { name: 'a', delta: -20 },
      { name: 'b', delta: 5 },
    ]);
  });
});
