import { describe, expect, it } from 'vitest';
import { Router } from '../../../src/protocol/router.js';
import type { Action } from '../../../src/protocol/types.js';
import { advert, advertV3, ip, routerConfig, routerConfigV3, VIP } from '../../helpers/router-fixtures.js';

const kinds = (actions: Action[]) => actions.map((a) => a.kind);
const rx = (r: Router, now: number, over: Parameters<typeof advert>[0] = {}, srcIp = '192.168.50.1') =>
  r.step({ kind: 'advert', advert: (r.config.version === 3 ? advertV3 : advert)(over), srcIp: ip(srcIp) }, now);

describe('RFC 3768 §6.1 timers', () => {
  it('priority 90: Skew_Time 648.4375 ms, Master_Down_Interval 3648.4375 ms at full precision', () => {
    const r = new Router(routerConfig({ priority: 90 }));
    expect(r.skewTimeMs).toBe(648.4375);
    expect(r.masterDownIntervalMs).toBe(3648.4375);
  });
  it('priority 100 and 254', () => {
    expect(new Router(routerConfig({ priority: 100 })).masterDownIntervalMs).toBe(3609.375);
    expect(new Router(routerConfig({ priority: 254 })).skewTimeMs).toBe(7.8125);
  });
});

describe('RFC 3768 §6.4.1 Initialize', () => {
  it('a non-owner starts in Backup with Master_Down_Timer = Master_Down_Interval', () => {
    const r = new Router(routerConfig({ priority: 90 }));
    const out = r.step({ kind: 'startup' }, 1000);
    expect(out).toEqual([{ kind: 'stateChanged', from: 'INIT', to: 'BACKUP', reason: 'startup', detail: 'priority 90' }]);
    expect(r.nextDeadline()).toBe(1000 + 3648.4375);
  });
  it('at 3648.4375 ms with nothing heard: become master, add VIPs, send advert, GARP', () => {
    const r = new Router(routerConfig({ priority: 90 }));
    r.step({ kind: 'startup' }, 0);
    expect(r.step({ kind: 'timeout' }, 3648.4)).toEqual([]); // early: nothing
    const out = r.step({ kind: 'timeout' }, 3648.4375);
    expect(kinds(out)).toEqual(['stateChanged', 'sendAdvert', 'addVips', 'garp']);
    expect(out[0]).toMatchObject({ to: 'MASTER', reason: 'master-down-timer' });
    expect(out[1]).toMatchObject({ advert: { priority: 90, vrid: 251, addresses: [VIP], adverIntervalCs: 100 } });
    expect(r.nextDeadline()).toBe(3648.4375 + 1000);
  });
  it('priority 255 (owner) goes Master at once', () => {
    const r = new Router(routerConfig({ priority: 255 }));
    const out = r.step({ kind: 'startup' }, 5);
    expect(kinds(out)).toEqual(['stateChanged', 'sendAdvert', 'addVips', 'garp']);
    expect(out[0]).toMatchObject({ to: 'MASTER', reason: 'startup-owner' });
    expect(r.nextDeadline()).toBe(1005);
  });
  it('startup twice is a bug and throws', () => {
    const r = new Router(routerConfig());
    r.step({ kind: 'startup' }, 0);
    expect(() => r.step({ kind: 'startup' }, 1)).toThrow(/already running/);
  });
});

