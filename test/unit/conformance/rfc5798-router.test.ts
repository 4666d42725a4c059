/**
 * RFC 5798 (VRRPv3) conformance of the sans-IO stack over IPv4: every advert goes through the
 * receive path (IP layer, version, checksum, VRID, TTL, form) and then the router, as the daemon
 * runs them (test/helpers/router-fixtures.ts `receive`). Each test title starts with its row ID
 * in docs/rfc5798-conformance.md.
 */
import { describe, expect, it } from 'vitest';
import { Router } from '../../../src/protocol/router.js';
import type { DropReason, InstanceCounters } from '../../../src/protocol/counters.js';
import type { Action } from '../../../src/protocol/types.js';
import { emitRawAdvert, type RawAdvertFields } from '../../../src/wire/advert-raw.js';
import { ipAddress, type Ipv4Address } from '../../../src/wire/address.js';
import { VRRP_MCAST_GROUP4 } from '../../../src/wire/constants.js';
import { emitIpv4 } from '../../../src/wire/ipv4.js';
import { advert, advertV3, ip, receive, receiveDatagram, routerConfigV3, VIP } from '../../helpers/router-fixtures.js';

type AdvertOver = Parameters<typeof advertV3>[0];
type ConfigOver = Parameters<typeof routerConfigV3>[0];

const PEER = '192.168.50.1';
const v4 = (s: string): Ipv4Address => ipAddress(s, 'ipv4');
const kinds = (actions: Action[]) => actions.map((a) => a.kind);
/** A VRRPv3 advert through the receive path and the router. */
const rx = (r: Router, now: number, over: AdvertOver = {}, srcIp = PEER, ttl = 255) => receive(r, now, advertV3(over), ip(srcIp), ttl);
/** A hand-built VRRPv3 datagram (fields no Advert value carries) through the same stack. */
function rxRaw(r: Router, now: number, over: Partial<RawAdvertFields> = {}, ttl = 255): Action[] {
  const src = v4(PEER);
  const fields: RawAdvertFields = { version: 3, vrid: 251, priority: 200, adverInt: 100, addresses: [VIP], pseudo: { family: 'ipv4', src, dst: VRRP_MCAST_GROUP4 }, ...over };
  return receiveDatagram(r, now, { family: 'ipv4', bytes: emitIpv4({ src, dst: VRRP_MCAST_GROUP4, ttl }, emitRawAdvert(fields)) });
}

function backup(over: ConfigOver = {}): Router {
  const r = new Router(routerConfigV3({ priority: 90, ...over }));
  r.step({ kind: 'startup' }, 0);
  expect(r.state).toBe('BACKUP');
  return r;
}

function master(over: ConfigOver = {}): Router {
  const r = new Router(routerConfigV3({ priority: 100, ...over }));
  r.step({ kind: 'startup' }, 0);
  if (r.state !== 'MASTER') r.step({ kind: 'timeout' }, r.nextDeadline()!);
  expect(r.state).toBe('MASTER');
  return r;
}

/** Every advert the router asked to send, in order. */
const sent = (actions: Action[]) => actions.flatMap((a) => (a.kind === 'sendAdvert' || a.kind === 'sendPriorityZero' ? [a.advert] : []));

/** A rejected packet changes nothing but its drop counter: same state, deadline, known master and interval; nothing sent. */
function expectDiscarded(r: Router, out: Action[], reason: DropReason, counter?: keyof InstanceCounters) {
  expect(out).toEqual([{ kind: 'dropped', reason, from: PEER, detail: expect.any(String) }]);
  if (counter !== undefined) expect(r.snapshot().counters[counter]).toBe(1);
  expect(r.snapshot().counters.advertiseRcvd).toBe(0);
}
function unchanged(r: Router, act: () => Action[]): Action[] {
  const before = { state: r.state, deadline: r.nextDeadline(), masterIp: r.snapshot().masterIp, mai: r.masterAdverIntervalCs };
  const out = act();
  expect({ state: r.state, deadline: r.nextDeadline(), masterIp: r.snapshot().masterIp, mai: r.masterAdverIntervalCs }).toEqual(before);
  return out;
}

