import { describe, expect, it } from 'vitest';
import { runCheck, parseCheckArgs } from '../../../src/cli/check.js';
import { CHECK_EXIT, masterDownIntervalSec, memoryHost, skewTimeSec, type Diagnostic } from '../../../src/config/index.js';
import { expandBraces, segmentMatcher } from '../../../src/config/glob.js';
import { fixture, instance } from './helpers.js';

function capture() {
  let stdout = '';
  let stderr = '';
  return { out: { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } }, get: () => ({ stdout, stderr }) };
}

const host = memoryHost(
  {
    '/etc/keepalived/keepalived.conf': fixture('seed/node2-backup.conf'),
    '/bad.conf': 'vrrp_instance V {\n  virtual_router_id 300\n',
    '/strict.conf': 'global_defs {\n  vrrp_skip_check_adv_addr\n}\n',
    '/half.conf': `${instance('')}${instance('  priority 300', 'VI_2').replace('virtual_router_id 51', 'virtual_router_id 52')}global_defs {\n  vrrp_skip_check_adv_addr\n}\n`,
  },
  { interfaces: ['eth0'], hostname: 'node2' },
);
/** Scripts as planned on a machine where every one runs (the real planning depends on this machine). */
const noScriptFindings = async (): Promise<Diagnostic[]> => [];

describe('vrrpd check', () => {
  it('prints instances with RFC 3768 timers at full precision, diagnostics as file:line:col, exit 0', async () => {
    const c = capture();
    expect(await runCheck(['check', '-t'], c.out, host, noScriptFindings)).toBe(0);
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
    expect(await runCheck(['--json', '--config-id', 'x'], j.out, host, noScriptFindings)).toBe(0);
    const body = JSON.parse(j.get().stdout);
    expect(body).toMatchObject({ ok: true, configId: 'x', config: { instances: [{ name: 'VI_1', vrid: 251, priority: 90 }] } });
    expect(body.timers[0]).toEqual({ instance: 'VI_1', version: 2, adverIntervalCs: 100, skewTimeMs: 648.4375, masterDownIntervalMs: 3648.4375 });
  });

  it('failover warnings without errors give exit 3, marked warning[failover] and classed in JSON', async () => {
    const c = capture();
    expect(await runCheck(['-f', '/strict.conf'], c.out, host, noScriptFindings)).toBe(CHECK_EXIT.failover);
    expect(c.get().stdout).toContain("/strict.conf:2:3: warning[failover]: 'vrrp_skip_check_adv_addr' is not supported by vrrpd: ");
    expect(c.get().stdout).toContain('1 failover), 0 notes: configuration OK, but vrrpd fails over differently from keepalived');
    const j = capture();
    expect(await runCheck(['-f', '/strict.conf', '--json'], j.out, host, noScriptFindings)).toBe(3);
    const body = JSON.parse(j.get().stdout);
    expect(body).toMatchObject({ ok: true, status: 3, summary: { errors: 0, warnings: 1, failover: 1 }, diagnostics: [{ class: 'failover', failover: true }] });
  });

  it('an error confined to one instance: exit 1 (errors win over failover), the rest listed as running', async () => {
    const c = capture();
    expect(await runCheck(['-f', '/half.conf'], c.out, host, noScriptFindings)).toBe(CHECK_EXIT.errors);
    const out = c.get().stdout;
    expect(out).toContain('vrrp_instance VI_1 (/half.conf:1:15)');
    expect(out).not.toMatch(/vrrp_instance VI_2 .*\n  state/);
    expect(out).toContain('disabled by their errors (the rest runs):\n  vrrp_instance VI_2 (/half.conf:9:15)');
    expect(out).toContain("/half.conf:12:12: error: priority must be an integer from 1 to 255, not '300'");
    expect(out).toContain('configuration usable in part (1 section disabled)');
    const j = capture();
    await runCheck(['-f', '/half.conf', '--json'], j.out, host, noScriptFindings);
    const body = JSON.parse(j.get().stdout);
    expect(body).toMatchObject({ ok: false, status: 1, disabled: [{ section: 'vrrp_instance', name: 'VI_2' }] });
    expect(body.diagnostics.find((d: { class: string }) => d.class === 'disabled')).toMatchObject({ disables: { section: 'vrrp_instance', name: 'VI_2' } });
  });

  it('a script that will not run is a failover warning', async () => {
    const c = capture();
    const disabled = async (): Promise<Diagnostic[]> => [{ file: '/x', line: 1, col: 1, severity: 'warning', failover: true, message: 'vrrp_script s disabled: no' }];
    expect(await runCheck(['check'], c.out, host, disabled)).toBe(3);
  });

  it('--help documents every exit status', async () => {
    const c = capture();
    expect(await runCheck(['--help'], c.out, host)).toBe(0);
    for (const code of Object.values(CHECK_EXIT)) expect(c.get().stdout).toMatch(new RegExp(`^    ${code}  `, 'm'));
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
