import { describe, expect, it } from 'vitest';
import { effectivePriority } from '../../../src/protocol/priority.js';
import { interfaceTrackerStatus } from '../../../src/track/interface-tracker.js';

const t = (name: string, weight: number, healthy: boolean) => ({ name, weight, healthy });

describe('effectivePriority', () => {
  it('adds healthy positives and failed negatives only', () => {
    const r = effectivePriority(100, [t('a', -20, false), t('b', -5, true), t('c', 10, true), t('d', 7, false)]);
    expect(r.priority).toBe(90);
    expect(r.faults).toEqual([]);
  });
  it('clamps at 1 and 254', () => {
    expect(effectivePriority(10, [t('a', -253, false)]).priority).toBe(1);
    expect(effectivePriority(1, [t('a', -1, false)]).priority).toBe(1);
    expect(effectivePriority(250, [t('a', 253, true)]).priority).toBe(254);
    expect(effectivePriority(254, [t('a', 1, true)]).priority).toBe(254);
    expect(effectivePriority(253, [t('a', 1, true)]).priority).toBe(254);
  });
  it('leaves 255 untouched by weights, but weight 0 still faults an owner', () => {
    expect(effectivePriority(255, [t('a', -50, false), t('b', 20, true)])).toMatchObject({ priority: 255, faults: [] });
    expect(effectivePriority(255, [t('a', 0, false)])).toMatchObject({ priority: 255, faults: ['a'] });
  });
  it('names every failed weight-0 tracker', () => {
    expect(effectivePriority(100, [t('a', 0, false), t('b', 0, true), t('c', 0, false)]).faults).toEqual(['a', 'c']);
  });
  it('no trackers: the base', () => {
    expect(effectivePriority(100, [])).toMatchObject({ priority: 100, faults: [] });
  });
});

describe('interfaceTrackerStatus', () => {
  it('weight 0: link down is a fault', () => {
    const s = interfaceTrackerStatus({ ifname: 'eth1', weight: 0, reverse: false }, false);
    expect(effectivePriority(100, [s]).faults).toEqual(['interface eth1']);
  });
  it('weight -30: down subtracts; reverse flips', () => {
    expect(effectivePriority(100, [interfaceTrackerStatus({ ifname: 'e', weight: -30, reverse: false }, false)]).priority).toBe(70);
    expect(effectivePriority(100, [interfaceTrackerStatus({ ifname: 'e', weight: -30, reverse: false }, true)]).priority).toBe(100);
    expect(effectivePriority(100, [interfaceTrackerStatus({ ifname: 'e', weight: -30, reverse: true }, false)]).priority).toBe(130);
    expect(effectivePriority(100, [interfaceTrackerStatus({ ifname: 'e', weight: -30, reverse: false }, undefined)]).priority).toBe(100);
  });
});
