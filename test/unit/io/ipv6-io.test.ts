/**
 * The IPv6 side of io/ and of the daemon's wiring, without a network: `ip addr` arguments
 * (nodad), the interface's IPv6 addresses and usable link-local address, the source of IPv6
 * adverts, their destinations, and the mux sending each family through its own socket.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { load } from '../config/helpers.js';
import { DUAL_STACK } from '../../helpers/dual-stack.js';
import { advertDestinations, sourceAddress, vipSpecs } from '../../../src/daemon/build.js';
import { parseIpAddrJson, type InterfaceInfo } from '../../../src/io/interface-info.js';
import { ipAddrArgs } from '../../../src/io/ip-addr.js';
import { VrrpInterfaceMux, type PacketPort } from '../../../src/io/vrrp-mux.js';
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
