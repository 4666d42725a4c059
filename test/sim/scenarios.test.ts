import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/sim/index.js';
import { ip, routerConfig, routerConfigV3, VIP } from '../helpers/router-fixtures.js';

const OP1 = ip('192.168.50.11');
const OP2 = ip('192.168.50.12');
const OP3 = ip('192.168.50.13');
const DELAY = 0.1; // default LAN latency

/** The seed: op1 priority 100, op2 priority 90, VRID 251, PASS auth, one VIP. */
function seed(over: { op1?: Parameters<typeof routerConfig>[0]; op2?: Parameters<typeof routerConfig>[0] } = {}): Simulation {
  return new Simulation()
    .addRouter('op1', routerConfig({ name: 'op1', priority: 100, primaryIp: OP1, ...over.op1 }))
    .addRouter('op2', routerConfig({ name: 'op2', priority: 90, primaryIp: OP2, ...over.op2 }));
}

/** Time of the first transcript entry matching, after `from`. */
function when(sim: Simulation, node: string, event: string, match: string, from = 0): number | undefined {
  return sim.transcript.find((e) => e.t >= from && e.node === node && e.event === event && e.detail.includes(match))?.t;
}

describe('simulation: the seed pair', () => {
  it('cold start: op1 (100) wins after its Master_Down_Interval; op2 (90) stays backup', () => {
    const sim = seed().startAll(0).runUntil(10_000);
    expect(sim.format(['state'])).toBe(
      [
        '     0.000 op1    state     INIT -> BACKUP (startup: priority 100)',
        '     0.000 op2    state     INIT -> BACKUP (startup: priority 90)',
        '  3609.375 op1    state     BACKUP -> MASTER (master-down-timer: no master heard)',
      ].join('\n'),
    );
    expect(sim.masters()).toEqual(['op1']);
    expect(sim.holders(VIP)).toEqual(['op1']);
    expect(sim.router('op2').snapshot().masterIp).toBe(OP1);
  });

  it('master loss: op2 takes over exactly at its last advert heard + Master_Down_Interval', () => {
    const sim = seed().startAll(0).kill('op1', 10_000).runUntil(20_000);
    const lastHeard = sim.transcript.filter((e) => e.node === 'op1' && e.event === 'advert' && e.t < 10_000).at(-1)!.t + DELAY;
    const takeover = when(sim, 'op2', 'state', '-> MASTER')!;
    expect(takeover).toBeCloseTo(lastHeard + 3648.4375, 9);
    expect(sim.holders(VIP)).toEqual(['op2']);
  });

  it('SIGTERM on the master: priority-0 handover at Skew_Time', () => {
    const sim = seed().startAll(0).shutdown('op1', 10_000).runUntil(15_000);
    expect(when(sim, 'op1', 'advert', 'priority 0')).toBe(10_000);
    expect(when(sim, 'op2', 'state', '-> MASTER')).toBeCloseTo(10_000 + DELAY + 648.4375, 9);
    expect(sim.masters()).toEqual(['op2']);
    expect(sim.holders(VIP)).toEqual(['op2']);
  });

  it('preempt: op1 restarts and takes the VIP back; op2 releases it', () => {
    const sim = seed().startAll(0).kill('op1', 5000).restart('op1', 15_000).runUntil(25_000);
    const back = when(sim, 'op1', 'state', '-> MASTER', 15_000)!;
    // op1 discards op2's lower-priority adverts, so its startup Master_Down_Timer runs out.
    expect(back).toBeCloseTo(15_000 + 3609.375, 9);
    expect(when(sim, 'op2', 'state', 'MASTER -> BACKUP', 15_000)).toBeCloseTo(back + DELAY, 9);
    expect(sim.holders(VIP)).toEqual(['op1']);
  });

  it('nopreempt: op1 comes back as a backup and leaves op2 in charge', () => {
    const sim = seed({ op1: { preempt: false } })
      .startAll(0).kill('op1', 5000).restart('op1', 15_000).runUntil(40_000);
    expect(sim.masters()).toEqual(['op2']);
    expect(sim.state('op1')).toBe('BACKUP');
  });

  it('preempt_delay 10 s: op1 waits before taking back the VIP', () => {
    const sim = seed({ op1: { preemptDelayMs: 10_000 } })
      .startAll(0).kill('op1', 5000).restart('op1', 20_000).runUntil(45_000);
    const back = when(sim, 'op1', 'state', '-> MASTER', 20_000)!;
    expect(back).toBeGreaterThan(30_000); // not before the delay
    expect(back).toBeLessThan(30_000 + 1000 + 3609.375 + 1); // delay + last honoured advert + MDI
    expect(sim.holders(VIP)).toEqual(['op1']);
  });

  it('a failing tracker (-20) moves the VIP to op2; recovery moves it back', () => {
    const failing = [{ name: 'chk_nginx', weight: -20, healthy: false }];
    const healthy = [{ name: 'chk_nginx', weight: -20, healthy: true }];
    const sim = seed().startAll(0).setTrackers('op1', failing, 5000).setTrackers('op1', healthy, 20_000).runUntil(30_000);
    const moved = when(sim, 'op2', 'state', '-> MASTER')!;
    expect(moved).toBeGreaterThan(5000);
    // op2 discards op1's priority-80 adverts: it takes over one Master_Down_Interval after the last 100.
    expect(moved).toBeLessThanOrEqual(5000 + 3648.4375 + DELAY);
    expect(when(sim, 'op1', 'state', 'MASTER -> BACKUP')).toBeCloseTo(moved + DELAY, 9);
    const back = when(sim, 'op1', 'state', '-> MASTER', 20_000)!;
    expect(back).toBeLessThanOrEqual(20_000 + 3609.375 + 1000);
    expect(sim.holders(VIP)).toEqual(['op1']);
  });

  it('link down on the master: FAULT with priority 0, op2 takes over; link back: op1 preempts', () => {
    const sim = seed().startAll(0).unplug('op1', 5000).plug('op1', 15_000).runUntil(25_000);
    expect(when(sim, 'op1', 'state', 'MASTER -> FAULT (link-down')).toBe(5000);
    // The priority-0 advert is lost on the unplugged cable, so op2 needs the full interval.
    const took = when(sim, 'op2', 'state', '-> MASTER')!;
    expect(took).toBeGreaterThan(5000 + 648.4375);
    expect(when(sim, 'op1', 'state', 'FAULT -> BACKUP', 15_000)).toBe(15_000);
    expect(sim.masters()).toEqual(['op1']);
  });
});