describe('RFC 5798 §5.1.1.3 and §7.1 TTL', () => {
  it('5.1.1.3-2 a TTL other than 255 is discarded by a Backup and by a Master, even from a better router (0, 1, 64, 254)', () => {
    for (const ttl of [0, 1, 64, 254]) {
      for (const r of [backup(), master()]) {
        const out = unchanged(r, () => rx(r, 5000, { priority: 254, adverIntervalCs: 10 }, PEER, ttl));
        expectDiscarded(r, out, 'ip-ttl', 'ipTtlErrors');
      }
    }
  });
  it('5.1.1.3-2 positive: the same advert at TTL 255 is processed', () => {
    const r = master();
    expect(rx(r, 5000, { priority: 254 })[0]).toMatchObject({ kind: 'stateChanged', to: 'BACKUP' });
  });
});

describe('RFC 5798 §5.2.2 type', () => {
  it('5.2.2-2 an advert of unknown type (0, 2, 3, 15) with a valid checksum is discarded before the router sees it', () => {
    for (const type of [0, 2, 3, 15]) {
      const r = backup();
      expectDiscarded(r, unchanged(r, () => rxRaw(r, 1000, { type })), 'type', 'invalidTypePktsRcvd');
    }
    expect(rxRaw(backup(), 1000, { type: 1 })).toEqual([]);
  });
});

describe('RFC 5798 §5.2.4 priority', () => {
  it('5.2.4-2 tracker weights never lift a backing-up router to 255 (owner) nor drop it to 0, and that is what goes on the wire', () => {
    const r = master({ priority: 250 });
    r.step({ kind: 'trackers', trackers: [{ name: 'up', weight: 50, healthy: true }] }, 10);
    expect(sent(r.step({ kind: 'timeout' }, r.nextDeadline()!))[0]?.priority).toBe(254);
    r.step({ kind: 'trackers', trackers: [{ name: 'down', weight: -253, healthy: false }] }, 20);
    expect(sent(r.step({ kind: 'timeout' }, r.nextDeadline()!))[0]?.priority).toBe(1);
  });
  it('5.2.4-4 priority 0 is sent only when leaving, and a Backup hearing it takes over after Skew_Time, not Master_Down_Interval', () => {
    const m = master({ priority: 1 });
    const all: Action[] = [];
    for (let i = 0; i < 5; i++) all.push(...m.step({ kind: 'timeout' }, m.nextDeadline()!));
    expect(sent(all).every((a) => a.priority === 1)).toBe(true);
    expect(sent(m.step({ kind: 'shutdown' }, 99_000)).map((a) => a.priority)).toEqual([0]);
    const b = backup({ adverIntervalCs: 10 });
    rx(b, 1000, { priority: 100, adverIntervalCs: 10 });
    rx(b, 1050, { priority: 0, adverIntervalCs: 10 });
    expect(b.nextDeadline()).toBe(1050 + (166 * 100) / 256);
  });
});