describe('RFC 3768 §6.4.2 Backup', () => {
  it('an advert from a higher-priority master resets Master_Down_Timer', () => {
    const r = new Router(routerConfig({ priority: 90 }));
    r.step({ kind: 'startup' }, 0);
    expect(rx(r, 2000)).toEqual([]);
    expect(r.nextDeadline()).toBe(2000 + 3648.4375);
    expect(r.snapshot().masterIp).toBe('192.168.50.1');
  });
  it('master loss: takeover exactly at last advert + Master_Down_Interval', () => {
    const r = new Router(routerConfig({ priority: 90 }));
    r.step({ kind: 'startup' }, 0);
    for (let t = 500; t <= 10_500; t += 1000) rx(r, t);
    expect(r.step({ kind: 'timeout' }, 10_500 + 3648.4375 - 0.001)).toEqual([]);
    expect(r.step({ kind: 'timeout' }, 10_500 + 3648.4375)[0]).toMatchObject({ to: 'MASTER' });
  });
  it('priority 0 from the master: Master_Down_Timer = Skew_Time', () => {
    const r = new Router(routerConfig({ priority: 90 }));
    r.step({ kind: 'startup' }, 0);
    rx(r, 1000);
    rx(r, 1500, { priority: 0 });
    expect(r.nextDeadline()).toBe(1500 + 648.4375);
    expect(r.snapshot().counters.priorityZeroPktsRcvd).toBe(1);
  });
  it('preempt: a lower-priority advert is discarded, so we take over at Master_Down_Interval', () => {
    const r = new Router(routerConfig({ priority: 100 }));
    r.step({ kind: 'startup' }, 0);
    rx(r, 1000, { priority: 90 });
    expect(r.nextDeadline()).toBe(3609.375); // still the startup timer
  });
  it('nopreempt: a lower-priority master is honoured forever', () => {
    const r = new Router(routerConfig({ priority: 100, preempt: false }));
    r.step({ kind: 'startup' }, 0);
    for (let t = 1000; t < 20_000; t += 1000) {
      rx(r, t, { priority: 90 });
      expect(r.step({ kind: 'timeout' }, t + 999)).toEqual([]);
    }
    expect(r.state).toBe('BACKUP');
  });
  it('preempt_delay: lower-priority adverts hold us back until the delay has passed', () => {
    const r = new Router(routerConfig({ priority: 100, preemptDelayMs: 5000 }));
    r.step({ kind: 'startup' }, 0);
    rx(r, 1000, { priority: 90 }); // hold until 6000
    expect(r.nextDeadline()).toBe(1000 + 3609.375);
    rx(r, 5999, { priority: 90 });
    expect(r.nextDeadline()).toBe(5999 + 3609.375);
    rx(r, 6000, { priority: 90 }); // delay over: discarded from now on
    expect(r.nextDeadline()).toBe(5999 + 3609.375);
    expect(r.step({ kind: 'timeout' }, 5999 + 3609.375)[0]).toMatchObject({ to: 'MASTER' });
  });
  it('equal priority is honoured by a backup (the tie-break is the master\'s business)', () => {
    const r = new Router(routerConfig({ priority: 100 }));
    r.step({ kind: 'startup' }, 0);
    rx(r, 1000, { priority: 100 }, '192.168.50.1');
    expect(r.nextDeadline()).toBe(1000 + 3609.375);
  });
  it('shutdown in Backup: back to INIT, no timers, nothing sent', () => {
    const r = new Router(routerConfig());
    r.step({ kind: 'startup' }, 0);
    expect(kinds(r.step({ kind: 'shutdown' }, 10))).toEqual(['stateChanged']);
    expect(r.state).toBe('INIT');
    expect(r.nextDeadline()).toBeUndefined();
  });
});

