/**
 * RFC 3768 conformance of the sans-IO router (src/protocol/router.ts): one test per ledger row
 * that the older router tests did not already prove, positive and negative where that means
 * something. Each test title starts with its row ID in docs/rfc3768-conformance.md.
 */
import { describe, expect, it } from 'vitest';
import { Router } from '../../../src/protocol/router.js';
import type { DropReason, InstanceCounters } from '../../../src/protocol/counters.js';
import type { Action } from '../../../src/protocol/types.js';
import { advert, ip, PASS, receive, routerConfig, VIP } from '../../helpers/router-fixtures.js';

type AdvertOver = Parameters<typeof advert>[0];
type ConfigOver = Parameters<typeof routerConfig>[0];

const PEER = '192.168.50.1';
const kinds = (actions: Action[]) => actions.map((a) => a.kind);
/** Through the receive path (TTL, VRID, form) and the router, as the daemon does it. */
const rx = (r: Router, now: number, over: AdvertOver = {}, srcIp = PEER, ttl = 255) => receive(r, now, advert(over), ip(srcIp), ttl);

function backup(over: ConfigOver = {}): Router {
  const r = new Router(routerConfig({ priority: 90, ...over }));
  r.step({ kind: 'startup' }, 0);
  expect(r.state).toBe('BACKUP');
  return r;
}

function master(over: ConfigOver = {}): Router {
  const r = new Router(routerConfig({ priority: 100, ...over }));
  r.step({ kind: 'startup' }, 0);
  if (r.state !== 'MASTER') r.step({ kind: 'timeout' }, r.nextDeadline()!);
  expect(r.state).toBe('MASTER');
  return r;
}

/** Every advert the router asked to send, in order. */
const sent = (actions: Action[]) =>
  actions.flatMap((a) => (a.kind === 'sendAdvert' || a.kind === 'sendPriorityZero' ? [a.advert] : []));

/** A rejected advert changes nothing but its drop counter: same state, same deadline, nothing sent. */
function expectDiscarded(r: Router, now: number, over: AdvertOver, reason: DropReason, counter: keyof InstanceCounters | 'vrIdErrors', ttl = 255) {
  const before = { state: r.state, deadline: r.nextDeadline(), masterIp: r.snapshot().masterIp };
  const out = rx(r, now, over, PEER, ttl);
  expect(out).toEqual([{ kind: 'dropped', reason, from: PEER, detail: expect.any(String) }]);
  expect(r.state).toBe(before.state);
  expect(r.nextDeadline()).toBe(before.deadline);
  expect(r.snapshot().masterIp).toBe(before.masterIp);
  // vrIdErrors is router-wide (the packet names no virtual router we run): it cannot be ours.
  if (counter !== 'vrIdErrors') expect(r.snapshot().counters[counter]).toBe(1);
  expect(r.snapshot().counters.advertiseRcvd).toBe(0);
}

describe('RFC 3768 §5.2.3 and §7.1 TTL', () => {
  it('5.2.3-2 a TTL other than 255 is discarded by a Backup (0, 1, 64, 254)', () => {
    for (const ttl of [0, 1, 64, 254]) {
      const r = backup();
      expectDiscarded(r, 1000, { priority: 200 }, 'ip-ttl', 'ipTtlErrors', ttl);
    }
  });
  it('5.2.3-2 a TTL other than 255 is discarded by a Master, even from a better router', () => {
    const r = master();
    expectDiscarded(r, 5000, { priority: 254 }, 'ip-ttl', 'ipTtlErrors', 254);
  });
  it('5.2.3-2 positive: the same advert at TTL 255 is processed', () => {
    const r = master();
    expect(rx(r, 5000, { priority: 254 }, PEER, 255)[0]).toMatchObject({ kind: 'stateChanged', to: 'BACKUP' });
  });
});