describe('RFC 5798 §6.1 parameters per virtual router', () => {
  it('6.1-3 Master_Adver_Interval starts as Advertisement_Interval, is saved from the master while Backup, and drives Skew_Time and Master_Down_Interval', () => {
    const r = new Router(routerConfigV3({ priority: 90, adverIntervalCs: 100 }));
    expect(r.masterAdverIntervalCs).toBe(100);
    r.step({ kind: 'startup' }, 0);
    expect(r.nextDeadline()).toBe(3000 + (166 * 1000) / 256);
    rx(r, 1000, { priority: 100, adverIntervalCs: 25 });
    expect(r.masterAdverIntervalCs).toBe(25);
    expect(r.skewTimeMs).toBe((166 * 250) / 256);
    expect(r.masterDownIntervalMs).toBe(750 + (166 * 250) / 256);
    expect(r.nextDeadline()).toBe(1000 + 750 + (166 * 250) / 256);
  });
  it('6.1-4 6.1-5 Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256 and Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time, in centiseconds at full precision', () => {
    for (const [priority, cs] of [[90, 10], [254, 4095], [1, 1], [100, 100]] as const) {
      const r = new Router(routerConfigV3({ priority, adverIntervalCs: cs }));
      const skewCs = ((256 - priority) * cs) / 256;
      expect(r.skewTimeMs).toBe(skewCs * 10);
      expect(r.masterDownIntervalMs).toBe((3 * cs + skewCs) * 10);
    }
  });
  it('6.1-7 the owner (255) is master at once and stays so, whatever its Preempt_Mode', () => {
    const r = new Router(routerConfigV3({ priority: 255, preempt: false }));
    expect(r.step({ kind: 'startup' }, 0)[0]).toMatchObject({ kind: 'stateChanged', to: 'MASTER', reason: 'startup-owner' });
    expect(rx(r, 100, { priority: 254 }, '192.168.50.250')).toEqual([expect.objectContaining({ kind: 'dropped', reason: 'owner' })]);
    expect(r.state).toBe('MASTER');
  });
});

describe('RFC 5798 §6.4.1 Initialize', () => {
  it('6.4.1-1 owner startup: advert first, then gratuitous ARP for every IPv4 address, Adver_Timer = Advertisement_Interval, Master', () => {
    const vips = [ip('192.168.50.100'), ip('192.168.50.101')];
    const r = new Router(routerConfigV3({ priority: 255, vips, adverIntervalCs: 35 }));
    const out = r.step({ kind: 'startup' }, 7);
    const k = kinds(out);
    expect(k.indexOf('sendAdvert')).toBeLessThan(k.indexOf('garp'));
    expect(out.find((a) => a.kind === 'garp')).toEqual({ kind: 'garp', vips });
    expect(sent(out)[0]).toMatchObject({ version: 3, priority: 255, adverIntervalCs: 35 });
    expect(r.nextDeadline()).toBe(7 + 350);
    expect(r.state).toBe('MASTER');
  });
  it('6.4.1-3 non-owner startup: Master_Adver_Interval = Advertisement_Interval, Master_Down_Timer = Master_Down_Interval, Backup', () => {
    const r = new Router(routerConfigV3({ priority: 90, adverIntervalCs: 10 }));
    const out = r.step({ kind: 'startup' }, 5);
    expect(out).toEqual([expect.objectContaining({ kind: 'stateChanged', from: 'INIT', to: 'BACKUP' })]);
    expect(r.masterAdverIntervalCs).toBe(10);
    expect(r.nextDeadline()).toBe(5 + 300 + (166 * 100) / 256);
  });
  it('6.4.1-4 in Initialize (before Startup, after Shutdown) adverts change nothing', () => {
    const r = new Router(routerConfigV3());
    expect(rx(r, 0, { priority: 0 })).toEqual([expect.objectContaining({ kind: 'dropped', reason: 'not-running' })]);
    r.step({ kind: 'startup' }, 1);
    r.step({ kind: 'shutdown' }, 2);
    expect(rx(r, 3, { priority: 200, adverIntervalCs: 10 })).toEqual([expect.objectContaining({ kind: 'dropped', reason: 'not-running' })]);
    expect(r.state).toBe('INIT');
    expect(r.nextDeadline()).toBeUndefined();
    expect(r.step({ kind: 'timeout' }, 1e9)).toEqual([]);
  });
});

