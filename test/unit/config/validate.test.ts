import { describe, expect, it } from 'vitest';
import { classOf } from '../../../src/config/index.js';
import { CASES } from './cases.js';
import { F, instance, load } from './helpers.js';

/** Every error path: the exact diagnostics, positions included (interfaces eth0 and eth1 exist). */
const EXPECTED: Record<string, string[]> = {
  "script unterminated quote": [
    `${F}:1:13: info: vrrp_script s is not tracked by any vrrp_instance, so it never runs`,
    `${F}:2:10: error: missing closing ' in: /bin/echo 'x`,
  ],
  "check_tcp keyword": [
    `${F}:1:13: info: vrrp_script s is not tracked by any vrrp_instance, so it never runs`,
    `${F}:2:13: info: 'check_tcp 127.0.0.1:7443' is a vrrpd extension (a TCP connect check); keepalived would try to run a program named 'check_tcp'`,
  ],
  "check_tcp and script": [
    `${F}:1:13: info: vrrp_script s is not tracked by any vrrp_instance, so it never runs`,
    `${F}:3:3: error: vrrp_script s already has a check at 2:10; use either 'script' or 'check_tcp'`,
  ],
  "vrid out of range": [
    `${F}:3:21: error: virtual_router_id must be an integer from 1 to 255, not '256'`,
  ],
  "vrid zero": [
    `${F}:3:21: error: virtual_router_id must be an integer from 1 to 255, not '0'`,
  ],
  "vrid not a number": [
    `${F}:3:21: error: virtual_router_id must be an integer from 1 to 255, not 'abc'`,
  ],
  "vrid missing": [
    `${F}:1:15: error: vrrp_instance VI_1 has no virtual_router_id (1..255)`,
  ],
  "interface missing": [
    `${F}:1:15: error: vrrp_instance VI_1 has no interface`,
  ],
  "priority out of range": [
    `${F}:4:12: error: priority must be an integer from 1 to 255, not '256'`,
  ],
  "priority missing value": [
    `${F}:4:3: error: 'priority' needs a value`,
  ],
  "priority with a block": [
    `${F}:4:14: error: 'priority' does not take a { } block`,
  ],
  "priority set twice": [
    `${F}:5:3: warning: 'priority' is set again (first at line 4); the last value wins`,
  ],
  "state MASTER without priority": [
    `${F}:4:9: info: vrrp_instance VI_1: no priority with state MASTER, so priority 255 (address owner), as keepalived does`,
  ],
  "priority 255 makes MASTER": [
  ],
  "nopreempt with state MASTER": [
    `${F}:6:3: warning: vrrp_instance VI_1: nopreempt will not work with state MASTER (use state BACKUP on every node)`,
  ],
  "nopreempt with priority 255": [
    `${F}:5:3: warning: vrrp_instance VI_1: nopreempt is incompatible with priority 255 (address owner); nopreempt reset`,
  ],
  "preempt_delay with nopreempt": [
    `${F}:5:17: warning: vrrp_instance VI_1: preempt_delay is incompatible with nopreempt; preempt_delay reset`,
  ],
  "preempt_delay out of range": [
    `${F}:4:17: error: preempt_delay must be a number of seconds from 0 to 1000, not '1001'`,
  ],
  "unknown state": [
    `${F}:4:9: warning: unknown state 'SLAVE' (expected MASTER or BACKUP); using BACKUP as keepalived does`,
  ],
  "advert_int fractional": [
    `${F}:4:14: warning: vrrp_instance VI_1: VRRPv2 advert_int 1.5 s is not a whole number of seconds (VRRPv2 carries whole seconds): rounded to 2 s, as keepalived does`,
  ],
  "advert_int zero": [
    `${F}:4:14: error: advert_int must be a number of seconds from 0.01 to 255, not '0'`,
  ],
  "advert_int too big": [
    `${F}:4:14: error: advert_int must be a number of seconds from 0.01 to 255, not '256'`,
  ],
  "auth_pass truncated": [
    `${F}:6:15: warning: auth_pass is longer than 8 characters: truncated to '12345678' (as keepalived does)`,
  ],
  "auth AH": [
    `${F}:5:15: error: auth_type AH (IPsec AH, RFC 2338) is not supported: RFC 3768 removed it from VRRPv2; use auth_type PASS or no authentication`,
  ],
  "auth unknown type": [
    `${F}:5:15: error: auth_type must be PASS or AH, not 'MD5'`,
  ],
  "auth PASS without password": [
    `${F}:5:15: warning: vrrp_instance VI_1: auth_type PASS without auth_pass; no authentication used (as keepalived)`,
  ],
  "auth password without type": [
    `${F}:5:15: warning: vrrp_instance VI_1: auth_pass without auth_type PASS; no authentication used`,
  ],
  "auth unknown keyword": [
    `${F}:5:5: warning: unknown keyword 'auth_typ' in authentication (did you mean 'auth_type'?)`,
  ],
  "authentication without block": [
    `${F}:4:3: error: 'authentication' needs a { } block`,
  ],
  "vip not an address": [
    `${F}:5:5: error: '10.0.0.300' is not an IP address (optionally with /prefix)`,
  ],
  "vip bad prefix": [
    `${F}:5:5: error: prefix length of '10.0.0.2/33' must be 0..32`,
  ],
  "vip ipv6": [
    `${F}:8:5: warning: vrrp_instance VI_1 is IPv6 (decided by virtual_ipaddress 'fe80::1/64' at line 5): IPv4 virtual_ipaddress '10.0.0.1' ignored, as keepalived does (one virtual router carries one family, RFC 5798 §5.2.9)`,
  ],
  "vip excluded ipv6": [
  ],
  "ipv6 first vip not link local": [
    `${F}:5:5: warning: vrrp_instance VI_1: the first IPv6 VIP address should be link local (RFC 5798 §5.2.9: the first address is the virtual router's link-local address); 'fd00::1' is not. keepalived logs the same and runs`,
    `${F}:8:5: warning: vrrp_instance VI_1 is IPv6 (decided by virtual_ipaddress 'fd00::1/64' at line 5): IPv4 virtual_ipaddress '10.0.0.1' ignored, as keepalived does (one virtual router carries one family, RFC 5798 §5.2.9)`,
  ],
  "ipv6 unicast, first vip global": [
    `${F}:11:5: warning: vrrp_instance VI_1 is IPv6 (decided by unicast_peer 'fd00::2' at line 5): IPv4 virtual_ipaddress '10.0.0.1' ignored, as keepalived does (one virtual router carries one family, RFC 5798 §5.2.9)`,
  ],
  "ipv6 with version 2": [
    `${F}:4:11: warning: vrrp_instance VI_1 is IPv6 and VRRP version 2 is IPv4 only (RFC 3768): version 3 used, as keepalived does in strict mode`,
    `${F}:9:5: warning: vrrp_instance VI_1 is IPv6 (decided by virtual_ipaddress 'fe80::1/64' at line 6): IPv4 virtual_ipaddress '10.0.0.1' ignored, as keepalived does (one virtual router carries one family, RFC 5798 §5.2.9)`,
  ],
  "ipv6 peer in ipv4 instance": [
    `${F}:6:5: warning: vrrp_instance VI_1 is IPv4 (decided by unicast_src_ip '10.0.0.5' at line 4): IPv6 unicast_peer 'fd00::2' ignored, as keepalived does (one virtual router carries one family, RFC 5798 §5.2.9)`,
  ],
  "ipv6 src in ipv4 instance": [
    `${F}:7:16: warning: vrrp_instance VI_1 is IPv4 (decided by virtual_ipaddress '10.0.0.2' at line 5): IPv6 mcast_src_ip 'fe80::5' ignored, as keepalived does (one virtual router carries one family, RFC 5798 §5.2.9)`,
  ],
  "native_ipv6 with ipv4": [
    `${F}:7:3: warning: vrrp_instance VI_1 has IPv4 addresses: native_ipv6 ignored, as keepalived does`,
  ],
  "native_ipv6 then ipv4 vip": [
    `${F}:1:15: error: vrrp_instance VI_1 has no virtual_ipaddress: a virtual router advertises at least one address`,
    `${F}:6:5: warning: vrrp_instance VI_1 is IPv6 (decided by native_ipv6 at line 4): IPv4 virtual_ipaddress '10.0.0.1' ignored, as keepalived does (one virtual router carries one family, RFC 5798 §5.2.9)`,
  ],
  "ipv6 vip options": [
    `${F}:5:20: error: brd applies to IPv4 addresses only; 'fd00::9' is IPv6 (keepalived skips this address)`,
    `${F}:6:22: warning: 'label' applies to IPv4 addresses only (the kernel ignores it for IPv6 'fd00::8'); ignored`,
    `${F}:6:35: warning: 'scope' applies to IPv4 addresses only (the kernel ignores it for IPv6 'fd00::8'); ignored`,
  ],
  "same vrid, ipv4 and ipv6": [
  ],
  "vrrp_mcast_group6": [
    `${F}:2:21: error: vrrp_mcast_group6 must be an IPv6 multicast address (ff00::/8), not 'fd00::12'`,
    `${F}:3:3: warning: 'vrrp_mcast_group6' is set again (first at line 2); the last value wins`,
    `${F}:3:21: warning: vrrp_mcast_group6 ff05::12 should be link-local multicast (ffX2::/16), as keepalived warns: VRRP stays on the link (RFC 5798 §5.1.2.2)`,
    `${F}:4:3: warning: 'vrrp_mcast_group6' is set again (first at line 2); the last value wins`,
    `${F}:4:21: error: vrrp_mcast_group6 must be an IPv6 multicast address (ff00::/8), not '224.0.0.18'`,
  ],
  "vip unknown option": [
    `${F}:5:14: error: unknown address option 'foo' (expected brd, dev, scope or label)`,
    `${F}:5:18: error: unknown address option 'bar' (expected brd, dev, scope or label)`,
  ],
  "vip option without value": [
    `${F}:5:14: error: address option 'dev' needs a value`,
  ],
  "vip bad brd and scope": [
    `${F}:5:21: error: brd must be an IPv4 address, '+' or '-', not 'x'`,
    `${F}:5:29: error: scope must be global, site, link, host, nowhere or a number 0..255, not 'galaxy'`,
  ],
  "vip ignored options": [
    `${F}:5:14: warning: address option 'no_track' is not supported by vrrpd; ignored`,
    `${F}:5:23: warning: address option 'preferred_lft' is not supported by vrrpd; ignored`,
  ],
  "no vip": [
    `${F}:1:15: error: vrrp_instance V has no virtual_ipaddress: a virtual router advertises at least one address`,
  ],
  "track_script unknown name": [
    `${F}:1:13: info: vrrp_script chk_nginx is not tracked by any vrrp_instance, so it never runs`,
    `${F}:8:5: warning: vrrp_instance VI_1: track_script 'chk_ngnix' names no vrrp_script; ignored (did you mean 'chk_nginx'?)`,
  ],
  "track_script bad weight": [
    `${F}:8:14: error: weight must be an integer from -253 to 253, not '300'`,
    `${F}:9:7: error: expected 'weight N' after 's', not 'wait'`,
    `${F}:10:7: error: 'weight' needs a value`,
    `${F}:11:16: error: expected 'reverse' or 'noreverse', not 'sideways'`,
  ],
  "owner ignores weighted script": [
    `${F}:10:5: warning: vrrp_instance VI_1: tracked script 's' has a weight but priority 255 (address owner) never changes; ignored`,
  ],
  "track_interface missing here": [
    `${F}:5:5: warning: tracked interface 'eth9' does not exist on this machine; it counts as down until it appears`,
  ],
  "duplicate vrid on interface": [
    `${F}:11:21: error: vrrp_instance VI_2 and vrrp_instance VI_1 (${F}:1) both use VRID 51 for IPv4 on interface eth0`,
  ],
  "same vrid, other interface": [
  ],
  "same vrid, unicast disjoint peers": [
  ],
  "duplicate instance name": [
    `${F}:9:15: error: vrrp_instance VI_1 is already defined at ${F}:1`,
  ],
  "instance without name": [
    `${F}:1:1: error: vrrp_instance needs a name`,
  ],
  "instance without block": [
    `${F}:1:1: error: 'vrrp_instance' needs a { } block`,
  ],
  "unicast and mcast addresses": [
    `${F}:5:16: error: mcast_src_ip must be an IP address, not '10.0.0.x'`,
    `${F}:7:14: warning[failover]: 'min_ttl' is not supported by vrrpd: adverts from this peer are accepted whatever their TTL; ignored`,
    `${F}:8:5: error: unicast_peer must be an IP address, not 'nope'`,
  ],
  "unknown instance keyword": [
    `${F}:4:3: warning: unknown keyword 'priorty' in vrrp_instance VI_1 (did you mean 'priority'?)`,
  ],
  "unsupported instance keyword": [
    `${F}:4:3: warning[failover]: 'use_ipvlan' is not supported by vrrpd: the virtual addresses stay on the interface, not on an ipvlan interface; ignored`,
    `${F}:5:3: warning[failover]: 'down_timer_adverts' is not supported by vrrpd: the master down timer is the RFC's 3 advert intervals plus the skew time; ignored`,
  ],
  "instance version 3": [
  ],
  "no_accept": [
    `${F}:5:3: info: 'no_accept' is enforced by an nftables drop rule, as keepalived does, but in a table of vrrpd's own, 'ip vrrpd' (keepalived's: 'ip keepalived'); without nft the instance waits in FAULT; IPv4 only (an IPv6 instance says so as a failover warning)`,
  ],
  "old_unicast_checksum": [
  ],
  "old_unicast_checksum never": [
  ],
  "old_unicast_checksum unknown mode": [
    `${F}:8:24: warning: unknown old_unicast_checksum mode 'sometimes' (expected nothing or 'never'); ignored, as keepalived does`,
  ],
  "old_unicast_checksum without effect": [
    `${F}:4:3: warning: vrrp_instance VI_1: old_unicast_checksum has no effect: VRRPv2 checksums have no pseudo-header`,
    `${F}:13:3: warning: vrrp_instance VI_2: old_unicast_checksum has no effect: it only changes the checksum of unicast adverts (no unicast_peer here)`,
  ],
  "notify with user": [
    `${F}:5:3: error: 'notify_fault' needs a script`,
  ],
  "notify user, group and too much": [
    `${F}:4:46: warning: extra argument 'extra' after 'notify_backup' ignored`,
    `${F}:5:10: error: missing closing ' in: /bin/n.sh 'a`,
  ],
  "script that needs a shell": [
    `${F}:1:13: info: vrrp_script s is not tracked by any vrrp_instance, so it never runs`,
    `${F}:2:10: warning: '&&' looks like a command separator, but the program receives it as a plain argument; vrrpd runs scripts without a shell, as keepalived does: to run a shell line, write script "/bin/sh -c 'test -e /run/ok && exit 0'"`,
  ],
  "notify that needs a shell": [
    `${F}:4:17: warning: '>' looks like a redirection, but the program receives it as a plain argument; vrrpd runs scripts without a shell, as keepalived does: to run a shell line, write notify_master "/bin/sh -c '/bin/echo master > /tmp/state'"`,
    `${F}:9:17: warning: vrrp_sync_group G has only one member; a sync group needs two or more to mean anything`,
    `${F}:13:16: warning: '</dev/tcp/127.0.0.1/80' looks like a redirection, but the program receives it as a plain argument; vrrpd runs scripts without a shell, as keepalived does: to run a shell line, write notify_fault "/bin/sh -c '</dev/tcp/127.0.0.1/80'"`,
  ],
  "smtp_alert": [
    `${F}:4:3: info: 'smtp_alert' is accepted and ignored: vrrpd sends no e-mail`,
  ],
  "extra argument": [
    `${F}:4:3: warning: 'interface' is set again (first at line 2); the last value wins`,
    `${F}:4:18: warning: extra argument 'eth1' after 'interface' ignored`,
  ],
  "global vrrp_version 3": [
  ],
  "global vrrp_version 4": [
    `${F}:2:16: error: vrrp_version must be an integer from 2 to 3, not '4'`,
  ],
  "global mail keys": [
    `${F}:2:3: info: 'notification_email' accepted and ignored: vrrpd sends no e-mail`,
    `${F}:5:3: info: 'smtp_server' accepted and ignored: vrrpd sends no e-mail`,
    `${F}:6:3: info: 'smtp_connect_timeout' accepted and ignored: vrrpd sends no e-mail`,
  ],
  "global unknown and unsupported": [
    `${F}:2:3: warning: unknown keyword 'router_ld' in global_defs (did you mean 'router_id'?)`,
    `${F}:3:3: warning[failover]: 'vrrp_skip_check_adv_addr' is not supported by vrrpd: adverts whose address list differs from ours are still dropped; ignored`,
    `${F}:4:3: warning: 'lvs_flush' is not supported by vrrpd: keepalived's LVS (IPVS) side is not part of vrrpd; keep keepalived's checker for it; ignored`,
  ],
  "global bad values": [
    `${F}:2:21: error: vrrp_mcast_group4 must be an IPv4 multicast address (224.0.0.0/4), not '10.0.0.1'`,
    `${F}:3:27: error: vrrp_garp_master_repeat must be an integer from 1 to 255, not '0'`,
    `${F}:4:22: error: vrrp_garp_interval must be a number of seconds from 0 to 1, not '2'`,
    `${F}:5:22: error: vrrp_startup_delay must be a number of seconds from 0 to 3600, not '-1'`,
    `${F}:6:3: error: 'script_user' needs a user name`,
  ],
  "script without script": [
    `${F}:1:13: error: vrrp_script s has no 'script' (or vrrpd's 'check_tcp')`,
    `${F}:1:13: info: vrrp_script s is not tracked by any vrrp_instance, so it never runs`,
  ],
  "script bad values": [
    `${F}:1:13: info: vrrp_script s is not tracked by any vrrp_instance, so it never runs`,
    `${F}:3:12: info: a fractional interval is a keepalived 2.3.2 feature: keepalived 2.2.7 ignores this line and uses 1 s`,
    `${F}:4:11: error: timeout must be a number of seconds from 0.001 to 4294, not '0'`,
    `${F}:5:10: error: weight must be an integer from -253 to 253, not '254'`,
    `${F}:6:8: error: rise must be an integer from 1 to 1000000, not '0'`,
    `${F}:7:8: error: fall must be an integer from 1 to 1000000, not 'x'`,
    `${F}:8:3: warning: 'weight' is set again (first at line 5); the last value wins`,
    `${F}:8:12: error: expected 'reverse' after the weight, not 'sideways'`,
    `${F}:9:3: warning: unknown keyword 'nonsense' in vrrp_script s`,
  ],
  "script duplicate": [
    `${F}:1:13: info: vrrp_script s is not tracked by any vrrp_instance, so it never runs`,
    `${F}:4:13: error: vrrp_script s is already defined at ${F}:1`,
  ],
  "script unused": [
    `${F}:1:13: info: vrrp_script s is not tracked by any vrrp_instance, so it never runs`,
  ],
  "check_tcp bad": [
    `${F}:1:13: info: vrrp_script s is not tracked by any vrrp_instance, so it never runs`,
    `${F}:2:10: error: check_tcp needs one HOST:PORT argument (port 1..65535), e.g. 'check_tcp 127.0.0.1:7443', not 'check_tcp localhost'`,
  ],
  "check_tcp port range": [
    `${F}:1:13: info: vrrp_script s is not tracked by any vrrp_instance, so it never runs`,
    `${F}:2:10: error: check_tcp needs one HOST:PORT argument (port 1..65535), e.g. 'check_tcp 127.0.0.1:7443', not 'check_tcp 127.0.0.1:70000'`,
  ],
  "sync group problems": [
    `${F}:17:17: warning: vrrp_sync_group G has only one member; a sync group needs two or more to mean anything`,
    `${F}:20:5: warning: vrrp_sync_group G: no vrrp_instance 'VI_3'; ignored (did you mean 'VI_1'?)`,
    `${F}:23:17: warning: vrrp_sync_group H has only one member; a sync group needs two or more to mean anything`,
    `${F}:25:5: error: vrrp_instance VI_1 is already in vrrp_sync_group G; an instance can be in one group only`,
    `${F}:29:17: error: vrrp_sync_group E has no 'group { ... }'`,
  ],
  "unimplemented sections once each": [
    `${F}:1:1: warning: 'virtual_server' is not supported by vrrpd: keepalived's LVS (IPVS) side is not part of vrrpd; keep keepalived's checker for it; ignored (2 blocks)`,
    `${F}:7:1: warning[failover]: 'static_ipaddress' is not supported by vrrpd: these addresses are not added; configure them with the system (ifupdown, systemd-networkd, netplan); ignored`,
  ],
  "unknown top-level keyword": [
    `${F}:1:1: warning: unknown keyword 'vrrp_instanse' at top level (did you mean 'vrrp_instance'?)`,
  ],
};