describe('simulation: elections', () => {
  it('equal priorities: the higher primary address wins and the other steps down', () => {
    const sim = new Simulation()
      .addRouter('a', routerConfig({ name: 'a', priority: 100, primaryIp: OP1 }))
      .addRouter('b', routerConfig({ name: 'b', priority: 100, primaryIp: OP2 }))
      .startAll(0)
      .runUntil(20_000);
    expect(sim.masters()).toEqual(['b']);
    expect(sim.holders(VIP)).toEqual(['b']);
  });

  it('owner (255) is master at once, and reclaims at once after a restart', () => {
    const sim = new Simulation()
      .addRouter('owner', routerConfig({ name: 'owner', priority: 255, primaryIp: VIP }))
      .addRouter('b', routerConfig({ name: 'b', priority: 200, primaryIp: OP2 }))
      .startAll(0).kill('owner', 3000).restart('owner', 10_000).runUntil(12_000);
    expect(when(sim, 'owner', 'state', 'INIT -> MASTER (startup-owner', 10_000)).toBe(10_000);
    expect(when(sim, 'b', 'state', 'MASTER -> BACKUP', 10_000)).toBeCloseTo(10_000 + DELAY, 9);
    expect(sim.masters()).toEqual(['owner']);
  });

  it('three routers: partition gives two masters, heal ends with exactly one (the best)', () => {
    const sim = new Simulation()
      .addRouter('r1', routerConfig({ name: 'r1', priority: 150, primaryIp: OP1 }))
      .addRouter('r2', routerConfig({ name: 'r2', priority: 100, primaryIp: OP2 }))
      .addRouter('r3', routerConfig({ name: 'r3', priority: 50, primaryIp: OP3 }))
      .startAll(0)
      .partition([['r1'], ['r2', 'r3']], 10_000)
      .heal(20_000);
    sim.runUntil(19_999);
    expect(sim.masters().sort()).toEqual(['r1', 'r2']);
    sim.runUntil(30_000);
    expect(sim.masters()).toEqual(['r1']);
    expect(sim.holders(VIP)).toEqual(['r1']);
    expect(sim.state('r3')).toBe('BACKUP');
  });

  it('a silent cable cut on the master (no carrier loss) still fails over, and heals to one master', () => {
    const sim = seed().startAll(0).unplug('op1', 5000, false).plug('op1', 15_000, false).runUntil(30_000);
    expect(when(sim, 'op2', 'state', '-> MASTER')).toBeDefined();
    expect(sim.masters()).toEqual(['op1']);
  });

  it('is deterministic: the same script gives the same transcript', () => {
    const run = () => seed().startAll(0).kill('op1', 7000).restart('op1', 12_000).runUntil(20_000).format();
    expect(run()).toBe(run());
  });

  it('mismatched passwords: both become master (the loud outcome) and count auth failures', () => {
    const sim = seed({ op2: { auth: { type: 1, data: new Uint8Array([1, 1, 1, 1, 1, 1, 1, 1]) } } }).startAll(0).runUntil(10_000);
    expect(sim.masters().sort()).toEqual(['op1', 'op2']);
    expect(sim.router('op2').snapshot().counters.authFailures).toBeGreaterThan(0);
    expect(sim.entries(['drop'])[0]?.detail).toMatch(/^auth-failure from 192\.168\.50\.1[12]/);
  });
});