describe('RFC 5798 §6.4.2 Backup', () => {
  it('6.4.2-1 6.4.2-5 a Backup never holds the virtual addresses (no ARP answers, no accepted packets)', () => {
    const r = backup();
    const all: Action[] = [];
    for (let t = 500; t < 20_000; t += 100) all.push(...rx(r, t, { priority: 200, adverIntervalCs: 10 }));
    expect(all.filter((a) => a.kind === 'addVips' || a.kind === 'garp')).toEqual([]);
    expect(r.state).toBe('BACKUP');
    const m = master();
    expect(rx(m, 9000, { priority: 200 })).toContainEqual({ kind: 'removeVips', vips: [VIP] });
  });
  it('6.4.2-6 Shutdown in Backup: Master_Down_Timer cancelled, Initialize, nothing sent', () => {
    const r = backup();
    const out = r.step({ kind: 'shutdown' }, 100);
    expect(sent(out)).toEqual([]);
    expect(out).toEqual([expect.objectContaining({ kind: 'stateChanged', from: 'BACKUP', to: 'INIT' })]);
    expect(r.nextDeadline()).toBeUndefined();
  });
  it('6.4.2-7 the Master_Down_Timer fires (not early): advert, gratuitous ARP for each address, Adver_Timer = Advertisement_Interval, Master', () => {
    const r = backup({ adverIntervalCs: 10 });
    const due = r.nextDeadline()!;
    expect(r.step({ kind: 'timeout' }, due - 0.001)).toEqual([]);
    const out = r.step({ kind: 'timeout' }, due);
    const k = kinds(out);
    expect(k.filter((x) => x === 'sendAdvert')).toHaveLength(1);
    expect(k.indexOf('sendAdvert')).toBeLessThan(k.indexOf('garp'));
    expect(out).toContainEqual({ kind: 'garp', vips: [VIP] });
    expect(r.nextDeadline()).toBe(due + 100);
    expect(r.state).toBe('MASTER');
  });
  it('6.4.2-9 priority 0: Master_Down_Timer = Skew_Time (of the learned interval), also without preemption', () => {
    const r = backup({ preempt: false, adverIntervalCs: 100 });
    rx(r, 1000, { priority: 50, adverIntervalCs: 20 });
    rx(r, 1200, { priority: 0, adverIntervalCs: 20 });
    expect(r.nextDeadline()).toBe(1200 + (166 * 200) / 256);
    expect(r.step({ kind: 'timeout' }, r.nextDeadline()!)[0]).toMatchObject({ to: 'MASTER' });
  });
  it('6.4.2-10 an acceptable advert (higher, equal, or any priority without preemption) sets Master_Adver_Interval from its Max Adver Int, recomputes Master_Down_Interval and resets the timer', () => {
    const cases: [ConfigOver, number][] = [[{}, 200], [{}, 90], [{ preempt: false }, 10]];
    for (const [over, priority] of cases) {
      const r = backup({ adverIntervalCs: 100, ...over });
      expect(rx(r, 1000, { priority, adverIntervalCs: 40 })).toEqual([]);
      expect(r.masterAdverIntervalCs).toBe(40);
      expect(r.nextDeadline()).toBe(1000 + 1200 + (166 * 400) / 256);
      expect(r.snapshot().masterIp).toBe(PEER);
    }
  });
  it('6.4.2-11 with preemption a lower-priority advert is discarded: timer, known master and Master_Adver_Interval unchanged', () => {
    const r = backup({ priority: 100 });
    rx(r, 1000, { priority: 150, adverIntervalCs: 50 }, '192.168.50.7');
    expect(unchanged(r, () => rx(r, 1500, { priority: 99, adverIntervalCs: 10 }, '192.168.50.8'))).toEqual([]);
    expect(r.snapshot().masterIp).toBe('192.168.50.7');
  });
});

