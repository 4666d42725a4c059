/** global_defs `vrrp_rt_priority` and `vrrp_rlimit_rttime` (and its deprecated spelling `vrrp_rlimit_rtime`). */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { memoryHost } from '../../../src/config/memory-host.js';
import { RLIMIT_RTTIME_US } from '../../../src/config/validate-global.js';

const load = (globals: string) =>
  loadConfig('/k.conf', memoryHost({ '/k.conf': `global_defs {\n${globals}\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n` }));
const notInfo = (r: ReturnType<typeof load>) => r.diagnostics.filter((d) => d.severity !== 'info');

describe('vrrp_rt_priority', () => {
  it('takes a SCHED_RR priority from 1 to 99; absent, the daemon is not real-time', () => {
    expect(load('  vrrp_rt_priority 1').config?.global.vrrpRtPriority).toBe(1);
    expect(load('  vrrp_rt_priority 99').config?.global.vrrpRtPriority).toBe(99);
    expect(load('').config?.global.vrrpRtPriority).toBeUndefined();
    expect(notInfo(load('  vrrp_rt_priority 10'))).toEqual([]);
  });

  it('out of range or not a number: a positioned error', () => {
    for (const bad of ['0', '100', 'high']) {
      const r = load(`  vrrp_rt_priority ${bad}`);
      expect(r.config, bad).toBeUndefined();
      expect(r.diagnostics, bad).toContainEqual(expect.objectContaining({ severity: 'error', line: 2, col: 20 }));
    }
  });
});

describe('vrrp_rlimit_rttime', () => {
  it('takes microseconds at or above the floor as they are; absent, the daemon uses its default', () => {
    expect(load('  vrrp_rlimit_rttime 2000000').config?.global.vrrpRlimitRttimeUs).toBe(2_000_000);
    expect(load(`  vrrp_rlimit_rttime ${RLIMIT_RTTIME_US.floor}`).config?.global.vrrpRlimitRttimeUs).toBe(RLIMIT_RTTIME_US.floor);
    expect(load('').config?.global.vrrpRlimitRttimeUs).toBeUndefined();
    expect(RLIMIT_RTTIME_US.default).toBeGreaterThanOrEqual(RLIMIT_RTTIME_US.floor);
  });

  it("keepalived's 10 ms is raised to the floor, with a positioned warning saying why", () => {
    const r = load('  vrrp_rt_priority 10\n  vrrp_rlimit_rttime 10000');
    expect(r.config?.global.vrrpRlimitRttimeUs).toBe(RLIMIT_RTTIME_US.floor);
    expect(notInfo(r)).toEqual([expect.objectContaining({ severity: 'warning', line: 3, col: 22, message: expect.stringContaining('kill') })]);
  });

  it('the deprecated spelling works, with a note; a bad value is a positioned error', () => {
    const r = load('  vrrp_rlimit_rtime 800000');
    expect(r.config?.global.vrrpRlimitRttimeUs).toBe(800_000);
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ severity: 'info', message: expect.stringContaining('deprecated') }));
    for (const bad of ['0', '-5', 'lots', '4294967296']) {
      const e = load(`  vrrp_rlimit_rttime ${bad}`);
      expect(e.config, bad).toBeUndefined();
      expect(e.diagnostics, bad).toContainEqual(expect.objectContaining({ severity: 'error', line: 2, col: 22 }));
    }
  });
});
