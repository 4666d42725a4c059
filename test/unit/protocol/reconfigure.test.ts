/**
 * A reload's new settings taken in place (the `reconfigure` input): no transition, the RFC 3768 /
 * RFC 5798 rules run on under the new values. Inputs at explicit times.
 */
import { describe, expect, it } from 'vitest';
import { changedSettings, identityClash } from '../../../src/protocol/reconfigure.js';
import { Router } from '../../../src/protocol/router.js';
import type { Action, RouterConfig } from '../../../src/protocol/types.js';
import { advert, advertV3, ip, routerConfig, routerConfigV3, VIP } from '../../helpers/router-fixtures.js';

const kinds = (actions: Action[]) => actions.map((a) => a.kind);
const rx = (r: Router, now: number, over: Parameters<typeof advert>[0] = {}, srcIp = '192.168.50.1') =>
  r.step({ kind: 'advert', advert: (r.config.version === 3 ? advertV3 : advert)(over), srcIp: ip(srcIp) }, now);
const reconfigure = (r: Router, now: number, over: Partial<RouterConfig>): Action[] =>
  r.step({ kind: 'reconfigure', config: { ...r.config, ...over } as RouterConfig }, now);
const prio = (n: number) => n as RouterConfig['priority'];

/** A router that became master at 3609.375 ms (priority 100, nothing heard). */
function master(over: Parameters<typeof routerConfig>[0] = {}): Router {
  const r = new Router(routerConfig({ priority: 100, ...over }));
  r.step({ kind: 'startup' }, 0);
  r.step({ kind: 'timeout' }, r.nextDeadline()!);
  expect(r.state).toBe('MASTER');
  return r;
}

describe('reconfigure: a master', () => {
  it('priority lowered: stays master, no priority-0 advert, its next advert (on the old cadence) carries the new priority', () => {
    const r = master();
    const out = reconfigure(r, 4000, { priority: prio(50) });
    expect(out).toEqual([{ kind: 'priorityChanged', from: 100, to: 50, detail: 'all trackers neutral' }]);
    expect(r.state).toBe('MASTER');
    expect(r.nextDeadline()).toBe(4609.375);
    const next = r.step({ kind: 'timeout' }, 4609.375);
    expect(next).toEqual([{ kind: 'sendAdvert', advert: expect.objectContaining({ priority: 50 }) }]);
    expect(r.snapshot().masterPriority).toBe(50);
  });
  it('priority lowered: a higher-priority advert now makes it step down (§6.4.3)', () => {
    const r = master();
    reconfigure(r, 4000, { priority: prio(50) });
    const out = rx(r, 4100, { priority: 80 });
    expect(out[0]).toMatchObject({ kind: 'stateChanged', from: 'MASTER', to: 'BACKUP', reason: 'higher-priority-advert' });
  });
  it('priority lowered below a preempting backup: the backup takes over when its Master_Down_Timer fires, not before', () => {
    const a = master(); // 100, master since 3609.375
    const b = new Router(routerConfig({ priority: 90, primaryIp: ip('192.168.50.3') }));
    b.step({ kind: 'startup' }, 0);
    rx(b, 3609.375, { priority: 100 }, '192.168.50.2'); // a's first advert as master
    expect(b.nextDeadline()).toBe(3609.375 + 3648.4375);
    reconfigure(a, 4000, { priority: prio(50) });
    const sent = a.step({ kind: 'timeout' }, 4609.375)[0] as Extract<Action, { kind: 'sendAdvert' }>;
    b.step({ kind: 'advert', advert: sent.advert, srcIp: ip('192.168.50.2') }, 4609.375); // priority 50 < 90: discarded
    expect(b.nextDeadline()).toBe(3609.375 + 3648.4375);
    expect(b.step({ kind: 'timeout' }, 3609.375 + 3648.4375)[0]).toMatchObject({ to: 'MASTER', reason: 'master-down-timer' });
  });
  it('the address owner (255) lowered to 200: stays master, adverts carry 200', () => {
    const r = new Router(routerConfig({ priority: 255 }));
    r.step({ kind: 'startup' }, 0);
    expect(r.state).toBe('MASTER');
    expect(kinds(reconfigure(r, 500, { priority: prio(200) }))).toEqual(['priorityChanged']);
    expect(r.state).toBe('MASTER');
    expect(r.step({ kind: 'timeout' }, 1000)[0]).toMatchObject({ advert: { priority: 200 } });
  });
  it('new addresses: no transition, no addVips / removeVips (the driver applies the difference), adverts carry the new list', () => {
    const r = master();
    const other = ip('192.168.50.101');
    expect(reconfigure(r, 4000, { vips: [other] })).toEqual([]);
    expect(r.step({ kind: 'timeout' }, 4609.375)[0]).toMatchObject({ advert: { addresses: [other] } });
  });
  it('a longer interval applies after the advert already due; a shorter one from now', () => {
    const r = master(); // next advert 4609.375
    reconfigure(r, 4000, { adverIntervalCs: 300 });
    expect(r.nextDeadline()).toBe(4609.375);
    r.step({ kind: 'timeout' }, 4609.375);
    expect(r.nextDeadline()).toBe(7609.375);
    reconfigure(r, 5000, { adverIntervalCs: 100 });
    expect(r.nextDeadline()).toBe(6000);
    expect(r.snapshot().masterAdverIntervalCs).toBe(100);
  });
  it('failing trackers keep counting under the new base priority (no transient value)', () => {
    const r = master();
    r.step({ kind: 'trackers', trackers: [{ name: 'chk', weight: -20, healthy: false }] }, 4000);
    expect(r.priority).toBe(80);
    expect(reconfigure(r, 4100, { priority: prio(110) })).toEqual([{ kind: 'priorityChanged', from: 80, to: 90, detail: 'chk -20' }]);
  });
  it('nothing changed: nothing happens', () => {
    const r = master();
    expect(reconfigure(r, 4000, {})).toEqual([]);
    expect(r.nextDeadline()).toBe(4609.375);
  });
});