describe('RFC 5798 §6.4.3 Master', () => {
  it('6.4.3-8 Shutdown: Adver_Timer cancelled, the priority-0 advert the last thing sent, Initialize', () => {
    const r = master();
    const out = r.step({ kind: 'shutdown' }, 9000);
    expect(sent(out).map((a) => [a.version, a.priority])).toEqual([[3, 0]]);
    expect(out.at(-1)).toEqual({ kind: 'removeVips', vips: [VIP] });
    expect(r.state).toBe('INIT');
    expect(r.nextDeadline()).toBeUndefined();
    expect(r.step({ kind: 'timeout' }, 1e9)).toEqual([]);
  });
  it('6.4.3-9 the Adver_Timer fires every Advertisement_Interval (10 cs: 100 ms), never early', () => {
    const r = master({ adverIntervalCs: 10 });
    const first = r.nextDeadline()!;
    expect(r.step({ kind: 'timeout' }, first - 0.001)).toEqual([]);
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const due = r.nextDeadline()!;
      times.push(due);
      expect(sent(r.step({ kind: 'timeout' }, due))).toHaveLength(1);
    }
    expect(times.slice(1).map((t, i) => t - times[i]!)).toEqual(Array(9).fill(100));
  });
  it('6.4.3-10 priority 0 heard: an advert at once, Adver_Timer reset to Advertisement_Interval', () => {
    const r = master({ adverIntervalCs: 50 });
    const out = rx(r, 9000, { priority: 0 });
    expect(sent(out)).toHaveLength(1);
    expect(r.nextDeadline()).toBe(9000 + 500);
    expect(r.state).toBe('MASTER');
  });
  it('6.4.3-11 a higher priority, or an equal one from a higher address: Adver_Timer cancelled, Max Adver Int learned, Skew_Time and Master_Down_Interval recomputed, Backup', () => {
    for (const [priority, src] of [[101, '192.168.50.1'], [100, '192.168.50.3']] as const) {
      const r = master({ adverIntervalCs: 100 });
      const out = rx(r, 9000, { priority, adverIntervalCs: 20 }, src);
      expect(out[0]).toMatchObject({ kind: 'stateChanged', from: 'MASTER', to: 'BACKUP', reason: 'higher-priority-advert' });
      expect(sent(out)).toEqual([]);
      expect(r.masterAdverIntervalCs).toBe(20);
      expect(r.skewTimeMs).toBe((156 * 200) / 256);
      expect(r.nextDeadline()).toBe(9000 + 600 + (156 * 200) / 256);
      expect(sent(r.step({ kind: 'timeout' }, r.nextDeadline()! - 0.001))).toEqual([]); // the Adver_Timer is gone
    }
  });
  it('6.4.3-12 a lower priority, or an equal one from a lower address, is discarded: no state change (the master re-asserts, as keepalived)', () => {
    for (const [priority, src] of [[99, '192.168.50.9'], [100, '192.168.50.1']] as const) {
      const r = master({ adverIntervalCs: 100 });
      const out = rx(r, 9000, { priority, adverIntervalCs: 20 }, src);
      expect(kinds(out)).toEqual(['sendAdvert', 'garpBurst']);
      expect(r.state).toBe('MASTER');
      expect(r.masterAdverIntervalCs).toBe(100);
      expect(r.snapshot().masterIp).toBe('192.168.50.2');
    }
  });
  it('6.4.3-13 Preempt_Mode is not considered in Master: a master with nopreempt steps down for a higher priority', () => {
    const r = master({ preempt: false });
    expect(rx(r, 9000, { priority: 150 })[0]).toMatchObject({ kind: 'stateChanged', to: 'BACKUP' });
  });
});

