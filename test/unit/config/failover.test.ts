/** strict mode, the split-brain knobs, use_vmac, virtual_routes / virtual_rules, unicast without interface (validate-failover.ts, validate-routes.ts). */
import { describe, expect, it } from 'vitest';
import { F, instance, load } from './helpers.js';

const inst = (text: string) => {
  const r = load(text, { interfaces: ['eth0', 'eth1', 'lo'] });
  return { r, i: r.config?.instances[0] };
};

describe('vrrp_strict / strict_mode, keepalived\'s rules', () => {
  it("keepalived's packaged keepalived.conf (vrrp_strict + state MASTER 100 + auth PASS): auth dropped, BACKUP, no_accept, each said at its keyword", () => {
    const { r, i } = inst(`global_defs {\n  vrrp_strict\n}\n${instance('  state MASTER\n  priority 100\n  authentication {\n    auth_type PASS\n    auth_pass 1111\n  }')}`);
    expect(r.lines).toEqual([
      `${F}:7:9: warning: (VI_1) State MASTER must match being address owner (strict mode): starts as BACKUP, as keepalived does`,
      `${F}:9:3: warning: (VI_1) Strict mode does not support authentication. Ignoring. (as keepalived: adverts carry auth type 0, so a peer with auth_type PASS drops them)`,
    ]);
    expect(i).toMatchObject({ strictMode: true, state: 'BACKUP', auth: { type: 0 }, acceptMode: false });
    expect(i!.splitBrain).toEqual({ higherPrioSendAdvert: false, lowerPrioNoAdvert: true, garpLowerPrioRepeat: 0, garpLowerPrioDelayMs: 0 });
  });
  it('the address owner keeps accept mode; strict_mode off in the instance overrides vrrp_strict', () => {
    expect(inst(`global_defs {\n  vrrp_strict\n}\n${instance('  priority 255')}`).i).toMatchObject({ strictMode: true, acceptMode: true });
    expect(inst(`global_defs {\n  vrrp_strict\n}\n${instance('  strict_mode off')}`).i).toMatchObject({ strictMode: false, acceptMode: true });
  });
  it('unicast, no VIP: errors (keepalived refuses the instance); preempt_delay, accept under v2, split-brain knobs: reset with a warning', () => {
    const bad = inst('vrrp_instance V {\n  strict_mode\n  interface eth0\n  virtual_router_id 5\n  unicast_peer {\n    10.0.0.2\n  }\n}\n');
    expect(bad.r.config?.instances).toEqual([]); // the instance is disabled, alone
    expect(bad.r.lines.filter((l) => l.includes('error'))).toEqual([
      `${F}:1:15: error: vrrp_instance V has no virtual_ipaddress: a virtual router advertises at least one address`,
      `${F}:2:3: error: (V) Unicast peers are not supported in strict mode (keepalived refuses the instance)`,
    ]);
    const { r, i } = inst(instance('  strict_mode\n  preempt_delay 5\n  accept\n  higher_prio_send_advert\n  garp_lower_prio_repeat 3\n  lower_prio_no_advert off'));
    expect(r.lines).toEqual([
      `${F}:5:17: warning: (VI_1) preempt_delay is incompatible with strict mode - resetting`,
      `${F}:6:3: warning: (VI_1) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting (strict mode)`,
      `${F}:7:3: warning: (VI_1) strict mode requires higher_prio_send_advert to be clear. resetting (strict mode), as keepalived does`,
      `${F}:8:26: warning: (VI_1) Strict mode requires no repeat garps. resetting (strict mode), as keepalived does`,
      `${F}:9:3: warning: (VI_1) Strict mode requires no lower priority advert. resetting (strict mode), as keepalived does`,
    ]);
    expect(i).toMatchObject({ preemptDelayMs: 0, acceptMode: false });
  });
  it('no_accept without strict mode is enforced (not ignored)', () => {
    expect(inst(instance('  no_accept')).i).toMatchObject({ strictMode: false, acceptMode: false });
  });
});

