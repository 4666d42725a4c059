/**
 * RFC 5798 (VRRPv3) conformance of the configuration front end (src/config): the §5.2 and §6.1
 * ranges and defaults as keepalived.conf text with `vrrp_version 3` / `version 3` becomes the
 * router's RouterConfig. Each test title starts with its row ID in docs/rfc5798-conformance.md.
 */
import { describe, expect, it } from 'vitest';
import { routerConfigOf } from '../../../src/config/index.js';
import { Router } from '../../../src/protocol/router.js';
import { ip } from '../../helpers/router-fixtures.js';
import { instance, load } from '../config/helpers.js';

const V3 = 'global_defs {\n  vrrp_version 3\n}\n';
const only = (body: string) => {
  const r = load(V3 + instance(body), { interfaces: ['eth0'] });
  return { lines: r.lines, vi: r.config?.instances[0] };
};
const router = (body: string) => routerConfigOf(only(body).vi!, ip('10.0.0.2'));

describe('RFC 5798 §5.2.4 priority', () => {
  it('5.2.4-2 a configured priority lies in 1..255: 0 (leaving) and 256 are errors', () => {
    for (const p of ['0', '256']) {
      const { lines, vi } = only(`  priority ${p}`);
      expect(vi).toBeUndefined();
      expect(lines.join('\n')).toMatch(/error: priority must be an integer from 1 to 255/);
    }
    for (const p of [1, 254]) expect(router(`  priority ${p}`).priority).toBe(p);
  });
  it('5.2.4-3 a backup without a priority line runs at 100', () => {
    const { lines, vi } = only('  state BACKUP');
    expect(lines).toEqual([]);
    expect(vi).toMatchObject({ version: 3, priority: 100 });
  });
});

describe('RFC 5798 §5.2.5 address count', () => {
  it('5.2.5-1 an instance without a virtual address is a configuration error: an advert carries at least one', () => {
    const r = load(V3 + 'vrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n}\n', { interfaces: ['eth0'] });
    // An error confined to the instance disables it alone (README, "Which errors stop what").
    expect(r.config?.instances).toEqual([]);
    expect(r.disabled).toMatchObject([{ section: 'vrrp_instance', name: 'V' }]);
    expect(r.lines.join('\n')).toMatch(/error: vrrp_instance V has no virtual_ipaddress/);
  });
});

describe('RFC 5798 §5.2.9 addresses', () => {
  it('5.2.9-3 the addresses are advertised in configuration order', () => {
    const cfg = router('').vips;
    expect(cfg).toEqual(['10.0.0.1']);
    const r = load(V3 + instance('').replace('    10.0.0.1\n', '    10.0.0.3\n    10.0.0.1\n    10.0.0.2\n'), { interfaces: ['eth0'] });
    const rc = routerConfigOf(r.config!.instances[0]!, ip('10.0.0.9'));
    expect(rc.vips).toEqual(['10.0.0.3', '10.0.0.1', '10.0.0.2']);
    const m = new Router({ ...rc, priority: 255 as typeof rc.priority });
    const first = m.step({ kind: 'startup' }, 0).find((a) => a.kind === 'sendAdvert');
    expect(first?.kind === 'sendAdvert' && first.advert.addresses).toEqual(['10.0.0.3', '10.0.0.1', '10.0.0.2']);
  });
});

describe('RFC 5798 §6.1 parameters', () => {
  it('6.1-1 VRID 1 and 255 are accepted; 0 and 256 are errors; there is no default', () => {
    const withVrid = (v: string) => load(V3 + instance('').replace('virtual_router_id 51', `virtual_router_id ${v}`), { interfaces: ['eth0'] });
    for (const v of ['1', '255']) expect(withVrid(v).config?.instances[0]?.vrid).toBe(Number(v));
    for (const v of ['0', '256']) expect(withVrid(v).lines.join('\n')).toMatch(/error: virtual_router_id must be an integer from 1 to 255/);
    const none = load(V3 + instance('').replace('  virtual_router_id 51\n', ''), { interfaces: ['eth0'] });
    expect(none.config?.instances).toEqual([]);
    expect(none.disabled).toMatchObject([{ section: 'vrrp_instance', name: 'VI_1' }]);
    expect(none.lines.join('\n')).toMatch(/has no virtual_router_id/);
  });
  it('6.1-2 Advertisement_Interval is in centiseconds, 100 by default; advert_int takes 0.01 to 40.95 s (rounded to 10 ms, capped, with a warning, as keepalived)', () => {
    expect(router('').adverIntervalCs).toBe(100);
    expect(router('  advert_int 0.01').adverIntervalCs).toBe(1);
    expect(router('  advert_int 0.1').adverIntervalCs).toBe(10);
    expect(router('  advert_int 40.95').adverIntervalCs).toBe(4095);
    const rounded = only('  advert_int 0.123');
    expect(rounded.vi?.adverIntervalCs).toBe(12);
    expect(rounded.lines.join('\n')).toMatch(/not a multiple of 10 ms: rounded to 0.12 s/);
    const capped = only('  advert_int 100');
    expect(capped.vi?.adverIntervalCs).toBe(4095);
    expect(capped.lines.join('\n')).toMatch(/at most 40.95 s/);
  });
  it('6.1-6 Preempt_Mode defaults to true; nopreempt turns it off', () => {
    expect(router('').preempt).toBe(true);
    expect(router('  nopreempt').preempt).toBe(false);
  });
  it('6.1-7 the owner (priority 255) always preempts: nopreempt is reset with a warning', () => {
    const { lines, vi } = only('  priority 255\n  nopreempt');
    expect(vi).toMatchObject({ priority: 255, nopreempt: false, state: 'MASTER' });
    expect(lines.join('\n')).toMatch(/nopreempt is incompatible with priority 255/);
  });
  it("6.1-8 Accept_Mode: keepalived's default (accept, True) reaches the router; no_accept reaches it as False and check says how it is enforced", () => {
    expect(router('').acceptMode).toBe(true);
    expect(router('  accept').acceptMode).toBe(true);
    const { lines, vi } = only('  no_accept');
    expect(vi?.acceptMode).toBe(false);
    expect(lines.join('\n')).toMatch(/info: 'no_accept' is enforced by an nftables drop rule, as keepalived does, but in a table of vrrpd's own/);
  });
});

describe('RFC 5798 §7.2 transmitting', () => {
  it('7.2-1 VRRPv3 has no authentication: an authentication block is ignored with a warning and nothing of it reaches the router', () => {
    const { lines, vi } = only('  authentication {\n    auth_type PASS\n    auth_pass secret\n  }');
    expect(lines.join('\n')).toMatch(/VRRP version 3 has no authentication; 'authentication' ignored, as keepalived does/);
    expect(vi?.auth).toEqual({ type: 0 });
    expect(routerConfigOf(vi!, ip('10.0.0.2')).auth).toBeUndefined();
  });
});
