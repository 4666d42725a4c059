import { describe, expect, it } from 'vitest';
import { judge, snapshotEvents, type AddressEvent, type FaultWindow, type WireAdvert } from '../../../src/lab/invariants.js';

const A = '192.168.50.1';
const B = '192.168.50.2';
const VIP = '192.168.50.100';
const nodeOf = new Map([
  [A, 'op1'],
  [B, 'op2'],
]);

/** Adverts from `src` every second from `from` to `to` (exclusive), ms. */
function every(src: string, from: number, to: number, priority = 100, vrid = 251): WireAdvert[] {
  const out: WireAdvert[] = [];
  for (let t = from; t < to; t += 1000) out.push({ t, src, vrid, priority });
  return out;
}

function window(o: Partial<FaultWindow> = {}): FaultWindow {
  return { from: 10_000, to: 20_000, boundMs: 1000, vips: new Map([[251, [VIP]]]), nodeOf, advertIntervalMs: 1000, ...o };
}

const has = (t: number, node: string, present = true): AddressEvent => ({ t, node, address: VIP, present });

describe('judge: the fault matrix invariants', () => {
  it('partition healed: the lower master steps down on the first advert, its VIP goes', () => {
    // Both master during the partition; heal at 10 000; op1 (100) advertises at 10 300, op2 stops.
    const adverts = [...every(A, 300, 20_000), ...every(B, 4_000, 10_100, 90)].sort((x, y) => x.t - y.t);
    const v = judge(adverts, [has(300, 'op1'), has(4000, 'op2'), has(10_320, 'op2', false)], window());
    expect(v.violations).toEqual([]);
    expect(v.vrids[0]).toMatchObject({ master: 'op1', settledAt: 10_320, sourceChanges: 2 });
    expect(v.convergenceMs).toBe(320);
  });

  it('a VIP left behind on the old master fails, naming both holders', () => {
    const adverts = [...every(A, 300, 20_000), ...every(B, 4_000, 10_000, 90)].sort((x, y) => x.t - y.t);
    const v = judge(adverts, [has(300, 'op1'), has(4000, 'op2')], window());
    expect(v.ok).toBe(false);
    expect(v.violations).toContain('VIP 192.168.50.100: held by [op1, op2] at the end, expected op1 alone');
    expect(v.convergenceMs).toBeNaN();
  });

  it('the VIP on a node that does not advertise fails', () => {
    const v = judge(every(A, 0, 20_000), [has(0, 'op2')], window());
    expect(v.violations).toContain('VIP 192.168.50.100: held by [op2] at the end, expected op1 alone');
  });

  it('two advertisers at the end fail: the last run is short and the other one still holds the VIP', () => {
    const adverts = [...every(A, 0, 20_000), ...every(B, 500, 20_000, 90)].sort((x, y) => x.t - y.t);
    const v = judge(adverts, [has(0, 'op1'), has(600, 'op2')], window());
    expect(v.ok).toBe(false);
    expect(v.vrids[0]!.sourceChanges).toBeGreaterThan(10);
  });

  it('takeover later than the bound fails and says by how much', () => {
    // op1 dies at 10 000 (its last advert at 9 000); op2 takes over at 14 000.
    const adverts = [...every(A, 0, 10_000), ...every(B, 14_000, 20_000, 90)];
    const v = judge(adverts, [has(0, 'op1'), has(10_000, 'op1', false), has(14_010, 'op2')], window({ boundMs: 3648 + 500, to: 18_000 }));
    expect(v.vrids[0]).toMatchObject({ master: 'op2', settledAt: 14_010 });
    expect(v.violations).toEqual([]);
    const late = judge(adverts, [has(0, 'op1'), has(10_000, 'op1', false), has(14_010, 'op2')], window({ boundMs: 3648, to: 18_000 }));
    expect(late.violations).toEqual(['VRID 251: settled only 3990 ms before the end of observation', 'converged 4010 ms after the fault, bound 3648 ms'].slice(1));
  });

  it('the settled state must be observed long enough', () => {
    const v = judge(every(A, 0, 20_000), [has(0, 'op1')], window({ to: 20_000, from: 19_500, minSettledMs: 30_000 }));
    expect(v.violations).toEqual(['VRID 251: settled only 20000 ms before the end of observation']);
  });

  it('a master that goes silent after the fault (a late advert) fails the gap check', () => {
    const adverts = every(A, 0, 20_000).filter((a) => a.t < 12_000 || a.t > 15_000);
    const v = judge(adverts, [has(0, 'op1')], window());
    expect(v.vrids[0]!.maxGapMs).toBe(5000);
    expect(v.violations).toEqual(['VRID 251: the master op1 went 5000 ms without an advert']);
    expect(judge(adverts, [has(0, 'op1')], window({ maxAdvertGapMs: 5000 })).ok).toBe(true);
  });

  it('priority-0 adverts are goodbyes, not mastership; a flap counts against maxSourceChanges', () => {
    const adverts = [...every(A, 0, 12_000), { t: 12_000, src: A, vrid: 251, priority: 0 }, ...every(B, 12_700, 20_000, 90)];
    const addr = [has(0, 'op1'), has(12_000, 'op1', false), has(12_710, 'op2')];
    const v = judge(adverts, addr, window({ from: 12_000, boundMs: 1000, to: 17_000 }));
    expect(v.vrids[0]).toMatchObject({ master: 'op2', settledAt: 12_710, sourceChanges: 1 });
    expect(v.ok).toBe(true);
    expect(judge(adverts, addr, window({ from: 12_000, to: 17_000, boundMs: 5000, maxSourceChanges: 0 })).violations).toEqual(['VRID 251: the advertiser changed 1 times, at most 0 allowed']);
  });

  it('an expected master and a VRID without adverts', () => {
    const v = judge(every(B, 0, 20_000, 90), [has(0, 'op2')], window({ expectMaster: new Map([[251, 'op1']]), vips: new Map([[251, [VIP]], [7, ['10.0.0.7']]]) }));
    expect(v.violations).toEqual(['VRID 7: no advert seen', 'VRID 251: op2 ended as master, expected op1']);
  });

  it('snapshots become presence events for the watched addresses', () => {
    expect(snapshotEvents(5, 'op1', ['192.168.50.1', VIP], [VIP, '10.0.0.7'])).toEqual([
      { t: 5, node: 'op1', address: VIP, present: true },
      { t: 5, node: 'op1', address: '10.0.0.7', present: false },
    ]);
  });
});