describe('simulation: VRRPv3 (RFC 5798)', () => {
  const v3 = (name: string, prio: number, addr: typeof OP1, adverIntervalCs = 10) =>
    routerConfigV3({ name, priority: prio, primaryIp: addr, adverIntervalCs });

  it('0.1 s adverts: cold start at Master_Down_Interval 0.36 s; master loss at 3 x 0.1 + Skew_Time', () => {
    const sim = new Simulation().addRouter('op1', v3('op1', 100, OP1)).addRouter('op2', v3('op2', 90, OP2)).startAll(0).kill('op1', 2000).runUntil(4000);
    expect(when(sim, 'op1', 'state', '-> MASTER')).toBe(300 + (156 * 100) / 256);
    const lastHeard = sim.transcript.filter((e) => e.node === 'op1' && e.event === 'advert' && e.t < 2000).at(-1)!.t + DELAY;
    expect(when(sim, 'op2', 'state', '-> MASTER')).toBeCloseTo(lastHeard + 300 + (166 * 100) / 256, 9);
    expect(sim.holders(VIP)).toEqual(['op2']);
  });

  it('mixed intervals: a backup configured with 1 s follows a master advertising every 0.1 s', () => {
    const sim = new Simulation()
      .addRouter('op1', v3('op1', 100, OP1, 10))
      .addRouter('op2', v3('op2', 90, OP2, 100))
      .start('op1', 0)
      .start('op2', 1000)
      .kill('op1', 5000)
      .runUntil(8000);
    expect(sim.router('op2').state).toBe('MASTER');
    // op2 learned Master_Adver_Interval = 10 cs: it took over 0.365 s after the last advert, not 3.65 s.
    const lastHeard = sim.transcript.filter((e) => e.node === 'op1' && e.event === 'advert' && e.t < 5000).at(-1)!.t + DELAY;
    expect(when(sim, 'op2', 'state', '-> MASTER', 5000)).toBeCloseTo(lastHeard + 364.84375, 9);
  });

  it('priority 0 under v3: the backup waits Skew_Time of the learned interval', () => {
    const sim = new Simulation().addRouter('op1', v3('op1', 100, OP1)).addRouter('op2', v3('op2', 90, OP2)).startAll(0).shutdown('op1', 2000).runUntil(3000);
    expect(when(sim, 'op2', 'state', '-> MASTER')).toBeCloseTo(2000 + DELAY + (166 * 100) / 256, 9);
  });

  it('a VRRPv2 and a VRRPv3 router on one LAN do not understand each other: each drops the other as a version mismatch', () => {
    const sim = new Simulation()
      .addRouter('op1', routerConfig({ name: 'op1', priority: 100, primaryIp: OP1 }))
      .addRouter('op2', routerConfigV3({ name: 'op2', priority: 90, primaryIp: OP2, adverIntervalCs: 100 }))
      .startAll(0)
      .runUntil(10_000);
    expect(sim.masters().sort()).toEqual(['op1', 'op2']);
    expect(sim.router('op1').snapshot().counters.versionMismatch).toBeGreaterThan(0);
    expect(sim.router('op2').snapshot().counters.versionMismatch).toBeGreaterThan(0);
    expect(sim.entries(['drop'])[0]?.detail).toMatch(/^version-mismatch from 192\.168\.50\.1[12]/);
  });
});