describe('split-brain knobs', () => {
  it('defaults follow vrrp_garp_master_repeat / _delay, as keepalived', () => {
    expect(inst(`global_defs {\n  vrrp_garp_master_repeat 3\n  vrrp_garp_master_delay 7\n}\n${instance('')}`).i!.splitBrain).toEqual({
      higherPrioSendAdvert: false, lowerPrioNoAdvert: false, garpLowerPrioRepeat: 3, garpLowerPrioDelayMs: 7000,
    });
  });
  it('global forms, then the instance forms win', () => {
    const g = 'global_defs {\n  vrrp_higher_prio_send_advert\n  vrrp_lower_prio_no_advert true\n  vrrp_garp_lower_prio_repeat 1\n  vrrp_garp_lower_prio_delay 0\n}\n';
    expect(inst(g + instance('')).i!.splitBrain).toEqual({ higherPrioSendAdvert: true, lowerPrioNoAdvert: true, garpLowerPrioRepeat: 1, garpLowerPrioDelayMs: 0 });
    expect(inst(g + instance('  higher_prio_send_advert no\n  garp_lower_prio_delay 2')).i!.splitBrain).toMatchObject({ higherPrioSendAdvert: false, garpLowerPrioDelayMs: 2000 });
  });
  it('bad values are positioned errors', () => {
    expect(inst(instance('  higher_prio_send_advert maybe\n  garp_lower_prio_repeat -1')).r.lines).toEqual([
      `${F}:4:27: error: 'higher_prio_send_advert' takes on/off/true/false/yes/no, not 'maybe'`,
      `${F}:5:26: error: garp_lower_prio_repeat must be an integer from 0 to 255, not '-1'`,
    ]);
  });
});

describe('use_vmac', () => {
  it("keepalived's name vrrp.<VRID> and MAC 00:00:5e:00:01:<VRID>; vmac_xmit_base", () => {
    expect(inst(instance('  use_vmac\n  vmac_xmit_base')).i!.vmac).toEqual({ ifname: 'vrrp.51', mac: '00:00:5e:00:01:33', xmitBase: true });
    expect(inst(instance('  use_vmac vr51')).i!.vmac).toEqual({ ifname: 'vr51', mac: '00:00:5e:00:01:33', xmitBase: false });
  });
  it('a MAC of its own is refused loudly; vmac_xmit_base alone is ignored with a warning', () => {
    expect(inst(instance('  use_vmac vr51 02:00:00:00:00:01')).r.lines).toEqual([
      `${F}:4:3: info: 'use_vmac' makes the macvlan as keepalived does, but keepalived's nftables rules that send its IGMP reports through the base interface are not set up; a MAC of one's own is refused (a warning); IPv4 only (an IPv6 instance says so as a failover warning)`,
      `${F}:4:17: warning: use_vmac MAC address '02:00:00:00:00:01' is not supported by vrrpd; the virtual router MAC 00:00:5e:00:01:<VRID> is used`,
    ]);
    expect(inst(instance('  vmac_xmit_base')).r.lines).toEqual([`${F}:4:3: warning: (VI_1) vmac_xmit_base is only valid with a vmac; ignored, as keepalived does`]);
  });
});

describe('virtual_routes / virtual_rules', () => {
  it("keepalived's man page examples that vrrpd takes", () => {
    const { r, i } = inst(instance('  virtual_routes {\n    src 192.168.100.1 to 192.168.109.0/24 via 192.168.200.254 dev eth1\n    192.168.111.0/24 dev eth1 metric 5\n    blackhole 192.168.114.0/24\n    0.0.0.0/0 gw 192.168.0.1 table 100\n  }\n  virtual_rules {\n    from 192.168.2.0/24 table 1 preference 100\n    to 10.0.0.0/8 lookup main pref 50 fwmark 0x10/0xff\n  }'));
    expect(r.lines).toEqual([]);
    expect(i!.virtualRoutes.map(({ pos: _p, ...x }) => x)).toEqual([
      { how: 'prepend', src: '192.168.100.1', to: '192.168.109.0/24', via: '192.168.200.254', dev: 'eth1' },
      { how: 'prepend', to: '192.168.111.0/24', dev: 'eth1', metric: 5 },
      { how: 'prepend', type: 'blackhole', to: '192.168.114.0/24' },
      { how: 'prepend', to: '0.0.0.0/0', via: '192.168.0.1', table: '100' },
    ]);
    expect(i!.virtualRules.map(({ pos: _p, ...x }) => x)).toEqual([
      { from: '192.168.2.0/24', table: '1', preference: 100 },
      { to: '10.0.0.0/8', table: 'main', preference: 50, fwmark: '0x10/0xff' },
    ]);
  });
  it('what vrrpd does not take is a positioned error, never dropped', () => {
    expect(inst(instance('  virtual_routes {\n    10.1.0.0/16 via 10.0.0.1 mtu 1400\n    10.2.0.0/16\n    10.3.0.0/16 via 10.0.0.x\n  }\n  virtual_rules {\n    from 10.0.0.0/8\n    from 10.0.0.0/8 table 5 uidrange 1-2\n  }')).r.lines).toEqual([
      `${F}:5:30: error: route option 'mtu' is not supported by vrrpd (it takes [blackhole|unreachable|prohibit|throw] [to] PREFIX, src, via/gw, dev, scope, table, metric, proto, onlink, add/append/prepend)`,
      `${F}:5:34: error: route option '1400' is not supported by vrrpd (it takes [blackhole|unreachable|prohibit|throw] [to] PREFIX, src, via/gw, dev, scope, table, metric, proto, onlink, add/append/prepend)`,
      `${F}:6:5: error: route 10.2.0.0/16 needs 'via ADDRESS' or 'dev INTERFACE' (or a type: blackhole, unreachable, prohibit, throw)`,
      `${F}:7:21: error: via must be an IPv4 address, not '10.0.0.x'`,
      `${F}:10:5: error: a virtual rule needs 'table T' (or blackhole, unreachable, prohibit)`,
      `${F}:11:29: error: rule option 'uidrange' is not supported by vrrpd (it takes not, from, to, iif, oif, fwmark, tos, preference, table or blackhole/unreachable/prohibit)`,
      `${F}:11:38: error: rule option '1-2' is not supported by vrrpd (it takes not, from, to, iif, oif, fwmark, tos, preference, table or blackhole/unreachable/prohibit)`,
    ]);
  });
});

