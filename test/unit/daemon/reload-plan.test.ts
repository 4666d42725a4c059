/** What a reload does with an instance it finds in both configurations: unchanged, in place, or restarted (and why). */
import { describe, expect, it } from 'vitest';
import { planReload } from '../../../src/daemon/reload-plan.js';
import { load } from '../config/helpers.js';

function conf(body: string, vips = '10.0.0.1', global = '') {
  const text = `global_defs {\n${global}\n}\nvrrp_script chk {\n  script "/bin/true"\n  weight -20\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n${body}\n  virtual_ipaddress {\n    ${vips.split(' ').join('\n    ')}\n  }\n}\n`;
  const r = load(text, { interfaces: ['eth0', 'eth1'] });
  if (!r.config) throw new Error(r.lines.join('\n'));
  return { config: r.config, inst: r.config.instances[0]! };
}

describe('planReload', () => {
  it('the same text: unchanged', () => {
    expect(planReload(conf('priority 100'), conf('priority 100'))).toEqual({ kind: 'unchanged' });
  });
  it('priority, advert_int, preempt, auth, addresses, GARP from global_defs (and the split-brain GARPs that follow it), track weight, unicast peers: in place, named', () => {
    const plan = planReload(conf('priority 100\n  track_script {\n    chk\n  }'), conf('priority 50\n  nopreempt\n  track_script {\n    chk weight -30\n  }', '10.0.0.1 10.0.0.2', '  vrrp_garp_master_repeat 3'));
    expect(plan.kind).toBe('in-place');
    expect(plan.kind === 'in-place' && plan.changed).toEqual(['priority 100 -> 50', 'vips +10.0.0.2/32', 'nopreempt false -> true', 'trackScripts', 'garp', 'splitBrain']);
    const uni = (peers: string) => `unicast_src_ip 192.168.1.1\n  unicast_peer {\n    ${peers}\n  }`;
    expect(planReload(conf(uni('192.168.1.2')), conf(uni('192.168.1.2\n    192.168.1.3')))).toEqual({ kind: 'in-place', changed: ['unicastPeers'] });
  });
  it('a vrrp_script of its own changed: in place (the script restarts, not the instance)', () => {
    const a = conf('track_script {\n    chk\n  }');
    const b = { ...a, config: { ...a.config, scripts: a.config.scripts.map((s) => ({ ...s, weight: -40 })) } };
    expect(planReload(a, b)).toEqual({ kind: 'in-place', changed: ['vrrp_script chk'] });
  });
  it('VRID, interface, version, unicast or multicast, use_vmac, source address, multicast group: restarted, and why', () => {
    expect(planReload(conf(''), { ...conf(''), inst: { ...conf('').inst, vrid: 52 } })).toEqual({ kind: 'restart', why: ['virtual_router_id'] });
    expect(planReload(conf('interface eth0'), conf('interface eth1'))).toEqual({ kind: 'restart', why: ['interface'] });
    expect(planReload(conf('version 2'), conf('version 3'))).toEqual({ kind: 'restart', why: ['version'] });
    expect(planReload(conf(''), conf('use_vmac'))).toEqual({ kind: 'restart', why: ['use_vmac'] });
    expect(planReload(conf(''), conf('mcast_src_ip 192.168.1.1'))).toEqual({ kind: 'restart', why: ['mcast_src_ip'] });
    expect(planReload(conf(''), conf('unicast_src_ip 192.168.1.1\n  unicast_peer {\n    192.168.1.2\n  }'))).toEqual({ kind: 'restart', why: ['unicast', 'unicast_src_ip'] });
    expect(planReload(conf(''), conf('', '10.0.0.1', '  vrrp_mcast_group4 224.0.0.19'))).toEqual({ kind: 'restart', why: ['vrrp_mcast_group'] });
  });
});
