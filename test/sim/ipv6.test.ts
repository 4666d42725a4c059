/**
 * The simulator with IPv6 routers (VRRPv3 over IPv6, adverts as IPv6 payloads with hop limit,
 * source and destination through the receive path) and dual-stack hosts: an IPv4 and an IPv6
 * router with the same VRID on one host, in one sync group.
 */
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/sim/index.js';
import { masterDownIntervalMs, skewTimeMs } from '../../src/protocol/timers.js';
import { ip, routerConfig, routerConfigV3, VIP } from '../helpers/router-fixtures.js';

const DELAY = 0.1;
const LL_VIP = ip('fe80::100');
const VIP6 = ip('fd00:50::100');
const v6 = (name: string, priority: number, primaryIp: string, over: Parameters<typeof routerConfigV3>[0] = {}) =>
  routerConfigV3({ name, priority, family: 'ipv6', primaryIp: ip(primaryIp), vips: [LL_VIP, VIP6], ...over });
const v4 = (name: string, priority: number, primaryIp: string) => routerConfig({ name, priority, primaryIp: ip(primaryIp) });

/** Time of the first transcript entry matching, after `from`. */
function when(sim: Simulation, node: string, event: string, match: string, from = 0): number | undefined {
  return sim.transcript.find((e) => e.t >= from && e.node === node && e.event === event && e.detail.includes(match))?.t;
}

function seed6(): Simulation {
  return new Simulation().addRouter('op1', v6('op1', 100, 'fe80::11')).addRouter('op2', v6('op2', 90, 'fe80::12'));
}

describe('simulation: IPv6 (VRRPv3 over IPv6)', () => {
  it('cold start: op1 wins at its Master_Down_Interval; op2 follows the link-local address of op1', () => {
    const sim = seed6().startAll(0).runUntil(10_000);
    expect(sim.format(['state'])).toBe(
      [
        '     0.000 op1    state     INIT -> BACKUP (startup: priority 100)',
        '     0.000 op2    state     INIT -> BACKUP (startup: priority 90)',
        '  3609.375 op1    state     BACKUP -> MASTER (master-down-timer: no master heard)',
      ].join('\n'),
    );
    expect(sim.holders('fd00:50::100')).toEqual(['op1']);
    expect(sim.holders('fe80::100')).toEqual(['op1']);
    expect(sim.router('op2').snapshot()).toMatchObject({ masterIp: 'fe80::11', masterPriority: 100, family: 'ipv6', version: 3 });
    expect(sim.entries(['drop'])).toEqual([]);
  });

  it('master loss, priority-0 handover and preemption, at the RFC 5798 §6.1 times', () => {
    const loss = seed6().startAll(0).kill('op1', 10_000).runUntil(20_000);
    const lastHeard = loss.transcript.filter((e) => e.node === 'op1' && e.event === 'advert' && e.t < 10_000).at(-1)!.t + DELAY;
    expect(when(loss, 'op2', 'state', '-> MASTER')).toBeCloseTo(lastHeard + masterDownIntervalMs(3, 90, 100), 9);
    expect(loss.holders('fd00:50::100')).toEqual(['op2']);

    const term = seed6().startAll(0).shutdown('op1', 10_000).runUntil(15_000);
    expect(when(term, 'op2', 'state', '-> MASTER')).toBeCloseTo(10_000 + DELAY + skewTimeMs(3, 90, 100), 9);

    const back = seed6().startAll(0).kill('op1', 5000).restart('op1', 15_000).runUntil(25_000);
    const t = when(back, 'op1', 'state', '-> MASTER', 15_000)!;
    expect(t).toBeCloseTo(15_000 + masterDownIntervalMs(3, 100, 100), 9);
    expect(when(back, 'op2', 'state', 'MASTER -> BACKUP', 15_000)).toBeCloseTo(t + DELAY, 9);
    expect(back.holders('fd00:50::100')).toEqual(['op1']);
  });

  it('equal priorities: the numerically higher link-local address wins (16 bytes, not text)', () => {
    // As text 'fe80::ff' > 'fe80::1:0'; as an address fe80::1:0 is the higher.
    const sim = new Simulation()
      .addRouter('a', v6('a', 100, 'fe80::ff'))
      .addRouter('b', v6('b', 100, 'fe80::1:0'))
      .startAll(0)
      .runUntil(20_000);
    expect(sim.masters()).toEqual(['b']);
  });

  it('a hop limit other than 255 never reaches the router: the simulator\'s datagrams carry 255', () => {
    const sim = seed6().startAll(0).runUntil(10_000);
    expect(sim.router('op2').snapshot().counters.ipTtlErrors).toBe(0);
    expect(sim.router('op2').snapshot().counters.advertiseRcvd).toBeGreaterThan(5);
  });

  it('an IPv4 and an IPv6 virtual router with the same VRID on separate hosts are independent', () => {
    const sim = new Simulation()
      .addRouter('r4', v4('r4', 100, '192.168.50.11'))
      .addRouter('r6', v6('r6', 90, 'fe80::12'))
      .startAll(0)
      .runUntil(10_000);
    expect(sim.masters().sort()).toEqual(['r4', 'r6']);
    // Each receive path drops the other family's adverts: no virtual router of that family and VRID.
    expect(sim.entries(['drop']).every((e) => e.detail.startsWith('vrid from'))).toBe(true);
  });
});