describe('reconfigure: a backup', () => {
  /** Backup at 90 that has heard master .1 at 100 at 10 000 ms. */
  function backup(over: Parameters<typeof routerConfig>[0] = {}): Router {
    const r = new Router(routerConfig({ priority: 90, ...over }));
    r.step({ kind: 'startup' }, 0);
    for (let t = 1000; t <= 10_000; t += 1000) rx(r, t, { priority: 100 });
    return r;
  }
  it('priority raised above the master with preempt: takes over by Master_Down_Timer through the normal rule (no shortcut)', () => {
    const r = backup();
    expect(reconfigure(r, 10_500, { priority: prio(120) })).toEqual([{ kind: 'priorityChanged', from: 90, to: 120, detail: 'all trackers neutral' }]);
    expect(r.state).toBe('BACKUP');
    expect(r.nextDeadline()).toBe(10_000 + 3648.4375); // set by the last honoured advert
    expect(rx(r, 11_000, { priority: 100 })).toEqual([]); // lower than ours now: discarded
    expect(r.step({ kind: 'timeout' }, 13_648)).toEqual([]);
    expect(r.step({ kind: 'timeout' }, 10_000 + 3648.4375)[0]).toMatchObject({ to: 'MASTER', reason: 'master-down-timer' });
  });
  it('priority raised without preempt: the master keeps being honoured', () => {
    const r = backup({ preempt: false });
    reconfigure(r, 10_500, { priority: prio(120) });
    rx(r, 11_000, { priority: 100 });
    expect(r.nextDeadline()).toBe(11_000 + 3531.25); // Skew_Time at 120: 531.25 ms
  });
  it('preempt switched on: the next lower-priority advert is discarded', () => {
    const r = backup({ priority: 110, preempt: false });
    reconfigure(r, 10_500, { preempt: true });
    rx(r, 11_000, { priority: 100 });
    expect(r.nextDeadline()).toBe(10_000 + 3570.3125);
  });
  it('a changed preempt_delay starts afresh at the next lower-priority advert', () => {
    const r = backup({ priority: 110, preemptDelayMs: 60_000 });
    reconfigure(r, 10_500, { preemptDelayMs: 2000 });
    rx(r, 11_000, { priority: 100 }); // hold until 13 000
    expect(r.nextDeadline()).toBe(11_000 + 3570.3125);
    rx(r, 13_000, { priority: 100 }); // discarded
    expect(r.nextDeadline()).toBe(11_000 + 3570.3125);
  });
  it('becoming the address owner (255): Master at once, as at startup (RFC 3768 §6.4.1)', () => {
    const r = backup();
    reconfigure(r, 10_500, { priority: prio(255) });
    expect(r.nextDeadline()).toBe(10_500);
    expect(r.step({ kind: 'timeout' }, 10_500)[0]).toMatchObject({ to: 'MASTER', reason: 'master-down-timer' });
  });
  it('VRRPv3: keeps the Master_Adver_Interval learned from the master when its own interval changes', () => {
    const r = new Router(routerConfigV3({ priority: 90 }));
    r.step({ kind: 'startup' }, 0);
    rx(r, 1000, { priority: 100, adverIntervalCs: 50 });
    reconfigure(r, 1200, { adverIntervalCs: 200 });
    expect(r.snapshot().masterAdverIntervalCs).toBe(50);
  });
  it('VRRPv2: takes its new interval (a v2 backup checks adverts against its own)', () => {
    const r = backup();
    reconfigure(r, 10_500, { adverIntervalCs: 200 });
    expect(r.snapshot().masterAdverIntervalCs).toBe(200);
    expect(rx(r, 11_000, { priority: 100 })[0]).toMatchObject({ kind: 'dropped', reason: 'interval-mismatch' });
  });
});

describe('reconfigure: other states and identity', () => {
  it('in FAULT: stays in FAULT under the new priority', () => {
    const r = new Router(routerConfig({ priority: 100 }));
    r.step({ kind: 'startup' }, 0);
    r.step({ kind: 'link', up: false }, 10);
    expect(kinds(reconfigure(r, 20, { priority: prio(150) }))).toEqual(['priorityChanged']);
    expect(r.state).toBe('FAULT');
  });
  it('a change of identity is the caller\'s bug: it throws and changes nothing', () => {
    const r = master();
    expect(() => reconfigure(r, 4000, { vrid: 7 as RouterConfig['vrid'] })).toThrow(/vrid/);
    expect(() => reconfigure(r, 4000, { primaryIp: ip('192.168.50.9') })).toThrow(/primaryIp/);
    expect(r.config.vrid).toBe(251);
  });
  it('identityClash and changedSettings name the fields', () => {
    const a = routerConfig();
    expect(identityClash(a, { ...a, version: 3 })).toBe('version');
    expect(identityClash(a, { ...a, priority: prio(7) })).toBeUndefined();
    expect(changedSettings(a, { ...a, priority: prio(7), vips: [VIP, ip('192.168.50.7')] })).toEqual(['priority', 'vips']);
    expect(changedSettings(a, { ...a, auth: { type: 1, data: new Uint8Array(a.auth!.data) } })).toEqual([]);
  });
});