describe('diagnostics, one case per rule', () => {
  it('every case has an expectation', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(CASES).sort());
  });
  for (const [name, text] of Object.entries(CASES)) {
    it(name, () => {
      const r = load(text, { interfaces: ['eth0', 'eth1'] });
      expect(r.lines).toEqual(EXPECTED[name]);
      // The config is refused exactly when an error stops the file; a section is left out exactly when one of its own errors disables it.
      expect(r.config === undefined).toBe(r.diagnostics.some((d) => classOf(d) === 'fatal'));
      const disabled = new Set(r.diagnostics.filter((d) => classOf(d) === 'disabled').map((d) => `${d.disables?.section} ${d.disables?.name}`));
      expect(new Set(r.disabled.map((d) => `${d.section} ${d.name}`))).toEqual(r.config === undefined ? new Set() : disabled);
    });
  }
});

describe('normalised values', () => {
  it('state MASTER without priority is the address owner (255), as keepalived vrrp.c does', () => {
    expect(load(CASES['state MASTER without priority']!).config!.instances[0]).toMatchObject({ state: 'MASTER', priority: 255, priorityExplicit: false });
  });
  it('no state, no priority: BACKUP 100; priority 255 alone starts as MASTER', () => {
    expect(load(instance('')).config!.instances[0]).toMatchObject({ state: 'BACKUP', priority: 100 });
    expect(load(CASES['priority 255 makes MASTER']!).config!.instances[0]).toMatchObject({ state: 'MASTER', priority: 255 });
  });
  it('nopreempt with priority 255 is reset; preempt_delay with nopreempt is reset', () => {
    expect(load(CASES['nopreempt with priority 255']!).config!.instances[0]).toMatchObject({ nopreempt: false });
    expect(load(CASES['preempt_delay with nopreempt']!).config!.instances[0]).toMatchObject({ nopreempt: true, preemptDelayMs: 0 });
  });
  it('advert_int rounds half up to whole seconds; auth_pass keeps 8 characters', () => {
    expect(load(CASES['advert_int fractional']!).config!.instances[0]!.adverIntervalCs).toBe(200);
    expect(load(CASES['auth_pass truncated']!).config!.instances[0]!.auth).toEqual({ type: 1, pass: '12345678' });
    expect(load(CASES['auth PASS without password']!).config!.instances[0]!.auth).toEqual({ type: 0 });
  });
  it("old_unicast_checksum: 'always' without an argument, 'never' with one, 'auto' by default or after an unknown mode", () => {
    const mode = (name: string) => load(CASES[name]!).config!.instances[0]!.oldUnicastChecksum;
    expect(mode('old_unicast_checksum')).toBe('always');
    expect(mode('old_unicast_checksum never')).toBe('never');
    expect(mode('old_unicast_checksum unknown mode')).toBe('auto');
    expect(mode('instance version 3')).toBe('auto');
  });
  it('unknown state falls back to BACKUP; unsupported and unknown keywords do not stop the VRRP part', () => {
    expect(load(CASES['unknown state']!).config!.instances[0]!.state).toBe('BACKUP');
    expect(load(CASES['unimplemented sections once each']!).config!.instances).toHaveLength(1);
  });
  it('same VRID on different interfaces, or unicast with disjoint peers, is fine', () => {
    expect(load(CASES['same vrid, other interface']!).config!.instances).toHaveLength(2);
    expect(load(CASES['same vrid, unicast disjoint peers']!).config!.instances.map((i) => i.unicastPeers)).toEqual([['10.0.0.8'], ['10.0.0.9']]);
  });
  it('track_script weight override, reverse, excluded VIPs, notify scripts and every VIP option', () => {
    const text = `vrrp_script s {\n  script "killall -0 nginx"\n  weight -5 reverse\n  user nobody nogroup\n  init_fail\n}\n${instance(
      '  track_script {\n    s weight 7 noreverse\n  }\n  track_interface {\n    eth1 weight -3 reverse\n  }\n' +
        '  virtual_ipaddress_excluded {\n    10.9.0.1/16 brd 10.9.255.255 dev eth1 scope link label eth1:9\n  }\n' +
        '  notify_master /m.sh\n  notify_backup /b.sh root\n  notify_fault "/f.sh x" nobody nogroup\n  notify_stop /s.sh\n  notify /n.sh\n' +
        '  unicast_src_ip 10.0.0.5\n  unicast_peer {\n    10.0.0.6\n  }\n  mcast_src_ip 10.0.0.5\n  dont_track_primary\n' +
        '  garp_master_delay 2\n  garp_master_repeat 3\n  garp_master_refresh 60\n  garp_master_refresh_repeat 2\n  preempt_delay 4.5\n  advert_int 3',
    )}`;
    const r = load(text, { interfaces: ['eth0', 'eth1'] });
    // Accepted, and said where vrrpd fails over differently (keywords.ts): nothing else.
    expect(r.lines).toEqual([
      `${F}:29:3: warning[failover]: 'dont_track_primary' is ignored: the instance still goes to FAULT when its interface goes down`,
    ]);
    const cfg = r.config!;
    expect(cfg.scripts[0]).toMatchObject({ weight: -5, reverse: true, user: { user: 'nobody', group: 'nogroup' }, initFail: true, intervalMs: 1000, timeoutMs: 1000 });
    expect(cfg.instances[0]).toMatchObject({
      trackScripts: [{ name: 's', weight: 7, reverse: false }],
      trackInterfaces: [{ name: 'eth1', weight: -3, reverse: true }],
      vipsExcluded: [{ address: '10.9.0.1', prefixLen: 16, brd: '10.9.255.255', dev: 'eth1', scope: 'link', label: 'eth1:9' }],
      notifyMaster: { command: '/m.sh', argv: ['/m.sh'] }, notifyBackup: { command: '/b.sh', user: { user: 'root' } },
      notifyFault: { command: '/f.sh x', argv: ['/f.sh', 'x'], user: { user: 'nobody', group: 'nogroup' } },
      notifyStop: { command: '/s.sh' }, notify: { command: '/n.sh' },
      unicastSrcIp: '10.0.0.5', unicastPeers: ['10.0.0.6'], mcastSrcIp: '10.0.0.5', dontTrackPrimary: true,
      garp: { masterDelayMs: 2000, masterRepeat: 3, masterRefreshMs: 60000, masterRefreshRepeat: 2 },
      preemptDelayMs: 4500, adverIntervalCs: 300, version: 2, family: 'ipv4', acceptMode: true,
    });
  });
  it('every global_defs keyword', () => {
    const text = 'global_defs {\n router_id r1\n vrrp_mcast_group4 224.0.0.19\n vrrp_garp_master_delay 10\n vrrp_garp_master_repeat 2\n' +
      ' vrrp_garp_master_refresh 30\n vrrp_garp_master_refresh_repeat 3\n vrrp_garp_interval 0.001\n script_user keepalived_script\n' +
      ' enable_script_security\n vrrp_version 2\n vrrp_startup_delay 5.5\n}\n' + instance('');
    const r = load(text);
    expect(r.lines).toEqual([]);
    expect(r.config!.global).toEqual({
      routerId: 'r1', vrrpMcastGroup4: '224.0.0.19', vrrpMcastGroup6: 'ff02::12', garpMasterDelayMs: 10000, garpMasterRepeat: 2, garpMasterRefreshMs: 30000,
      garpMasterRefreshRepeat: 3, garpIntervalMs: 1, scriptUser: { user: 'keepalived_script' }, enableScriptSecurity: true,
      vrrpVersion: 2, vrrpStartupDelayMs: 5500, vrrpStrict: false, higherPrioSendAdvert: false, lowerPrioNoAdvert: false, vrrpNotifyPriorityChanges: false,
      fifoWriteStatesOnReload: false,
    });
    expect(r.config!.instances[0]!.garp).toEqual({ masterDelayMs: 10000, masterRepeat: 2, masterRefreshMs: 30000, masterRefreshRepeat: 3 });
  });
});

