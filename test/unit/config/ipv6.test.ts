/**
 * IPv6 and dual-stack configurations as keepalived 2.2.7 reads them: the family follows the
 * addresses (first of virtual_ipaddress, unicast_peer, unicast_src_ip / mcast_src_ip,
 * native_ipv6), IPv6 instances speak VRRPv3, the multicast group is vrrp_mcast_group6, an
 * IPv4 and an IPv6 instance may share a VRID on one interface and a sync group. The warnings for
 * what keepalived skips are in validate.test.ts's table.
 */
import { describe, expect, it } from 'vitest';
import { routerConfigOf } from '../../../src/config/to-router.js';
import { ipAddress } from '../../../src/wire/address.js';
import { DUAL_STACK } from '../../helpers/dual-stack.js';
import { F, load } from './helpers.js';

describe('IPv6 instances (keepalived vrrp_data.c / vrrp.c rules)', () => {
  it('the dual-stack pair loads cleanly: VI_4 VRRPv2 over IPv4, VI_6 VRRPv3 over IPv6, one sync group', () => {
    const r = load(DUAL_STACK, { interfaces: ['eth0'] });
    expect(r.lines).toEqual([]);
    const [v4, v6] = r.config!.instances;
    expect(v4).toMatchObject({ name: 'VI_4', family: 'ipv4', version: 2, vrid: 251, syncGroup: 'VG_1', auth: { type: 1, pass: 'op251vip' } });
    expect(v6).toMatchObject({
      name: 'VI_6', family: 'ipv6', version: 3, vrid: 251, syncGroup: 'VG_1', auth: { type: 0 }, adverIntervalCs: 100,
      vips: [{ address: 'fe80::100', prefixLen: 64 }, { address: 'fd00:10::100', prefixLen: 64 }],
    });
    expect(r.config!.syncGroups).toMatchObject([{ name: 'VG_1', members: ['VI_4', 'VI_6'] }]);
    expect(r.config!.global.vrrpMcastGroup6).toBe('ff02::12');
  });

  it('IPv6 text is canonical (RFC 5952) and the default prefix is /128', () => {
    const r = load(`vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n  virtual_ipaddress {\n    FE80:0:0:0:0:0:0:0100\n    fd00:0010::0100/64\n  }\n}\n`);
    expect(r.config!.instances[0]!.vips.map((v) => `${v.address}/${v.prefixLen}`)).toEqual(['fe80::100/128', 'fd00:10::100/64']);
  });

  it('advert_int under VRRPv3: centiseconds, whatever vrrp_version says', () => {
    const r = load(`global_defs {\n  vrrp_version 2\n}\nvrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n  advert_int 0.25\n  virtual_ipaddress {\n    fe80::7/64\n  }\n}\n`);
    expect(r.lines).toEqual([]);
    expect(r.config!.instances[0]).toMatchObject({ version: 3, adverIntervalCs: 25, family: 'ipv6' });
  });

  it('IPv6 unicast: peers, unicast_src_ip; the peers decide the family before the addresses', () => {
    const text = `vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n  unicast_src_ip fd00::1\n  unicast_peer {\n    fd00::2\n    FD00::3\n  }\n  virtual_ipaddress {\n    fd00::100/64\n  }\n}\n`;
    const r = load(text);
    expect(r.lines).toEqual([]); // unicast: no "first VIP should be link local"
    expect(r.config!.instances[0]).toMatchObject({ family: 'ipv6', version: 3, unicastSrcIp: 'fd00::1', unicastPeers: ['fd00::2', 'fd00::3'] });
  });

  it('native_ipv6 alone makes an IPv6 instance (deprecated in keepalived: the addresses decide)', () => {
    const r = load(`vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n  native_ipv6\n  virtual_ipaddress {\n    fe80::7/64\n  }\n}\n`);
    expect(r.lines).toEqual([]);
    expect(r.config!.instances[0]).toMatchObject({ family: 'ipv6', version: 3 });
  });

  it('virtual_ipaddress_excluded holds either family and decides nothing', () => {
    const text = `vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n  virtual_ipaddress_excluded {\n    fd00::9/64\n    10.9.0.1/16\n  }\n  virtual_ipaddress {\n    10.0.0.1/24\n  }\n}\n`;
    const r = load(text);
    expect(r.lines).toEqual([]);
    expect(r.config!.instances[0]).toMatchObject({ family: 'ipv4', version: 2, vipsExcluded: [{ address: 'fd00::9' }, { address: '10.9.0.1' }] });
  });

  it('vrrp_mcast_group6 sets the IPv6 group', () => {
    const r = load(`global_defs {\n  vrrp_mcast_group6 ff02::112\n}\nvrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n  virtual_ipaddress {\n    fe80::7/64\n  }\n}\n`);
    expect(r.lines).toEqual([]);
    expect(r.config!.global.vrrpMcastGroup6).toBe('ff02::112');
  });

  it('an instance with no address at all is refused for that alone, no family message (keepalived: "Default to IPv4")', () => {
    const r = load(`vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n}\n`);
    expect(r.config?.instances).toEqual([]); // the broken section is disabled alone
    expect(r.lines).toEqual([`${F}:1:15: error: vrrp_instance V has no virtual_ipaddress: a virtual router advertises at least one address`]);
  });

  it('the router of an IPv6 instance: VRRPv3, IPv6, its VIPs, no authentication, the given source', () => {
    const v6 = load(DUAL_STACK).config!.instances[1]!;
    const cfg = routerConfigOf(v6, ipAddress('fe80::1', 'ipv6'));
    expect(cfg).toMatchObject({ version: 3, family: 'ipv6', vips: ['fe80::100', 'fd00:10::100'], auth: undefined, primaryIp: 'fe80::1', adverIntervalCs: 100 });
  });
});