describe('RFC 3768 §6.4.2 Backup: timers run from when the advert arrived', () => {
  const at = (r: Router, now: number, receivedAt: number, over: Parameters<typeof advert>[0] = {}) =>
    r.step({ kind: 'advert', advert: advert(over), srcIp: ip('192.168.50.1'), receivedAt }, now);

  it('Master_Down_Timer restarts from the arrival, not from when the advert is processed', () => {
    const r = new Router(routerConfig({ priority: 90 }));
    r.step({ kind: 'startup' }, 0);
    expect(at(r, 2003.5, 2000.25)).toEqual([]);
    expect(r.nextDeadline()).toBe(2000.25 + 3648.4375);
    expect(r.step({ kind: 'timeout' }, 2000.25 + 3648.4375 - 0.001)).toEqual([]);
    expect(r.step({ kind: 'timeout' }, 2000.25 + 3648.4375)[0]).toMatchObject({ to: 'MASTER', reason: 'master-down-timer' });
  });
  it('priority 0: Skew_Time runs from the arrival', () => {
    const r = new Router(routerConfig({ priority: 90 }));
    r.step({ kind: 'startup' }, 0);
    at(r, 1000, 1000);
    at(r, 1502, 1500, { priority: 0 });
    expect(r.nextDeadline()).toBe(1500 + 648.4375);
  });
  it('an arrival after now (clocks disagree) counts as now', () => {
    const r = new Router(routerConfig({ priority: 90 }));
    r.step({ kind: 'startup' }, 0);
    at(r, 2000, 2500);
    expect(r.nextDeadline()).toBe(2000 + 3648.4375);
  });
  it('adverts read after a stall: the latest arrival sets the timer, and one older than Master_Down_Interval does not hold it off', () => {
    const r = new Router(routerConfig({ priority: 90 }));
    r.step({ kind: 'startup' }, 0);
    at(r, 1000, 1000);
    // The process stalls from 1001 to 7000: the adverts of 2000 and 3000 wait in the socket, and
    // nothing came since 3000, more than Master_Down_Interval ago.
    at(r, 7000, 2000);
    at(r, 7000, 3000);
    expect(r.nextDeadline()).toBe(3000 + 3648.4375);
    expect(r.step({ kind: 'timeout' }, 7000)[0]).toMatchObject({ to: 'MASTER' });
  });
  it('within the startup hold the timer runs from the end of the hold, as without an arrival time', () => {
    const r = new Router(routerConfig({ priority: 90 }));
    r.step({ kind: 'startup', holdMs: 5000 }, 0);
    at(r, 1002, 1000);
    expect(r.nextDeadline()).toBe(5000 + 3648.4375);
  });
  it('preempt_delay counts from the arrival of the first lower-priority advert', () => {
    const r = new Router(routerConfig({ priority: 100, preemptDelayMs: 5000 }));
    r.step({ kind: 'startup' }, 0);
    at(r, 1003, 1000, { priority: 90 }); // hold until 6000
    at(r, 6002, 5999, { priority: 90 });
    expect(r.nextDeadline()).toBe(5999 + 3609.375);
    at(r, 6003, 6000, { priority: 90 }); // delay over: discarded
    expect(r.nextDeadline()).toBe(5999 + 3609.375);
  });
  it('a Master answers a lower-priority advert now: Adver_Timer runs from when ours is sent', () => {
    const r = new Router(routerConfig({ priority: 100 }));
    r.step({ kind: 'startup' }, 0);
    r.step({ kind: 'timeout' }, r.nextDeadline()!);
    const out = at(r, 5000, 4990, { priority: 50 });
    expect(kinds(out)[0]).toBe('sendAdvert');
    expect(r.nextDeadline()).toBe(5000 + 1000);
  });
});

function master(over: Parameters<typeof routerConfig>[0] = {}): Router {
  const r = new Router(routerConfig({ priority: 100, ...over }));
  r.step({ kind: 'startup' }, 0);
  r.step({ kind: 'timeout' }, r.nextDeadline()!);
  expect(r.state).toBe('MASTER');
  return r;
}

describe('RFC 3768 §6.4.3 Master', () => {
  it('Adver_Timer: one advert per interval, chained from deadlines without drift', () => {
    const r = master();
    const t0 = r.nextDeadline()!;
    expect(kinds(r.step({ kind: 'timeout' }, t0 + 7))).toEqual(['sendAdvert']); // fired 7 ms late
    expect(r.nextDeadline()).toBe(t0 + 1000);
  });
  it('a stall longer than an interval restarts the cadence from now (no burst)', () => {
    const r = master();
    const t0 = r.nextDeadline()!;
    r.step({ kind: 'timeout' }, t0 + 5000);
    expect(r.nextDeadline()).toBe(t0 + 6000);
  });
  it('a higher-priority advert: step down, remove VIPs, Master_Down_Timer set', () => {
    const r = master();
    const out = rx(r, 9000, { priority: 150 });
    expect(kinds(out)).toEqual(['stateChanged', 'removeVips']);
    expect(out[0]).toMatchObject({ to: 'BACKUP', reason: 'higher-priority-advert' });
    expect(r.nextDeadline()).toBe(9000 + 3609.375);
  });
  it('equal priority: the higher primary address wins (§6.4.3)', () => {
    const low = master({ primaryIp: ip('192.168.50.2') });
    expect(rx(low, 9000, { priority: 100 }, '192.168.50.3')[0]).toMatchObject({ to: 'BACKUP' });
    const high = master({ primaryIp: ip('192.168.50.3') });
    expect(kinds(rx(high, 9000, { priority: 100 }, '192.168.50.2'))).toEqual(['sendAdvert', 'garpBurst']);
    expect(high.state).toBe('MASTER');
  });
  it('a tie-break compares numerically, not as text', () => {
    const r = master({ primaryIp: ip('10.0.0.9') });
    expect(rx(r, 9000, { priority: 100 }, '10.0.0.10')[0]).toMatchObject({ to: 'BACKUP' });
  });
  it('a lower-priority advert is discarded, and the master re-asserts at once (advert + GARP, as keepalived)', () => {
    const r = master();
    const out = rx(r, 9000.5, { priority: 50 });
    expect(kinds(out)).toEqual(['sendAdvert', 'garpBurst']);
    expect(out[0]).toMatchObject({ advert: { priority: 100 } });
    expect(r.state).toBe('MASTER');
    expect(r.nextDeadline()).toBe(10_000.5);
  });
  it('a priority-0 advert makes the master send an advert at once', () => {
    const r = master();
    const out = rx(r, 9000, { priority: 0 });
    expect(kinds(out)).toEqual(['sendAdvert']);
    expect(r.nextDeadline()).toBe(10_000);
  });
  it('shutdown: priority-0 advert, VIPs removed, INIT', () => {
    const r = master();
    const out = r.step({ kind: 'shutdown' }, 9000);
    expect(kinds(out)).toEqual(['stateChanged', 'sendPriorityZero', 'removeVips']);
    expect(out[1]).toMatchObject({ advert: { priority: 0, vrid: 251 } });
    expect(r.snapshot().counters.priorityZeroPktsSent).toBe(1);
    expect(r.nextDeadline()).toBeUndefined();
  });
});

