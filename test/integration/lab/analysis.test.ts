/** The demo's judging arithmetic (pure; lives beside the lab tests). */
import { describe, expect, it } from 'vitest';
import { masterSpans, outageIn, parseProbes, parseTransitions } from '../../../src/lab/analysis.js';
import { masterDownIntervalMs, skewTimeMs } from '../../../src/protocol/timers.js';
import { substitute } from '../../../src/lab/configs.js';
import { nginxStreamConfig, vrrpdConfig } from '../../../src/lab/configs.js';
import { loadConfig, memoryHost } from '../../../src/config/index.js';

describe('lab analysis', () => {
  it('computes RFC 3768 §6.1 timers', () => {
    expect(skewTimeMs(2, 90, 100)).toBeCloseTo(648.4375, 4);
    expect(masterDownIntervalMs(2, 90, 100)).toBeCloseTo(3648.4375, 4);
    expect(skewTimeMs(2, 255, 100)).toBeCloseTo(3.90625, 5);
  });

  it('finds the longest run of failed probes, ending when a probe gets its answer', () => {
    const lines = ['1000 1 1 api1 10.0.0.1 -', '1010 0 1 - - ECONNREFUSED', 'garbage', '1020 0 300 - - timeout', '1030 1 5 api2 10.0.0.2 -', '1040 0 1 - - closed', '1050 1 1 api3 10.0.0.2 -'];
    const probes = parseProbes(lines.join('\n'));
    expect(probes).toHaveLength(6);
    const o = outageIn(probes, 0, 2000);
    expect(o.longestMs).toBe(25); // 1010 .. 1030+5
    expect(o.failed).toBe(3);
    expect(o.unfinished).toBe(false);
    expect(outageIn(probes, 1035, 1045)).toMatchObject({ longestMs: 5, unfinished: true });
    expect(outageIn([], 0, 10).longestMs).toBe(0);
  });

  it('reads state changes from vrrpd JSON logs and turns them into MASTER spans', () => {
    const log = [
      '{"level":30,"time":100,"instance":"VI_1","from":"INIT","to":"BACKUP","reason":"startup","msg":"VI_1: INIT -> BACKUP"}',
      '{"level":30,"time":200,"instance":"VI_1","from":100,"to":80,"msg":"VI_1: priority 100 -> 80"}',
      'not json',
      '{"level":30,"time":300,"instance":"VI_1","from":"BACKUP","to":"MASTER","reason":"master-down-timer","msg":"VI_1: BACKUP -> MASTER"}',
    ].join('\n');
    const tr = parseTransitions(log, 'op1');
    expect(tr.map((t) => `${t.from}>${t.to}`)).toEqual(['INIT>BACKUP', 'BACKUP>MASTER']);
    expect(masterSpans(tr, 'op1', 1000)).toEqual([[300, 1000]]);
    expect(masterSpans(tr, 'op1', 1000, [500])).toEqual([[300, 500]]);
  });

  it('derives the lab configs from the deploy kit, failing loudly on drift', () => {
    expect(vrrpdConfig('op1', 'tcp')).toContain('10.251.0.100/24 dev eth0');
    expect(vrrpdConfig('op2', 'tcp')).toMatch(/priority 90/);
    const script = vrrpdConfig('op1', 'script');
    expect(script).toMatch(/^\s*# check_tcp /m);
    expect(script).toMatch(/^\s*script "\/.*deploy\/check_nginx\.sh"/m);
    expect(nginxStreamConfig()).toContain('server 10.251.0.22:6443 max_fails=2 fail_timeout=10s;');
    expect(() => substitute('nothing here', [{ what: 'the VIP', from: /192\.168\.10\.100/, to: 'x' }], 'f')).toThrow(/no longer contains the VIP/);
  });

  it('runs the deploy kit at another VRRP version and interval when asked (vrrpd lab demo --vrrp-version 3 --advert-int 0.1)', () => {
    const text = vrrpdConfig('op2', 'tcp', { version: 3, advertInt: 0.1 });
    expect(text).toMatch(/^global_defs \{\n {4}vrrp_version 3\n/m);
    const r = loadConfig('/k.conf', memoryHost({ '/k.conf': text }, { hostname: 'op2' }));
    expect(r.config?.instances[0]).toMatchObject({ version: 3, adverIntervalCs: 10, priority: 90 });
    // Only the authentication block is reported: VRRPv3 has none (as keepalived).
    expect(r.diagnostics.filter((d) => d.severity !== 'info').map((d) => d.message)).toEqual([
      expect.stringMatching(/VRRP version 3 has no authentication/),
    ]);
    expect(vrrpdConfig('op1', 'tcp')).not.toContain('vrrp_version');
  });
});
