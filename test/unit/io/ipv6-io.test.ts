/**
 * The IPv6 side of io/ and of the daemon's wiring, without a network: `ip addr` arguments
 * (nodad), the interface's IPv6 addresses and usable link-local address, the source of IPv6
 * adverts, their destinations, the mux sending each family through its own socket, and the
 * IPv6 socket's armed takeover advert (over a fake addon).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { load } from '../config/helpers.js';
import { DUAL_STACK } from '../../helpers/dual-stack.js';
import { advertDestinations, sourceAddress, vipSpecs } from '../../../src/daemon/build.js';
import { parseIpAddrJson, type InterfaceInfo } from '../../../src/io/interface-info.js';
import { ipAddrArgs } from '../../../src/io/ip-addr.js';
import type { ArmedDatagram, Raw6Handle } from '../../../src/io/packet-addon.js';
import { VrrpInterfaceMux, type PacketPort } from '../../../src/io/vrrp-mux.js';
import { VrrpSocket6 } from '../../../src/io/vrrp-socket6.js';
import { zeroInstanceCounters } from '../../../src/protocol/counters.js';
import { ok } from '../../../src/result.js';
import { ipAddress, type Family, type IpAddress } from '../../../src/wire/address.js';

const ifaceJson = (addrInfo: object[]) =>
  JSON.stringify([{ ifindex: 3, ifname: 'eth0', flags: ['UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', address: '02:50:00:00:00:01', addr_info: addrInfo }]);

function info(addrInfo: object[]): InterfaceInfo {
  const r = parseIpAddrJson(ifaceJson(addrInfo), 'eth0');
  if (!r.ok) throw new Error(r.error.detail);
  return r.value;
}

const V4 = { family: 'inet', local: '192.168.10.11', prefixlen: 24, scope: 'global' };
const LL = { family: 'inet6', local: 'fe80::50:ff:fe00:1', prefixlen: 64, scope: 'link' };
const GLOBAL6 = { family: 'inet6', local: 'fd00:10::11', prefixlen: 64, scope: 'global' };

describe('ip addr for IPv6 VIPs', () => {
  it('adds with nodad (no duplicate address detection holding the VIP back), deletes without', () => {
    expect(ipAddrArgs('add', { address: 'fd00:10::100/64', dev: 'eth0' })).toEqual({ ok: true, value: ['addr', 'add', 'fd00:10::100/64', 'dev', 'eth0', 'nodad'] });
    expect(ipAddrArgs('add', { address: 'FE80::100', dev: 'eth0' })).toEqual({ ok: true, value: ['addr', 'add', 'fe80::100/128', 'dev', 'eth0', 'nodad'] });
    expect(ipAddrArgs('del', { address: 'fd00:10::100/64', dev: 'eth0' })).toEqual({ ok: true, value: ['addr', 'del', 'fd00:10::100/64', 'dev', 'eth0'] });
    expect(ipAddrArgs('add', { address: '192.168.10.100/24', dev: 'eth0' })).toEqual({ ok: true, value: ['addr', 'add', '192.168.10.100/24', 'dev', 'eth0'] });
  });

  it('the dual-stack pair: every VIP of both instances, each with its prefix', () => {
    const [v4, v6] = load(DUAL_STACK).config!.instances;
    expect(vipSpecs(v4!).map((v) => v.address)).toEqual(['192.168.10.100/24']);
    expect(vipSpecs(v6!).map((v) => v.address)).toEqual(['fe80::100/64', 'fd00:10::100/64']);
  });
});

describe('the interface as `ip -j addr` shows it', () => {
  it('reads IPv6 addresses; the link-local one is the source only once duplicate address detection is done', () => {
    const tentative = info([V4, { ...LL, tentative: true }, GLOBAL6]);
    expect(tentative.ipv6).toEqual([
      { address: 'fe80::50:ff:fe00:1', prefixLen: 64, scope: 'link', usable: false },
      { address: 'fd00:10::11', prefixLen: 64, scope: 'global', usable: true },
    ]);
    expect(tentative.linkLocal6).toBeUndefined();
    expect(info([V4, LL, GLOBAL6]).linkLocal6).toBe('fe80::50:ff:fe00:1');
    expect(info([V4, { ...LL, dadfailed: true }]).linkLocal6).toBeUndefined();
  });
});

describe('where IPv6 adverts come from and go to', () => {
  const [v4, v6] = load(DUAL_STACK).config!.instances;
  const unicast = load(`vrrp_instance U {\n  interface eth0\n  virtual_router_id 9\n  unicast_src_ip fd00:10::11\n  unicast_peer {\n    fd00:10::12\n  }\n  virtual_ipaddress {\n    fd00:10::100/64\n  }\n}\n`).config!.instances[0]!;

  it('RFC 5798 §5.1.2.1: the link-local address of the interface; the IPv4 twin keeps the primary IPv4', () => {
    const i = info([V4, LL, GLOBAL6]);
    expect(sourceAddress(v6!, i)).toEqual({ ok: true, value: 'fe80::50:ff:fe00:1' });
    expect(sourceAddress(v4!, i)).toEqual({ ok: true, value: '192.168.10.11' });
  });

  it('no usable link-local address yet: the instance waits, saying why', () => {
    expect(sourceAddress(v6!, info([V4, { ...LL, tentative: true }]))).toMatchObject({ ok: false, error: expect.stringContaining('no usable link-local IPv6 address') });
  });

  it('a configured IPv6 source must be on the interface and usable', () => {
    expect(sourceAddress(unicast, info([LL, GLOBAL6]))).toEqual({ ok: true, value: 'fd00:10::11' });
    expect(sourceAddress(unicast, info([LL]))).toMatchObject({ ok: false, error: 'source address fd00:10::11 is not on interface eth0' });
    expect(sourceAddress(unicast, info([LL, { ...GLOBAL6, tentative: true }]))).toMatchObject({ ok: false, error: expect.stringContaining('not usable yet') });
  });

  it('destinations: ff02::12 (or vrrp_mcast_group6), or the unicast peers', () => {
    const g = load(DUAL_STACK).config!.global;
    expect(advertDestinations(v6!, g)).toEqual(['ff02::12']);
    expect(advertDestinations(v4!, g)).toEqual(['224.0.0.18']);
    expect(advertDestinations(v6!, { ...g, vrrpMcastGroup6: ipAddress('ff02::112', 'ipv6') })).toEqual(['ff02::112']);
    expect(advertDestinations(unicast, g)).toEqual(['fd00:10::12']);
  });
});

class FakePort extends EventEmitter implements PacketPort {
  readonly ifname = 'eth0';
  readonly sent: { dst: string; src: string | undefined }[] = [];
  constructor(readonly family: Family) {
    super();
  }
  send(payload: Uint8Array, dst: IpAddress, src?: IpAddress) {
    this.sent.push({ dst, src });
    return ok(payload.length);
  }
}

describe('the mux of a dual-stack interface', () => {
  it('sends each family through its own socket, IPv6 from the registration\'s source', async () => {
    const p4 = new FakePort('ipv4');
    const p6 = new FakePort('ipv6');
    const mux = new VrrpInterfaceMux(p4);
    expect(mux.sends('ipv6')).toBe(false);
    mux.attach(p6);
    expect(mux.sends('ipv6')).toBe(true);
    const spec = (family: Family) => ({ vrid: 251, version: 3 as const, family, counters: zeroInstanceCounters() });
    const r4 = mux.register('VI_4', { spec: spec('ipv4'), onAdvert: () => undefined, destinations: [ipAddress('224.0.0.18')], source: ipAddress('192.168.10.11') });
    const r6 = mux.register('VI_6', { spec: spec('ipv6'), onAdvert: () => undefined, destinations: [ipAddress('ff02::12')], source: ipAddress('fe80::1') });
    if (!r4.ok || !r6.ok) throw new Error('VRID 251 must be free for each family');
    await r4.value.sendTo(new Uint8Array(20), ipAddress('224.0.0.18'));
    await r6.value.sendTo(new Uint8Array(40), ipAddress('ff02::12'));
    expect(p4.sent).toEqual([{ dst: '224.0.0.18', src: '192.168.10.11' }]);
    expect(p6.sent).toEqual([{ dst: 'ff02::12', src: 'fe80::1' }]);
  });

  it('an IPv6 destination with no IPv6 socket is an error result, not a throw', async () => {
    const mux = new VrrpInterfaceMux(new FakePort('ipv4'));
    const r = mux.register('VI_6', { spec: { vrid: 7, version: 3, family: 'ipv6', counters: zeroInstanceCounters() }, onAdvert: () => undefined, destinations: [ipAddress('ff02::12')] });
    if (!r.ok) throw new Error(r.error.detail);
    expect(await r.value.sendTo(new Uint8Array(40), ipAddress('ff02::12'))).toMatchObject({ ok: false, error: { kind: 'closed' } });
  });
});

describe('the armed takeover advert on the IPv6 socket (VrrpSocket6.arm, raw6Armed)', () => {
  const GROUP6 = ipAddress('ff02::12');
  const LL6 = ipAddress('fe80::1');
  /** VrrpSocket6 over a fake addon that records raw6Send and raw6Armed calls (addresses as text). */
  function rig() {
    const sends: { payload: string; dst: string; src: string | null }[] = [];
    const armings: typeof sends = [];
    const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('hex'));
    const addon = {
      raw6Open: () => ({}) as Raw6Handle,
      raw6Send: (_h: Raw6Handle, payload: Uint8Array, dst: Uint8Array, src: Uint8Array | null) => (sends.push({ payload: text(payload)!, dst: text(dst)!, src: text(src) }), payload.length),
      raw6Armed: (_h: Raw6Handle, payload: Uint8Array, dst: Uint8Array, src: Uint8Array | null) => (armings.push({ payload: text(payload)!, dst: text(dst)!, src: text(src) }), { n: armings.length } as unknown as ArmedDatagram),
      raw6Close: () => undefined,
      monotonicMs: () => performance.now(),
    };
    const warnings: string[] = [];
    const sock = new VrrpSocket6(addon, {} as Raw6Handle, 'eth0', 3, { warn: (_o, msg) => warnings.push(msg ?? ''), debug: () => undefined });
    return { sock, sends, armings, warnings };
  }

  it('arms what send would send (payload, destination, source for IPV6_PKTINFO), once per payload and addresses', () => {
    const r = rig();
    const payload = new Uint8Array([0x31, 251, 90, 1, 0, 100, 0, 0]);
    const armed = r.sock.arm(payload, GROUP6, LL6);
    expect(r.armings).toEqual([{ payload: '31fb5a0100640000', dst: 'ff020000000000000000000000000012', src: 'fe800000000000000000000000000001' }]);
    expect(r.sock.arm(payload, GROUP6, LL6)).toBe(armed); // a step that changed nothing: the same copy
    const other = r.sock.arm(payload, GROUP6, ipAddress('fe80::2')); // the source changed: armed again
    expect(other).not.toBe(armed);
    payload[2] = 80; // the bytes changed in place: armed again, never the stale copy
    expect(r.sock.arm(payload, GROUP6, ipAddress('fe80::2'))).not.toBe(other);
    expect(r.armings).toHaveLength(3);
    expect(r.sock.arm(payload, ipAddress('224.0.0.18'))).toBeUndefined(); // not this socket's family
  });

  it('send with the armed copy the timer sent counts it once and sends nothing; any other is a logged bug, sent', () => {
    const r = rig();
    const payload = new Uint8Array([0x31, 251, 90, 1, 0, 100, 0, 0]);
    const armed = r.sock.arm(payload, GROUP6, LL6)!;
    expect(r.sock.send(payload, GROUP6, LL6, armed)).toEqual({ ok: true, value: 8 });
    expect(r.sends).toEqual([]);
    expect(r.sock.counters.sent).toBe(1);
    expect(r.sock.send(payload, GROUP6, ipAddress('fe80::2'), armed)).toEqual({ ok: true, value: 8 });
    expect(r.sends).toHaveLength(1);
    expect(r.warnings).toEqual(['bug: the datagram the timer sent is not the one sent now; sending this one too']);
    expect(r.sock.counters.sent).toBe(2);
  });

  it('through the mux: the registration arms and counts on the IPv6 socket, from its source', () => {
    const r = rig();
    const mux = new VrrpInterfaceMux(r.sock);
    const reg = mux.register('VI_6', { spec: { vrid: 251, version: 3, family: 'ipv6', counters: zeroInstanceCounters() }, onAdvert: () => undefined, destinations: [GROUP6], source: LL6 });
    if (!reg.ok) throw new Error(reg.error.detail);
    const payload = new Uint8Array(8);
    const armed = reg.value.arm(payload, GROUP6)!;
    expect(r.armings.map((a) => a.src)).toEqual(['fe800000000000000000000000000001']);
    expect(reg.value.sendTo(payload, GROUP6, armed)).toEqual({ ok: true, value: 8 });
    expect(r.sends).toEqual([]);
  });

  it('closed: nothing to arm, and send says so', () => {
    const r = rig();
    r.sock.close();
    const payload = new Uint8Array(8);
    expect(r.sock.arm(payload, GROUP6, LL6)).toBeUndefined();
    expect(r.sock.send(payload, GROUP6, LL6)).toMatchObject({ ok: false, error: { kind: 'closed' } });
  });
});