describe('unicast without interface (keepalived allows it with unicast_src_ip)', () => {
  const body = '  unicast_src_ip 10.0.0.1\n  unicast_peer {\n    10.0.0.2\n  }\n  virtual_ipaddress {\n    10.0.0.100/24 dev eth0\n  }';
  it('accepted; every VIP needs its dev', () => {
    const { r, i } = inst(`vrrp_instance V {\n  virtual_router_id 5\n${body}\n}\n`);
    expect(r.lines).toEqual([]);
    expect(i).toMatchObject({ interface: '', unicastSrcIp: '10.0.0.1' });
    const noDev = inst(`vrrp_instance V {\n  virtual_router_id 5\n${body.replace(' dev eth0', '')}\n}\n`);
    expect(noDev.r.lines).toEqual([`${F}:8:5: error: vrrp_instance V has no interface, so virtual address 10.0.0.100 needs 'dev INTERFACE' (keepalived removes it otherwise)`]);
  });
  it('without unicast_src_ip: an error saying what is missing', () => {
    expect(inst(`vrrp_instance V {\n  virtual_router_id 5\n${body.replace('  unicast_src_ip 10.0.0.1\n', '')}\n}\n`).r.lines).toEqual([
      `${F}:1:15: error: vrrp_instance V has no interface: a unicast instance needs unicast_src_ip or interface`,
    ]);
  });
});

describe('IPv6 instances: what vrrpd does for IPv4 only is said, never silent', () => {
  const v6 = (body: string, head = '  interface eth0\n'): string =>
    `vrrp_instance V6 {\n${head}  virtual_router_id 52\n${body}\n  virtual_ipaddress {\n    fd00::100/64\n  }\n}\n`;
  it('no_accept (or strict mode) is a failover warning at its keyword, and the instance runs with accept', () => {
    const { r, i } = inst(v6('  no_accept'));
    expect(r.lines).toContain(`${F}:4:3: warning[failover]: (V6) no_accept is not enforced for an IPv6 instance: vrrpd's nftables table is IPv4 only, so a master accepts traffic to its IPv6 VIPs (keepalived drops it)`);
    expect(i).toMatchObject({ family: 'ipv6', acceptMode: true });
    const strict = inst(v6('  strict_mode'));
    expect(strict.r.lines.some((l) => l.startsWith(`${F}:4:3: warning[failover]: (V6) no_accept is not enforced`))).toBe(true);
  });
  it('use_vmac is a failover warning and no macvlan is made', () => {
    const { r, i } = inst(v6('  use_vmac'));
    expect(r.lines).toContain(`${F}:4:3: warning[failover]: (V6) use_vmac is not supported for an IPv6 instance by vrrpd: no macvlan is made, adverts and neighbour advertisements leave from the interface's own MAC; ignored`);
    expect(i?.vmac).toBeUndefined();
  });
  it('unicast without interface is an error at the instance (keepalived allows it)', () => {
    const { r } = inst(v6('  unicast_src_ip fd00::1\n  unicast_peer {\n    fd00::2\n  }', ''));
    expect(r.lines).toContain(`${F}:1:15: error: vrrp_instance V6 has no interface: vrrpd runs IPv6 unicast only with 'interface' (keepalived allows it without one; vrrpd's IPv6 socket is bound to the interface)`);
    expect(r.config?.instances).toEqual([]);
  });
});
