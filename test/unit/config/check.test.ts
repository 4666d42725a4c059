import { describe, expect, it } from 'vitest';
import { runCheck, parseCheckArgs } from '../../../src/cli/check.js';
import { masterDownIntervalSec, memoryHost, skewTimeSec } from '../../../src/config/index.js';
import { expandBraces, segmentMatcher } from '../../../src/config/glob.js';
import { fixture } from './helpers.js';

function capture() {
  let stdout = '';
  let stderr = '';
  return { out: { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } }, get: () => ({ stdout, stderr }) };
}

const host = memoryHost(
  { '/etc/keepalived/keepalived.conf': fixture('seed/node2-backup.conf'), '/bad.conf': 'vrrp_instance V {\n  virtual_router_id 300\n' },
  { interfaces: ['eth0'], hostname: 'node2' },
);

describe('vrrpd check', () => {
  it('prints instances with RFC 3768 timers at full precision, diagnostics as file:line:col, exit 0', async () => {
    const c = capture();
    expect(await runCheck(['check', '-t'], c.out, host)).toBe(0);
    const { stdout } = c.get();
    expect(stdout).toContain('state BACKUP, priority 90, virtual_router_id 251, interface ens33');
    expect(stdout).toContain('timers: advert_int 1 s, Skew_Time 0.6484375 s, Master_Down_Interval 3.6484375 s');
    expect(stdout).toContain('virtual_ipaddress: 192.168.50.100/24');
    expect(stdout).toContain('track_script chk_nginx: "/usr/bin/nc -z 127.0.0.1 7443", weight -20');
    expect(stdout).toContain("/etc/keepalived/keepalived.conf:19:15: warning: interface 'ens33' does not exist on this machine");
    expect(stdout).not.toContain('11111111');
  });

  it('errors give exit 1; --json prints the normalised config', async () => {
    const c = capture();
    expect(await runCheck(['-f', '/bad.conf'], c.out, host)).toBe(1);
    expect(c.get().stdout).toContain("/bad.conf:1:17: error: '{' is never closed (missing '}')");
    const j = capture();
    expect(await runCheck(['--json', '--config-id', 'x'], j.out, host)).toBe(0);
    const body = JSON.parse(j.get().stdout);
    expect(body).toMatchObject({ ok: true, configId: 'x', config: { instances: [{ name: 'VI_1', vrid: 251, priority: 90 }] } });
    expect(body.timers[0]).toEqual({ instance: 'VI_1', version: 2, adverIntervalCs: 100, skewTimeMs: 648.4375, masterDownIntervalMs: 3648.4375 });
  });

  it('bad usage gives exit 2', async () => {
    const c = capture();
    expect(await runCheck(['--bogus'], c.out, host)).toBe(2);
    expect(c.get().stderr).toContain("unknown option '--bogus'");
    expect(parseCheckArgs(['-f'])).toBe('-f needs a file name');
    expect(parseCheckArgs(['--use-file=/a', '-i', 'n'])).toEqual({ file: '/a', json: false, configId: 'n' });
  });

  it('timer formulas (RFC 3768 §6.1, RFC 5798 §6.1)', () => {
    expect(skewTimeSec({ version: 2, priority: 100, adverIntervalCs: 100 })).toBe(0.609375);
    expect(masterDownIntervalSec({ version: 2, priority: 90, adverIntervalCs: 100 })).toBe(3.6484375);
    expect(masterDownIntervalSec({ version: 3, priority: 90, adverIntervalCs: 10 })).toBeCloseTo(0.36484375, 10);
  });

  it('glob helpers', () => {
    expect(expandBraces('{foo/{,cat,dog},bar}')).toEqual(['foo/', 'foo/cat', 'foo/dog', 'bar']);
    expect(segmentMatcher('*.conf')('.hidden.conf')).toBe(false);
    expect(segmentMatcher('.*.conf')('.hidden.conf')).toBe(true);
    expect(segmentMatcher('[!a]?.c*')('bx.conf')).toBe(true);
    expect(segmentMatcher('[!a]?.c*')('ax.conf')).toBe(false);
    expect(segmentMatcher('[a-c]*[0-9].conf')('b-x-7.conf')).toBe(true);
    expect(segmentMatcher('a\\*')('a*')).toBe(true);
    expect(segmentMatcher('a\\*')('ab')).toBe(false);
  });
});