describe('RFC 5798 §7.1 receiving', () => {
  it('7.1-3 a VRRPv2 advert reaching a VRRPv3 virtual router is discarded (version mismatch); versions 0, 1, 4 and 15 are version errors', () => {
    const r = backup();
    expectDiscarded(r, unchanged(r, () => receive(r, 1000, advert({ priority: 200 }), ip(PEER))), 'version-mismatch', 'versionMismatch');
    for (const version of [0, 1, 4, 15]) {
      const b = backup();
      expect(unchanged(b, () => rxRaw(b, 1000, { version }))).toEqual([expect.objectContaining({ kind: 'dropped', reason: 'version' })]);
    }
  });
  it('7.1-4 every cut of a complete VRRPv3 advert (fixed fields, addresses) is discarded', () => {
    const src = v4(PEER);
    const whole = emitRawAdvert({ version: 3, vrid: 251, priority: 200, adverInt: 100, addresses: [VIP, ip('192.168.50.101')], pseudo: { family: 'ipv4', src, dst: VRRP_MCAST_GROUP4 } });
    for (let len = 0; len < whole.length; len++) {
      const r = backup();
      const out = unchanged(r, () => receiveDatagram(r, 1000, { family: 'ipv4', bytes: emitIpv4({ src, dst: VRRP_MCAST_GROUP4 }, whole.slice(0, len)) }));
      expect(out, `length ${len}`).toEqual([expect.objectContaining({ kind: 'dropped' })]);
    }
  });
  it('7.1-4 a count larger than the addresses present is discarded, even with a valid checksum', () => {
    const r = backup();
    expectDiscarded(r, unchanged(r, () => rxRaw(r, 1000, { count: 2 })), 'packet-length', 'packetLengthErrors');
  });
  it('7.1-5 a wrong checksum is discarded, including a checksum that is right for another source or destination (the pseudo-header)', () => {
    const other = { family: 'ipv4' as const, src: v4('192.168.50.9'), dst: VRRP_MCAST_GROUP4 };
    for (const over of [{ checksum: 0x1234 }, { pseudo: other }, { pseudo: { ...other, src: v4(PEER), dst: v4('224.0.0.19') } }]) {
      const r = backup();
      expect(unchanged(r, () => rxRaw(r, 1000, over))).toEqual([expect.objectContaining({ kind: 'dropped', reason: 'checksum' })]);
    }
  });
  it('7.1-6 an advert for a VRID we do not run is discarded', () => {
    for (const r of [backup(), master()]) expectDiscarded(r, unchanged(r, () => rx(r, 5000, { vrid: 250, priority: 200 })), 'vrid');
  });
  it('7.1-7 the address owner discards every advert for its VRID, priority 0 included', () => {
    for (const priority of [0, 1, 254, 255]) {
      const r = master({ priority: 255 });
      expectDiscarded(r, unchanged(r, () => rx(r, 500, { priority })), 'owner', 'ownerConflicts');
    }
  });
  it('7.1-9 every discard is reported with a reason and a readable detail, for the log', () => {
    const cases: [() => Action[], DropReason][] = [
      [() => rx(backup(), 1000, {}, PEER, 1), 'ip-ttl'],
      [() => rx(backup(), 1000, { vrid: 9 }), 'vrid'],
      [() => rxRaw(backup(), 1000, { checksum: 1 }), 'checksum'],
      [() => rxRaw(backup(), 1000, { type: 2 }), 'type'],
      [() => receive(backup(), 1000, advert(), ip(PEER)), 'version-mismatch'],
      [() => rx(backup(), 1000, { adverIntervalCs: 0 }), 'interval-mismatch'],
      [() => rx(backup({ addressMismatch: 'drop' }), 1000, { priority: 200, addresses: [ip('10.0.0.1')] }), 'address-list'],
      [() => rx(master({ priority: 255 }), 1000), 'owner'],
    ];
    for (const [act, reason] of cases) {
      const [a] = act();
      expect(a).toMatchObject({ kind: 'dropped', reason, from: PEER });
      expect(a?.kind === 'dropped' && a.detail.length).toBeGreaterThan(10);
    }
  });
  it('7.1-10 each kind of discard moves its own RFC 6527 counter and no other', () => {
    const r = backup({ addressMismatch: 'drop' });
    rx(r, 1000, {}, PEER, 64);
    rxRaw(r, 1001, { type: 2 });
    rxRaw(r, 1002, { count: 2 });
    receive(r, 1003, advert(), ip(PEER));
    rx(r, 1004, { priority: 200, addresses: [ip('10.0.0.1')] });
    expect(r.snapshot().counters).toMatchObject({
      ipTtlErrors: 1, invalidTypePktsRcvd: 1, packetLengthErrors: 1, versionMismatch: 1, addressListErrors: 1,
      advertiseRcvd: 0, ownerConflicts: 0, advertiseIntervalErrors: 0, authFailures: 0,
    });
  });
  it('7.1-11 7.1-12 7.1-13 a differing address list is logged and counted; from a non-owner it is dropped by default (keepalived), processed under the accept policy', () => {
    const drop = backup({ addressMismatch: 'drop' });
    expectDiscarded(drop, unchanged(drop, () => rx(drop, 1000, { priority: 200, addresses: [VIP, ip('192.168.50.101')] })), 'address-list', 'addressListErrors');
    expect(rx(drop, 1100, { priority: 255, addresses: [ip('10.0.0.1')] })).toEqual([expect.objectContaining({ kind: 'notice', code: 'address-list-mismatch' })]);
    const accept = backup({ addressMismatch: 'accept' });
    expect(rx(accept, 1000, { priority: 200, addresses: [ip('10.0.0.1')] })).toEqual([expect.objectContaining({ kind: 'notice', code: 'address-list-mismatch' })]);
    expect(accept.nextDeadline()).toBe(1000 + accept.masterDownIntervalMs);
    expect(accept.snapshot().counters.addressListErrors).toBe(1);
  });
  it('7.1-11 the same addresses in another order are not a mismatch', () => {
    const vips = [ip('192.168.50.100'), ip('192.168.50.101')];
    const r = backup({ vips, addressMismatch: 'drop' });
    expect(rx(r, 1000, { priority: 200, addresses: [...vips].reverse() })).toEqual([]);
    expect(r.snapshot().counters.addressListErrors).toBe(0);
  });
});