describe('simulation: dual stack (an IPv4 and an IPv6 router per host, one sync group)', () => {
  function pair(): Simulation {
    return new Simulation()
      .addRouter('op1-4', v4('VI_4', 100, '192.168.50.11'), { host: 'op1' })
      .addRouter('op1-6', v6('VI_6', 100, 'fe80::11'), { host: 'op1' })
      .addRouter('op2-4', v4('VI_4', 90, '192.168.50.12'), { host: 'op2' })
      .addRouter('op2-6', v6('VI_6', 90, 'fe80::12'), { host: 'op2' })
      .addSyncGroup('VG_1', ['op1-4', 'op1-6'])
      .addSyncGroup('VG_1', ['op2-4', 'op2-6']);
  }

  it('both families elect op1; one interface carries VRID 251 twice without a single drop', () => {
    const sim = pair().startAll(0).runUntil(10_000);
    expect(sim.masters().sort()).toEqual(['op1-4', 'op1-6']);
    expect(sim.holders(VIP)).toEqual(['op1']);
    expect(sim.holders('fd00:50::100')).toEqual(['op1']);
    expect(sim.entries(['drop'])).toEqual([]);
  });

  it('a fault on the IPv6 side alone moves both: the sync group holds VI_4 in FAULT, op2 takes both at Skew_Time', () => {
    const failing = [{ name: 'chk_v6', weight: 0, healthy: false }];
    const healthy = [{ name: 'chk_v6', weight: 0, healthy: true }];
    const sim = pair().startAll(0).setTrackers('op1-6', failing, 10_000).setTrackers('op1-6', healthy, 20_000).runUntil(19_000);
    expect(when(sim, 'op1-6', 'state', 'MASTER -> FAULT (tracker-fault')).toBe(10_000);
    expect(when(sim, 'op1-4', 'state', 'MASTER -> FAULT (sync-group')).toBe(10_000);
    // Both leave with priority 0, so op2's routers wait Skew_Time only.
    expect(when(sim, 'op2-4', 'state', '-> MASTER', 10_000)).toBeCloseTo(10_000 + DELAY + skewTimeMs(2, 90, 100), 9);
    expect(when(sim, 'op2-6', 'state', '-> MASTER', 10_000)).toBeCloseTo(10_000 + DELAY + skewTimeMs(3, 90, 100), 9);
    expect(sim.holders(VIP)).toEqual(['op2']);
    expect(sim.holders('fd00:50::100')).toEqual(['op2']);
    sim.runUntil(30_000);
    expect(sim.masters().sort()).toEqual(['op1-4', 'op1-6']);
    expect(sim.holders('fd00:50::100')).toEqual(['op1']);
  });

  it('faults on both sides: the group stays in FAULT until the last own fault clears, whichever clears first', () => {
    const fail = (name: string) => [{ name, weight: 0, healthy: false }];
    const ok = (name: string) => [{ name, weight: 0, healthy: true }];
    const sim = pair().startAll(0)
      .setTrackers('op1-6', fail('chk_v6'), 10_000)
      .setTrackers('op1-4', fail('chk_v4'), 11_000)
      .setTrackers('op1-4', ok('chk_v4'), 12_000)
      .runUntil(14_000);
    expect([sim.state('op1-4'), sim.state('op1-6')]).toEqual(['FAULT', 'FAULT']);
    expect(sim.router('op1-4').snapshot().faultReasons).toEqual(['sync group VG_1: op1-6 in FAULT (chk_v6 failed)']);
    sim.setTrackers('op1-6', ok('chk_v6'), 15_000).runUntil(15_001);
    expect([sim.state('op1-4'), sim.state('op1-6')]).toEqual(['BACKUP', 'BACKUP']);
    sim.runUntil(25_000);
    expect(sim.masters().sort()).toEqual(['op1-4', 'op1-6']);
  });

  it('preemption: op1 back takes both; op2\'s routers step down together (sync group BACKUP order)', () => {
    const sim = pair().startAll(0).kill('op1', 5000).restart('op1', 15_000).runUntil(25_000);
    expect(sim.masters().sort()).toEqual(['op1-4', 'op1-6']);
    const down = sim.entries().filter((e) => e.t >= 15_000 && e.node.startsWith('op2') && e.detail.startsWith('MASTER -> BACKUP'));
    expect(down.map((e) => e.node).sort()).toEqual(['op2-4', 'op2-6']);
    expect(down.some((e) => e.detail.includes('(sync-group'))).toBe(true);
    expect(sim.holders(VIP)).toEqual(['op1']);
    expect(sim.holders('fd00:50::100')).toEqual(['op1']);
  });

  it('why tracking weights are 0 in a sync group (keepalived\'s rule, config zeroWeights): priorities that disagree across families flap', () => {
    // op2 better for IPv4 (110 > 100), op1 better for IPv6: each family keeps pulling the group its way.
    const sim = pair().startAll(0).setTrackers('op2-4', [{ name: 'boost', weight: 20, healthy: true }], 10_000).runUntil(40_000);
    const moves = sim.entries().filter((e) => e.t > 10_000 && e.detail.includes('-> MASTER'));
    expect(moves.length).toBeGreaterThan(6);
  });

  it('master loss: the whole host goes, both routers of op2 take over', () => {
    const sim = pair().startAll(0).kill('op1', 10_000).runUntil(20_000);
    expect(sim.masters().sort()).toEqual(['op2-4', 'op2-6']);
    expect(sim.holders(VIP)).toEqual(['op2']);
    expect(sim.holders('fd00:50::100')).toEqual(['op2']);
  });

  it('is deterministic', () => {
    const run = () => pair().startAll(0).unplug('op1', 7000).plug('op1', 12_000).runUntil(25_000).format();
    expect(run()).toBe(run());
  });
});