describe('RFC 3768 §5.3.4 priority ranges', () => {
  it('5.3.4-2 tracker weights never lift a backing-up router to 255 (owner) nor drop it to 0', () => {
    const up = new Router(routerConfig({ priority: 250 }));
    up.step({ kind: 'trackers', trackers: [{ name: 'up', weight: 50, healthy: true }] }, 0);
    expect(up.priority).toBe(254);
    const down = new Router(routerConfig({ priority: 5 }));
    down.step({ kind: 'trackers', trackers: [{ name: 'down', weight: -50, healthy: false }] }, 0);
    expect(down.priority).toBe(1);
  });
  it('5.3.4-2 the clamped priorities are what goes on the wire', () => {
    const r = master({ priority: 250 });
    r.step({ kind: 'trackers', trackers: [{ name: 'up', weight: 50, healthy: true }] }, 10);
    expect(sent(r.step({ kind: 'timeout' }, r.nextDeadline()!))[0]?.priority).toBe(254);
    r.step({ kind: 'trackers', trackers: [{ name: 'down', weight: -253, healthy: false }] }, 20);
    expect(sent(r.step({ kind: 'timeout' }, r.nextDeadline()!))[0]?.priority).toBe(1);
  });
  it('5.3.4-2 priority 0 is only ever sent as the leaving message', () => {
    const r = master({ priority: 1 });
    const all: Action[] = [];
    for (let i = 0; i < 5; i++) all.push(...r.step({ kind: 'timeout' }, r.nextDeadline()!));
    expect(sent(all).every((a) => a.priority === 1)).toBe(true);
    const bye = r.step({ kind: 'shutdown' }, 99_000);
    expect(sent(bye).map((a) => a.priority)).toEqual([0]);
  });
});