describe('RFC 5798 §7.2 transmitting', () => {
  it('7.2-1 the advert is filled in from the virtual router: version 3, VRID, priority, count, Max Adver Int, addresses in order, no authentication', () => {
    const vips = [ip('10.1.1.3'), ip('10.1.1.1'), ip('10.1.1.2')];
    const r = master({ vrid: 42, priority: 123, adverIntervalCs: 4095, vips });
    const [a] = sent(r.step({ kind: 'timeout' }, r.nextDeadline()!));
    expect(a).toEqual({ version: 3, type: 1, vrid: 42, priority: 123, adverIntervalCs: 4095, addresses: vips, auth: undefined });
    r.step({ kind: 'trackers', trackers: [{ name: 'chk_nginx', weight: -20, healthy: false }] }, 1e5);
    expect(sent(r.step({ kind: 'timeout' }, r.nextDeadline()!))[0]?.priority).toBe(103);
  });
});

describe('RFC 5798 §8.1.2 host ARP requests', () => {
  it('8.1.2-4 a new master sends gratuitous ARP for each of its IPv4 addresses', () => {
    const vips = [ip('192.168.50.100'), ip('192.168.50.101'), ip('10.0.0.5')];
    const out = backup({ vips }).step({ kind: 'timeout' }, 1e6);
    expect(out.filter((a) => a.kind === 'garp')).toEqual([{ kind: 'garp', vips }]);
  });
  it('8.1.2-5 the addresses are configured before any gratuitous ARP is sent', () => {
    for (const r of [backup(), new Router(routerConfigV3({ priority: 255 }))]) {
      const out = r.state === 'BACKUP' ? r.step({ kind: 'timeout' }, 1e6) : r.step({ kind: 'startup' }, 0);
      const k = kinds(out);
      expect(k).toContain('addVips');
      expect(k.indexOf('addVips')).toBeLessThan(k.indexOf('garp'));
    }
  });
});

describe('RFC 5798 §8.4 VRRPv2 and VRRPv3', () => {
  it('8.4.2-4 a VRRPv3 backup never acts on VRRPv2 adverts, even from the master it follows', () => {
    const r = backup();
    rx(r, 1000, { priority: 100 });
    const deadline = r.nextDeadline();
    for (let t = 1100; t < 1000 + r.masterDownIntervalMs; t += 500) {
      expect(receive(r, t, advert({ priority: 100 }), ip(PEER))).toEqual([expect.objectContaining({ kind: 'dropped', reason: 'version-mismatch' })]);
    }
    expect(r.nextDeadline()).toBe(deadline);
    expect(r.step({ kind: 'timeout' }, deadline!)[0]).toMatchObject({ to: 'MASTER' });
  });
});