describe('RFC 3768 §7.1 receive checks', () => {
  const backup = () => {
    const r = new Router(routerConfig({ priority: 90 }));
    r.step({ kind: 'startup' }, 0);
    return r;
  };
  // TTL, VRID, version and form are the receive path's (test/unit/protocol/receive-path.test.ts).
  const cases: [string, Parameters<typeof advert>[0], string, string][] = [
    ['auth type 0 vs 1', { auth: { type: 0, data: new Uint8Array(8) } }, 'auth-type-mismatch', 'authTypeMismatch'],
    ['wrong password', { auth: { type: 1, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) } }, 'auth-failure', 'authFailures'],
    ['interval 2 s vs 1 s', { adverIntervalCs: 200 }, 'interval-mismatch', 'advertiseIntervalErrors'],
  ];
  for (const [name, over, reason, counter] of cases) {
    it(`${name}: dropped as ${reason}, counted in ${counter}, timer untouched`, () => {
      const r = backup();
      const before = r.nextDeadline();
      const out = rx(r, 1000, over);
      expect(out).toEqual([expect.objectContaining({ kind: 'dropped', reason, from: '192.168.50.1' })]);
      expect(r.nextDeadline()).toBe(before);
      expect(r.snapshot().counters[counter as 'authFailures']).toBe(1);
      expect(r.snapshot().counters.advertiseRcvd).toBe(0);
    });
  }
  it('the address owner drops adverts for its own VRID', () => {
    const r = master({ priority: 255 });
    const out = rx(r, 500, { priority: 254 });
    expect(out).toEqual([expect.objectContaining({ kind: 'dropped', reason: 'owner' })]);
    expect(r.state).toBe('MASTER');
  });
  it('address list mismatch, accept policy: processed with a notice, and counted', () => {
    const r = backup();
    const out = rx(r, 1000, { addresses: [ip('192.168.50.101')] });
    expect(out).toEqual([expect.objectContaining({ kind: 'notice', code: 'address-list-mismatch' })]);
    expect(r.nextDeadline()).toBe(1000 + 3648.4375);
    expect(r.snapshot().counters.addressListErrors).toBe(1);
  });
  it('address list mismatch with the RFC policy: dropped unless from the owner (255)', () => {
    const r = new Router(routerConfig({ priority: 90, addressMismatch: 'drop' }));
    r.step({ kind: 'startup' }, 0);
    expect(rx(r, 1000, { addresses: [ip('192.168.50.9')] })).toEqual([expect.objectContaining({ kind: 'dropped', reason: 'address-list' })]);
    expect(r.nextDeadline()).toBe(3648.4375);
    expect(rx(r, 1000, { priority: 255, addresses: [ip('10.9.9.9')] })[0]).toMatchObject({ kind: 'notice' });
    expect(r.nextDeadline()).toBe(1000 + 3648.4375);
  });
  it('the same addresses in another order are not a mismatch', () => {
    const r = new Router(routerConfig({ priority: 90, vips: [ip('10.0.0.1'), ip('10.0.0.2')] }));
    r.step({ kind: 'startup' }, 0);
    expect(rx(r, 1000, { addresses: [ip('10.0.0.2'), ip('10.0.0.1')] })).toEqual([]);
  });
  it('adverts before startup or in FAULT are not processed', () => {
    const r = new Router(routerConfig());
    expect(rx(r, 0)).toEqual([expect.objectContaining({ reason: 'not-running' })]);
    r.step({ kind: 'startup' }, 0);
    r.step({ kind: 'link', up: false }, 1);
    expect(rx(r, 2)).toEqual([expect.objectContaining({ reason: 'not-running' })]);
  });
});