describe('what an error stops (config/validate.ts): one section, or the whole file', () => {
  const two = (broken: string): string => instance('') + instance(broken, 'VI_2').replace('virtual_router_id 51', 'virtual_router_id 52');
  const running = (r: ReturnType<typeof load>): string[] => r.config?.instances.map((i) => i.name) ?? [];

  it('an error inside one vrrp_instance disables it alone, positioned, and the other runs', () => {
    const r = load(two('  advert_int 0'), { interfaces: ['eth0'] });
    expect(running(r)).toEqual(['VI_1']);
    expect(r.disabled).toEqual([{ section: 'vrrp_instance', name: 'VI_2', pos: { file: F, line: 9, col: 15 } }]);
    expect(r.diagnostics).toMatchObject([{ severity: 'error', line: 12, col: 14, disables: { section: 'vrrp_instance', name: 'VI_2' } }]);
  });

  it('an instance tracking a disabled vrrp_script runs without it (a failover warning, as keepalived drops or defaults it)', () => {
    const r = load(`vrrp_script s {\n  interval 2\n}\n${instance('  track_script {\n    s\n  }')}`, { interfaces: ['eth0'] });
    expect(running(r)).toEqual(['VI_1']);
    expect(r.config?.instances[0]?.trackScripts).toEqual([]);
    expect(r.disabled.map((d) => `${d.section} ${d.name}`)).toEqual(['vrrp_script s']);
    expect(r.lines).toContain(`${F}:8:5: warning[failover]: vrrp_instance VI_1: vrrp_script s is disabled by its errors; this instance runs without it`);
  });

  it('a sync group runs without a disabled member; a disabled sync group leaves its members to run alone', () => {
    const group = (name: string, body: string): string => `vrrp_sync_group ${name} {\n${body}}\n`;
    const a = load(`${two('  priority 0')}${group('G', '  group {\n    VI_1\n    VI_2\n  }\n')}`, { interfaces: ['eth0'] });
    expect(running(a)).toEqual(['VI_1']);
    expect(a.config?.syncGroups.map((g) => g.members)).toEqual([['VI_1']]);
    expect(a.lines).toContain(`${F}:20:5: warning[failover]: vrrp_sync_group G: vrrp_instance VI_2 is disabled by its errors; the group runs without it`);
    const b = load(`${two('')}${group('G', '  group {\n    VI_1\n    VI_2\n  }\n  notify_master\n')}`, { interfaces: ['eth0'] });
    expect(running(b)).toEqual(['VI_1', 'VI_2']);
    expect(b.config?.syncGroups).toEqual([]);
    expect(b.disabled.map((d) => `${d.section} ${d.name}`)).toEqual(['vrrp_sync_group G']);
  });

  it('stops the whole file: syntax inside an instance, global_defs, duplicate names and VRIDs, a member of two groups', () => {
    const fatal = (text: string): void => {
      const r = load(text, { interfaces: ['eth0'] });
      expect(r.config, text).toBeUndefined();
      expect(r.disabled).toEqual([]);
      expect(r.diagnostics.some((d) => classOf(d) === 'fatal')).toBe(true);
    };
    fatal(instance('') + instance('  authentication {\n', 'VI_2'));
    fatal(`global_defs {\n  vrrp_version 9\n}\n${instance('')}`);
    fatal(instance('') + instance('').replace('virtual_router_id 51', 'virtual_router_id 52'));
    fatal(instance('') + instance('', 'VI_2'));
    fatal(CASES['sync group problems'] as string);
    fatal(`vrrp_instance {\n}\n${instance('')}`);
  });
});
