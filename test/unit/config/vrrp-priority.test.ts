/** global_defs `vrrp_priority`: keepalived's nice value for its VRRP process, -20 to 19. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { memoryHost } from '../../../src/config/memory-host.js';

const load = (globals: string) =>
  loadConfig('/k.conf', memoryHost({ '/k.conf': `global_defs {\n${globals}\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n` }));

describe('vrrp_priority', () => {
  it('takes a nice value from -20 to 19; absent, the daemon keeps the one it started with', () => {
    expect(load('  vrrp_priority -10').config?.global.vrrpPriority).toBe(-10);
    expect(load('  vrrp_priority 19').config?.global.vrrpPriority).toBe(19);
    expect(load('').config?.global.vrrpPriority).toBeUndefined();
    expect(load('  vrrp_priority -10').diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  });

  it('out of range or not a number: a positioned error', () => {
    for (const bad of ['-21', '20', 'high']) {
      const r = load(`  vrrp_priority ${bad}`);
      expect(r.config, bad).toBeUndefined();
      expect(r.diagnostics, bad).toContainEqual(expect.objectContaining({ severity: 'error', line: 2, col: 17 }));
    }
  });
});