describe('FAULT (keepalived)', () => {
  it('link down while Master: priority 0, VIPs removed, no adverts while in FAULT', () => {
    const r = master();
    const out = r.step({ kind: 'link', up: false }, 9000);
    expect(kinds(out)).toEqual(['stateChanged', 'sendPriorityZero', 'removeVips', 'ownFault']);
    expect(out[0]).toMatchObject({ to: 'FAULT', reason: 'link-down', detail: 'interface down' });
    expect(out[3]).toEqual({ kind: 'ownFault', faulted: true, detail: 'interface down' });
    expect(r.nextDeadline()).toBeUndefined();
    expect(r.step({ kind: 'timeout' }, 20_000)).toEqual([]);
  });
  it('link back: Backup with a fresh Master_Down_Timer', () => {
    const r = master();
    r.step({ kind: 'link', up: false }, 9000);
    const out = r.step({ kind: 'link', up: true }, 12_000);
    expect(out).toEqual([
      expect.objectContaining({ kind: 'stateChanged', from: 'FAULT', to: 'BACKUP', reason: 'fault-cleared' }),
      { kind: 'ownFault', faulted: false, detail: 'fault cleared' },
    ]);
    expect(r.nextDeadline()).toBe(12_000 + 3609.375);
  });
  it('a failed weight-0 tracker is FAULT; both faults must clear', () => {
    const r = new Router(routerConfig());
    r.step({ kind: 'startup' }, 0);
    r.step({ kind: 'trackers', trackers: [{ name: 'chk', weight: 0, healthy: false }] }, 10);
    expect(r.snapshot()).toMatchObject({ state: 'FAULT', faultReasons: ['chk failed'] });
    r.step({ kind: 'link', up: false }, 20);
    r.step({ kind: 'trackers', trackers: [{ name: 'chk', weight: 0, healthy: true }] }, 30);
    expect(r.state).toBe('FAULT');
    r.step({ kind: 'link', up: true }, 40);
    expect(r.state).toBe('BACKUP');
  });
  it('starting with the link down goes straight to FAULT', () => {
    const r = new Router(routerConfig());
    r.step({ kind: 'link', up: false }, 0);
    expect(r.step({ kind: 'startup' }, 1)[0]).toMatchObject({ to: 'FAULT', reason: 'link-down' });
  });
  it('an owner leaving FAULT goes Master again', () => {
    const r = master({ priority: 255 });
    r.step({ kind: 'link', up: false }, 10);
    expect(r.step({ kind: 'link', up: true }, 20)[0]).toMatchObject({ to: 'MASTER', reason: 'fault-cleared' });
  });
});

describe('effective priority through the router', () => {
  it('a failing -20 tracker lowers 100 to 80 in the adverts and says which tracker', () => {
    const r = master();
    const out = r.step({ kind: 'trackers', trackers: [{ name: 'chk_nginx', weight: -20, healthy: false }] }, 100);
    expect(out).toEqual([{ kind: 'priorityChanged', from: 100, to: 80, detail: 'chk_nginx -20' }]);
    const next = r.step({ kind: 'timeout' }, r.nextDeadline()!);
    expect(next[0]).toMatchObject({ kind: 'sendAdvert', advert: { priority: 80 } });
  });
  it('stepping down for a higher advert, the state line names the tracker that lowered us', () => {
    const r = master();
    r.step({ kind: 'trackers', trackers: [{ name: 'chk_nginx', weight: -20, healthy: false }] }, 100);
    const out = rx(r, 2000, { priority: 90 });
    expect(out[0]).toMatchObject({ to: 'BACKUP', detail: '192.168.50.1: priority 90 > ours 80 (chk_nginx -20)' });
  });
  it('the new priority changes Master_Down_Interval', () => {
    const r = new Router(routerConfig({ priority: 100 }));
    r.step({ kind: 'trackers', trackers: [{ name: 'x', weight: -10, healthy: false }] }, 0);
    expect(r.masterDownIntervalMs).toBe(3648.4375);
  });
});