describe('RFC 3768 §5.3.6 and §5.3.10 authentication', () => {
  it('5.3.6-1 an advert whose auth type differs from ours is discarded (1 vs 0, 0 vs 1)', () => {
    expectDiscarded(backup({ auth: { type: 0, data: new Uint8Array(8) } }), 1000, { priority: 200 }, 'auth-type-mismatch', 'authTypeMismatch');
    expectDiscarded(backup(), 1000, { priority: 200, auth: { type: 0, data: new Uint8Array(8) } }, 'auth-type-mismatch', 'authTypeMismatch');
  });
  it('5.3.10-1 auth type 0: authentication data is sent as zeros', () => {
    const r = master({ auth: { type: 0, data: new Uint8Array(8) } });
    const out = r.step({ kind: 'timeout' }, r.nextDeadline()!);
    expect([...sent(out)[0]!.auth!.data]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(sent(out)[0]!.auth!.type).toBe(0);
  });
  it('5.3.10-1 auth type 0: authentication data is ignored on reception', () => {
    const r = backup({ auth: { type: 0, data: new Uint8Array(8) } });
    const junk = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(rx(r, 1000, { priority: 200, auth: { type: 0, data: junk } })).toEqual([]);
    expect(r.nextDeadline()).toBe(1000 + r.masterDownIntervalMs);
    expect(r.snapshot().counters.advertiseRcvd).toBe(1);
  });
  it('7.1-7 auth type 1 (RFC 2338 password): a wrong password is discarded, the right one accepted', () => {
    expectDiscarded(backup(), 1000, { priority: 200, auth: { type: 1, data: new Uint8Array([0x50, 0x41, 0x53, 0x54, 0, 0, 0, 0]) } }, 'auth-failure', 'authFailures');
    const r = backup();
    expect(rx(r, 1000, { priority: 200, auth: { type: 1, data: PASS } })).toEqual([]);
    expect(r.snapshot().counters.advertiseRcvd).toBe(1);
  });
});

describe('RFC 3768 §6.1 Preempt_Mode owner exception', () => {
  it('6.1-4 the owner takes over from a running master at once, whatever its preempt setting', () => {
    const r = new Router(routerConfig({ priority: 255, preempt: false }));
    const out = r.step({ kind: 'startup' }, 0);
    expect(out[0]).toMatchObject({ kind: 'stateChanged', to: 'MASTER', reason: 'startup-owner' });
    // Another master's adverts never push the owner back.
    expect(rx(r, 100, { priority: 254 }, '192.168.50.250')).toEqual([expect.objectContaining({ kind: 'dropped', reason: 'owner' })]);
    expect(r.state).toBe('MASTER');
  });
});

describe('RFC 3768 §6.4.1 Initialize', () => {
  it('6.4.1-3 in Initialize (before Startup, after Shutdown) adverts change nothing', () => {
    const r = new Router(routerConfig());
    expect(rx(r, 0, { priority: 0 })).toEqual([expect.objectContaining({ kind: 'dropped', reason: 'not-running' })]);
    expect(r.nextDeadline()).toBeUndefined();
    r.step({ kind: 'startup' }, 1);
    r.step({ kind: 'shutdown' }, 2);
    expect(rx(r, 3, { priority: 200 })).toEqual([expect.objectContaining({ kind: 'dropped', reason: 'not-running' })]);
    expect(r.state).toBe('INIT');
    expect(r.step({ kind: 'timeout' }, 1e9)).toEqual([]);
  });
  it('6.4.1-1 owner startup: advert first, then gratuitous ARP for every VIP, Adver_Timer = Advertisement_Interval', () => {
    const vips = [ip('192.168.50.100'), ip('192.168.50.101')];
    const r = new Router(routerConfig({ priority: 255, vips }));
    const out = r.step({ kind: 'startup' }, 7);
    const k = kinds(out);
    expect(k.indexOf('sendAdvert')).toBeLessThan(k.indexOf('garp'));
    expect(out.find((a) => a.kind === 'garp')).toEqual({ kind: 'garp', vips });
    expect(sent(out)[0]).toMatchObject({ priority: 255 });
    expect(r.nextDeadline()).toBe(7 + 1000);
  });
});

describe('RFC 3768 §6.4.2 Backup', () => {
  it('6.4.2-1 a Backup never holds the virtual addresses (no ARP answers, no accepted packets)', () => {
    const r = backup();
    const all: Action[] = [];
    for (let t = 500; t < 20_000; t += 1000) all.push(...rx(r, t, { priority: 200 }));
    all.push(...rx(r, 20_100, { priority: 200, addresses: [ip('10.9.9.9')] }));
    expect(all.filter((a) => a.kind === 'addVips' || a.kind === 'garp')).toEqual([]);
    expect(r.state).toBe('BACKUP');
  });
  it('6.4.2-1 a Master that becomes Backup gives the virtual addresses up in the same step', () => {
    const r = master();
    const out = rx(r, 9000, { priority: 200 });
    expect(out).toContainEqual({ kind: 'removeVips', vips: [VIP] });
    expect(r.state).toBe('BACKUP');
  });
  it('6.4.2-5 the Master_Down_Timer does not fire early, and fires once', () => {
    const r = backup();
    const due = r.nextDeadline()!;
    expect(r.step({ kind: 'timeout' }, due - 0.001)).toEqual([]);
    expect(r.state).toBe('BACKUP');
    const out = r.step({ kind: 'timeout' }, due);
    expect(kinds(out).filter((k) => k === 'sendAdvert')).toHaveLength(1);
    expect(out).toContainEqual({ kind: 'garp', vips: [VIP] });
    expect(r.nextDeadline()).toBe(due + 1000);
  });
  it('6.4.2-6 priority 0 sets the timer to Skew_Time even without preemption', () => {
    const r = backup({ preempt: false });
    rx(r, 1000, { priority: 50 });
    rx(r, 1200, { priority: 0 });
    expect(r.nextDeadline()).toBe(1200 + r.skewTimeMs);
    expect(r.step({ kind: 'timeout' }, 1200 + r.skewTimeMs)[0]).toMatchObject({ to: 'MASTER' });
  });
  it('6.4.2-8 with preemption a lower-priority advert is discarded: timer and known master unchanged', () => {
    const r = backup({ priority: 100 });
    rx(r, 1000, { priority: 150 }, '192.168.50.7');
    const deadline = r.nextDeadline();
    expect(rx(r, 1500, { priority: 99 }, '192.168.50.8')).toEqual([]);
    expect(r.nextDeadline()).toBe(deadline);
    expect(r.snapshot().masterIp).toBe('192.168.50.7');
  });
});

describe('RFC 3768 §6.4.3 Master', () => {
  it('6.4.3-6 the Adver_Timer does not fire early', () => {
    const r = master();
    const due = r.nextDeadline()!;
    expect(r.step({ kind: 'timeout' }, due - 0.001)).toEqual([]);
    expect(r.nextDeadline()).toBe(due);
  });
  it('6.4.3-8 stepping down cancels the Adver_Timer: no advert is ever sent as Backup', () => {
    const r = master();
    rx(r, 9000, { priority: 200 });
    const all: Action[] = [];
    for (let t = 9500; t < 12_000; t += 500) {
      all.push(...rx(r, t, { priority: 200 }));
      all.push(...r.step({ kind: 'timeout' }, t + 1));
    }
    expect(sent(all)).toEqual([]);
    expect(r.nextDeadline()).toBe(11_500 + r.masterDownIntervalMs);
  });
  it('6.4.3-9 equal priority from a lower address is discarded: no state change, we re-assert', () => {
    const r = master({ primaryIp: ip('192.168.50.20') });
    const out = rx(r, 9000, { priority: 100 }, '192.168.50.19');
    expect(out.map((a) => a.kind)).toEqual(['sendAdvert', 'garpBurst']);
    expect(r.state).toBe('MASTER');
    expect(r.snapshot().masterIp).toBe('192.168.50.20');
  });
  it('6.4.3-5 shutdown: the priority-0 advert is the last thing sent and no timer is left', () => {
    const r = master();
    const out = r.step({ kind: 'shutdown' }, 9000);
    expect(sent(out).map((a) => a.priority)).toEqual([0]);
    expect(r.nextDeadline()).toBeUndefined();
    expect(r.step({ kind: 'timeout' }, 1e9)).toEqual([]);
  });
});

describe('RFC 3768 §7.1 receive checks', () => {
  it('7.1-5 an advert for a VRID we do not run is discarded', () => {
    expectDiscarded(backup(), 1000, { vrid: 250, priority: 200 }, 'vrid', 'vrIdErrors');
    expectDiscarded(master(), 5000, { vrid: 252, priority: 200 }, 'vrid', 'vrIdErrors');
  });
  it('7.1-6 the address owner discards every advert for its VRID, priority 0 included', () => {
    for (const priority of [0, 1, 254, 255]) {
      const r = master({ priority: 255 });
      expectDiscarded(r, 500, { priority }, 'owner', 'ownerConflicts');
    }
  });
  it('7.1-15 an advert whose Adver Int differs from ours is discarded (0, 2, 255 s vs 1 s)', () => {
    for (const sec of [0, 2, 255]) {
      expectDiscarded(backup(), 1000, { priority: 200, adverIntervalCs: sec * 100 }, 'interval-mismatch', 'advertiseIntervalErrors');
    }
  });
  it('7.1-15 positive: the same interval in seconds as ours (3 s) is processed', () => {
    const r = backup({ adverIntervalCs: 300 });
    expect(rx(r, 1000, { priority: 200, adverIntervalCs: 300 })).toEqual([]);
    expect(r.nextDeadline()).toBe(1000 + r.masterDownIntervalMs);
  });
  it('7.1-14 RFC policy: a non-owner advert with another address list is discarded, the owner one is processed', () => {
    const r = backup({ addressMismatch: 'drop' });
    expectDiscarded(r, 1000, { priority: 200, addresses: [VIP, ip('192.168.50.101')] }, 'address-list', 'addressListErrors');
    const out = rx(r, 1100, { priority: 255, addresses: [ip('10.0.0.1')] });
    expect(out).toEqual([expect.objectContaining({ kind: 'notice', code: 'address-list-mismatch' })]);
    expect(r.nextDeadline()).toBe(1100 + r.masterDownIntervalMs);
  });
  it('7.1-12 accept policy: the mismatch is logged and counted, and the advert processed', () => {
    const r = backup();
    const out = rx(r, 1000, { priority: 200, addresses: [ip('10.0.0.1')] });
    expect(out).toEqual([expect.objectContaining({ kind: 'notice', code: 'address-list-mismatch' })]);
    expect(r.nextDeadline()).toBe(1000 + r.masterDownIntervalMs);
  });
  it('7.1-9 every discard is reported with a reason and a readable detail, for the log', () => {
    const cases: [AdvertOver, number, DropReason][] = [
      [{}, 1, 'ip-ttl'],
      [{ vrid: 9 }, 255, 'vrid'],
      [{ auth: { type: 0, data: new Uint8Array(8) } }, 255, 'auth-type-mismatch'],
      [{ auth: { type: 1, data: new Uint8Array(8) } }, 255, 'auth-failure'],
      [{ adverIntervalCs: 500 }, 255, 'interval-mismatch'],
    ];
    for (const [over, ttl, reason] of cases) {
      const [a] = rx(backup(), 1000, over, PEER, ttl);
      expect(a).toMatchObject({ kind: 'dropped', reason, from: PEER });
      expect(a?.kind === 'dropped' && a.detail.length).toBeGreaterThan(10);
    }
  });
  it('7.1-10 each kind of discard moves its own RFC 2787 counter and no other', () => {
    const r = backup();
    rx(r, 1000, {}, PEER, 64);
    rx(r, 1001, { vrid: 9 });
    rx(r, 1002, { auth: { type: 0, data: new Uint8Array(8) } });
    rx(r, 1003, { auth: { type: 1, data: new Uint8Array(8) } });
    rx(r, 1004, { adverIntervalCs: 500 });
    // VRID 9 is router-wide (vrIdErrors of the interface): the virtual router's record stays clean.
    expect(r.snapshot().counters).toMatchObject({
      ipTtlErrors: 1, authTypeMismatch: 1, authFailures: 1, advertiseIntervalErrors: 1,
      advertiseRcvd: 0, ownerConflicts: 0, addressListErrors: 0,
    });
  });
});

describe('RFC 3768 §7.2 transmitting', () => {
  it('7.2-1 the advert is filled in from the virtual router: VRID, priority, count, auth, interval, addresses', () => {
    const vips = [ip('10.1.1.1'), ip('10.1.1.2'), ip('10.1.1.3')];
    const r = master({ vrid: 42, priority: 123, adverIntervalCs: 200, vips, auth: { type: 1, data: PASS } });
    const [a] = sent(r.step({ kind: 'timeout' }, r.nextDeadline()!));
    expect(a).toEqual({ version: 2, type: 1, vrid: 42, priority: 123, adverIntervalCs: 200, addresses: vips, auth: { type: 1, data: PASS } });
  });
  it('7.2-1 the advertised priority follows the effective priority', () => {
    const r = master({ priority: 100 });
    r.step({ kind: 'trackers', trackers: [{ name: 'chk_nginx', weight: -20, healthy: false }] }, 10);
    expect(sent(r.step({ kind: 'timeout' }, r.nextDeadline()!))[0]?.priority).toBe(80);
  });
});

describe('RFC 3768 §8.2 host ARP requests', () => {
  it('8.2-4 a new master sends gratuitous ARP for each of its virtual addresses', () => {
    const vips = [ip('192.168.50.100'), ip('192.168.50.101'), ip('10.0.0.5')];
    const out = backup({ vips }).step({ kind: 'timeout' }, 1e6);
    expect(out.filter((a) => a.kind === 'garp')).toEqual([{ kind: 'garp', vips }]);
  });
  it('8.2-5 the addresses are configured before any gratuitous ARP is sent', () => {
    for (const r of [backup(), new Router(routerConfig({ priority: 255 }))]) {
      const out = r.state === 'BACKUP' ? r.step({ kind: 'timeout' }, 1e6) : r.step({ kind: 'startup' }, 0);
      const k = kinds(out);
      expect(k).toContain('addVips');
      expect(k.indexOf('addVips')).toBeLessThan(k.indexOf('garp'));
    }
  });
});