describe('RFC 5798 VRRPv3 router', () => {
  it('§6.1 timers scale with Master_Adver_Interval: priority 90 at 0.1 s', () => {
    const r = new Router(routerConfigV3({ priority: 90, adverIntervalCs: 10 }));
    expect(r.skewTimeMs).toBe(64.84375);
    expect(r.masterDownIntervalMs).toBe(364.84375);
  });
  it('§6.4.2 a backup adopts the master\'s Max Adver Int as Master_Adver_Interval', () => {
    const r = new Router(routerConfigV3({ priority: 90, adverIntervalCs: 100 }));
    r.step({ kind: 'startup' }, 0);
    expect(r.nextDeadline()).toBe(3648.4375);
    rx(r, 1000, { priority: 100, adverIntervalCs: 10 }); // master advertises every 0.1 s
    expect(r.masterAdverIntervalCs).toBe(10);
    expect(r.nextDeadline()).toBe(1000 + 364.84375);
    expect(r.snapshot().masterAdverIntervalCs).toBe(10);
  });
  it('§6.4.2 a lower-priority advert discarded under preempt does not teach its interval', () => {
    const r = new Router(routerConfigV3({ priority: 100, adverIntervalCs: 100 }));
    r.step({ kind: 'startup' }, 0);
    rx(r, 1000, { priority: 90, adverIntervalCs: 10 });
    expect(r.masterAdverIntervalCs).toBe(100);
  });
  it('§6.4.2 priority 0: Master_Down_Timer = Skew_Time of the learned interval', () => {
    const r = new Router(routerConfigV3({ priority: 90, adverIntervalCs: 100 }));
    r.step({ kind: 'startup' }, 0);
    rx(r, 1000, { priority: 100, adverIntervalCs: 10 });
    rx(r, 1050, { priority: 0, adverIntervalCs: 10 });
    expect(r.nextDeadline()).toBe(1050 + 64.84375);
  });
  it('§6.4.3 a master stepping down learns the new master\'s interval; a fresh start forgets it', () => {
    const r = new Router(routerConfigV3({ priority: 100, adverIntervalCs: 100 }));
    r.step({ kind: 'startup' }, 0);
    r.step({ kind: 'timeout' }, r.nextDeadline()!);
    expect(r.state).toBe('MASTER');
    rx(r, 9000, { priority: 200, adverIntervalCs: 50 });
    expect(r.state).toBe('BACKUP');
    expect(r.nextDeadline()).toBe(9000 + 1500 + (156 * 500) / 256); // priority 100 at 0.5 s
    r.step({ kind: 'link', up: false }, 9100);
    r.step({ kind: 'link', up: true }, 9200);
    expect(r.masterAdverIntervalCs).toBe(100);
  });
  it('adverts carry version 3, the interval in centiseconds and no authentication', () => {
    const r = new Router(routerConfigV3({ priority: 255, adverIntervalCs: 35 }));
    const out = r.step({ kind: 'startup' }, 0);
    expect(out[1]).toMatchObject({ kind: 'sendAdvert', advert: { version: 3, adverIntervalCs: 35, auth: undefined } });
    expect(r.nextDeadline()).toBe(350);
  });
  it('a v3 interval different from ours is fine; an interval of 0 is refused as an interval error', () => {
    const r = new Router(routerConfigV3({ priority: 90 }));
    r.step({ kind: 'startup' }, 0);
    expect(rx(r, 1000, { adverIntervalCs: 0 })).toEqual([expect.objectContaining({ kind: 'dropped', reason: 'interval-mismatch' })]);
    expect(r.snapshot().counters.advertiseIntervalErrors).toBe(1);
    expect(rx(r, 1100, { adverIntervalCs: 300 })).toEqual([]);
  });
  it('configuration a router cannot run is refused (a bug in the caller)', () => {
    expect(() => new Router(routerConfigV3({ adverIntervalCs: 0 }))).toThrow(RangeError);
    expect(() => new Router(routerConfig({ adverIntervalCs: 150 }))).toThrow(/whole seconds/);
    expect(() => new Router(routerConfig({ family: 'ipv6' }))).toThrow(/IPv4 only/);
  });
});
