/** The tracking and notification keywords: vrrp_script timing, track_file, vrrp_track_process, sync group tracking, notify FIFOs. */
import { describe, expect, it } from 'vitest';
import { F, instance, load } from './helpers.js';

const tracked = (scriptBody: string) => `vrrp_script s {\n  script /bin/true\n${scriptBody}\n}\n${instance('  track_script {\n    s\n  }')}`;

describe('vrrp_script interval and timeout (keepalived 2.3.2: milliseconds)', () => {
  it('whole seconds as before, no note', () => {
    const r = load(tracked('  interval 2\n  timeout 3'));
    expect(r.lines).toEqual([]);
    expect(r.config!.scripts[0]).toMatchObject({ intervalMs: 2000, timeoutMs: 3000 });
  });
  it('fractions to the millisecond, each with a note that keepalived 2.2.7 ignores the line', () => {
    const r = load(tracked('  interval 0.5\n  timeout 0.25'));
    expect(r.lines).toEqual([
      `${F}:3:12: info: a fractional interval is a keepalived 2.3.2 feature: keepalived 2.2.7 ignores this line and uses 1 s`,
      `${F}:4:11: info: a fractional timeout is a keepalived 2.3.2 feature: keepalived 2.2.7 ignores this line and uses the interval`,
    ]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['keepalived-version', 'keepalived-version']);
    expect(r.config!.scripts[0]).toMatchObject({ intervalMs: 500, timeoutMs: 250 });
  });
  it('no timeout: the interval, fractional too', () => {
    expect(load(tracked('  interval 1.5')).config!.scripts[0]).toMatchObject({ intervalMs: 1500, timeoutMs: 1500 });
  });
  it('more than 3 decimals: rounded to the millisecond with a warning; 0 and too large are errors', () => {
    const r = load(tracked('  interval 0.0015'));
    expect(r.lines[0]).toBe(`${F}:3:12: warning: interval 0.0015 s has more than 3 decimals: rounded to 0.002 s (keepalived counts milliseconds)`);
    expect(r.config!.scripts[0]!.intervalMs).toBe(2);
    // The error disables the script alone: the instance runs without it (a failover warning at its track_script line).
    expect(load(tracked('  interval 0')).lines[1]).toMatch(/warning\[failover\]: vrrp_instance VI_1: vrrp_script s is disabled by its errors/);
    expect(load(tracked('  interval 0')).lines[0]).toBe(`${F}:3:12: error: interval must be a number of seconds from 0.001 to 4294, not '0'`);
    expect(load(tracked('  timeout 4295')).lines[0]).toBe(`${F}:3:11: error: timeout must be a number of seconds from 0.001 to 4294, not '4295'`);
    expect(load(tracked('  timeout 1s')).lines[0]).toBe(`${F}:3:11: error: timeout must be a number of seconds from 0.001 to 4294, not '1s'`);
  });
});

const withFile = (fileBody: string, refs = '    f', inst = '') =>
  `track_file f {\n${fileBody}\n}\n${instance(`${inst}  track_file {\n${refs}\n  }`)}`;

describe('track_file', () => {
  it('file, weight (default 1), reverse, init_file; the instance reference with its own weight', () => {
    const r = load(withFile('  file /run/vrrpd/f\n  weight -10 reverse\n  init_file 3 overwrite', '    f weight 20 noreverse'));
    expect(r.lines).toEqual([]);
    expect(r.config!.trackFiles).toEqual([{ name: 'f', pos: { file: F, line: 1, col: 12 }, path: '/run/vrrpd/f', weight: -10, reverse: true, init: { value: 3, overwrite: true } }]);
    expect(r.config!.instances[0]!.trackFiles).toEqual([{ name: 'f', weight: 20, reverse: false, pos: { file: F, line: 10, col: 5 } }]);
    const plain = load(withFile('  file /x/f')).config!;
    expect(plain.trackFiles[0]).toMatchObject({ weight: 1, reverse: false });
    expect(plain.trackFiles[0]!.init).toBeUndefined();
  });
  it('vrrp_track_file is a deprecated synonym; init_file alone writes 0', () => {
    const r = load(`vrrp_track_file f {\n  file /x/f\n  init_file\n}\n${instance('  track_file {\n    f\n  }')}`);
    expect(r.lines).toEqual([`${F}:1:1: info: 'vrrp_track_file' is a deprecated synonym of 'track_file' (keepalived says so too)`]);
    expect(r.config!.trackFiles[0]!.init).toEqual({ value: 0, overwrite: false });
  });
  it('positioned errors and warnings', () => {
    const r = load(withFile('  weight 255\n  weight 3 sideways\n  init_file x 9999 overwrite\n  file rel/f\n  bogus'));
    expect(r.lines).toEqual([
      `${F}:2:10: error: weight must be an integer from -254 to 254, not '255'`,
      `${F}:3:3: warning: 'weight' is set again (first at line 2); the last value wins`,
      `${F}:3:12: error: expected 'reverse' after the weight, not 'sideways'`,
      `${F}:4:13: error: unknown init_file option 'x' (expected a value and/or 'overwrite')`,
      `${F}:4:15: warning: init_file value 9999 is outside the sensible range -254..254 (keepalived says the same)`,
      `${F}:5:8: warning: 'rel/f' is a relative path: vrrpd, like keepalived (whose working directory is /), reads /rel/f; write the full path`,
      `${F}:6:3: warning: unknown keyword 'bogus' in track_file f`,
    ]);
    expect(load('track_file f {\n  weight 2\n}\n').lines).toEqual([
      `${F}:1:12: error: track_file f has no 'file'`,
      `${F}:1:12: info: track_file f is not tracked by any vrrp_instance or vrrp_sync_group, so it is never read`,
    ]);
  });
  it('references: unknown, twice, weight out of range; a track_file nobody tracks', () => {
    const r = load(withFile('  file /x/f', '    f\n    f weight 3\n    g\n    f weight 300'));
    expect(r.lines).toEqual([
      `${F}:9:5: warning: vrrp_instance VI_1: track_file 'f' is listed twice; the second is ignored (as keepalived does)`,
      `${F}:10:5: warning: vrrp_instance VI_1: track_file 'g' names no track_file; ignored (did you mean 'f'?)`,
      `${F}:11:14: error: weight must be an integer from -254 to 254, not '300'`,
    ]);
    expect(load(`track_file lonely {\n  file /x/f\n}\n${instance('')}`).lines).toEqual([
      `${F}:1:12: info: track_file lonely is not tracked by any vrrp_instance or vrrp_sync_group, so it is never read`,
    ]);
  });
  it('an address owner: the default weight 1 becomes 0; another weight is ignored (keepalived)', () => {
    const r = load(`track_file a {\n  file /x/a\n}\ntrack_file b {\n  file /x/b\n  weight 5\n}\n${instance('  priority 255\n  track_file {\n    a\n    b\n  }')}`);
    expect(r.lines).toEqual([
      `${F}:13:5: warning: vrrp_instance VI_1: track_file 'a' on an address owner (priority 255): its default weight 1 is taken as weight 0 (a non-zero value means FAULT), as keepalived does; write 'weight 0'`,
      `${F}:14:5: warning: vrrp_instance VI_1: track_file 'b' has weight 5 but priority 255 (address owner) never changes; ignored, as keepalived does`,
    ]);
    expect(r.config!.instances[0]!.trackFiles).toEqual([{ name: 'a', weight: 0, pos: { file: F, line: 13, col: 5 } }]);
  });
});

const withProcess = (body: string, refs = '    p') => `vrrp_track_process p {\n${body}\n}\n${instance(`  track_process {\n${refs}\n  }`)}`;

describe('vrrp_track_process', () => {
  it("keepalived 2.2.7's defaults: the process name, weight 0, quorum 1, no bound, no delays", () => {
    const r = load(withProcess('  process nginx'));
    expect(r.lines).toEqual([]);
    const { pos: _pos, ...p } = r.config!.trackProcesses[0]!;
    expect(p).toEqual({ name: 'p', process: 'nginx', params: [], paramMatch: 'none', fullCommand: false, weight: 0, reverse: false, quorum: 1, forkDelayMs: 0, terminateDelayMs: 0 });
  });
  it('parameters imply full_command and an exact match; param_match initial / partial; quorum, quorum_max, delays', () => {
    const r = load(withProcess('  process /usr/bin/python3 "/opt/a b.py" -v\n  param_match initial\n  weight -30 reverse\n  quorum 2\n  quorum_max 4\n  delay 0.5\n  terminate_delay 1.000001'));
    expect(r.lines).toEqual([]);
    expect(r.config!.trackProcesses[0]).toMatchObject({
      process: '/usr/bin/python3', params: ['/opt/a b.py', '-v'], paramMatch: 'initial', fullCommand: true, weight: -30, reverse: true,
      quorum: 2, quorumMax: 4, forkDelayMs: 500, terminateDelayMs: 1000.001,
    });
    expect(load(withProcess('  process sshd\n  param_match')).config!.trackProcesses[0]).toMatchObject({ paramMatch: 'exact', fullCommand: true, params: [] });
    expect(load(withProcess('  process a.out\n  full_command')).config!.trackProcesses[0]).toMatchObject({ paramMatch: 'none', fullCommand: true });
  });
  it('quorum_max 0: the process must not run (quorum 0); quorum_max below quorum is an error', () => {
    expect(load(withProcess('  process x\n  quorum_max 0')).config!.trackProcesses[0]).toMatchObject({ quorum: 0, quorumMax: 0 });
    expect(load(withProcess('  process x\n  quorum 3\n  quorum_max 2')).lines).toEqual([`${F}:4:14: error: quorum_max 2 is less than quorum 3`]);
  });
  it('positioned errors; a name longer than the kernel keeps never matches', () => {
    const r = load(withProcess('  process averyveryverylongname\n  param_match sideways\n  quorum 0\n  weight -255\n  delay 3601'));
    expect(r.lines).toEqual([
      `${F}:2:11: warning: the kernel keeps at most 15 bytes of a process name, so 'averyveryverylongname' never matches (keepalived has the same limit): write 'averyveryverylo', or add full_command to match the command line`,
      `${F}:3:15: error: param_match must be 'initial' or 'partial' (or nothing, for an exact match), not 'sideways'`,
      `${F}:4:10: error: quorum must be an integer from 1 to 65535, not '0'`,
      `${F}:5:10: error: weight must be an integer from -254 to 254, not '-255'`,
      `${F}:6:9: error: delay must be a number of seconds from 0 to 3600, not '3601'`,
    ]);
    expect(load('vrrp_track_process p {\n  quorum 2\n}\n').lines).toEqual([
      `${F}:1:20: error: vrrp_track_process p has no 'process'`,
      `${F}:1:20: info: vrrp_track_process p is not tracked by any vrrp_instance or vrrp_sync_group, so it is never watched`,
    ]);
  });
  it('track_process at the top level is not a keepalived keyword', () => {
    expect(load('track_process p {\n  process x\n}\n').lines).toEqual([`${F}:1:1: warning: unknown keyword 'track_process' at top level`]);
  });
  it('an address owner keeps its track_process; a weight there has no effect (said)', () => {
    const r = load(withProcess('  process nginx\n  weight 10').replace('  interface eth0', '  interface eth0\n  priority 255'));
    expect(r.lines).toEqual([`${F}:10:5: warning: vrrp_instance VI_1: track_process 'p' has weight 10, which never moves priority 255 (address owner); only weight 0 (FAULT without quorum) has an effect`]);
    expect(r.config!.instances[0]!.trackProcesses).toHaveLength(1);
  });
});

/** Two members of group G, with whatever the group and VI_1 add. */
const grouped = (objects: string, groupBody: string, vi1 = '', vi2 = '') =>
  `${objects}${instance(vi1, 'VI_1')}${instance(vi2, 'VI_2').replace('virtual_router_id 51', 'virtual_router_id 52')}vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n${groupBody}\n}\n`;
const objects = 'vrrp_script s {\n  script /bin/true\n  weight -10\n}\ntrack_file f {\n  file /x/f\n}\nvrrp_track_process p {\n  process nginx\n}\n';

describe('vrrp_sync_group tracking (keepalived applies it to every member)', () => {
  it("the group's track_script / track_interface / track_file / track_process reach each member, with the group named", () => {
    const r = load(grouped(objects, '  track_script {\n    s\n  }\n  track_interface {\n    eth1 weight -5\n  }\n  track_file {\n    f weight 2\n  }\n  track_process {\n    p\n  }'), { interfaces: ['eth0', 'eth1'] });
    expect(r.lines).toEqual([]);
    const cfg = r.config!;
    for (const i of cfg.instances) {
      expect(i.trackScripts).toMatchObject([{ name: 's', group: 'G' }]);
      expect(i.trackInterfaces).toMatchObject([{ name: 'eth1', weight: -5, group: 'G' }]);
      expect(i.trackFiles).toMatchObject([{ name: 'f', weight: 2, group: 'G' }]);
      expect(i.trackProcesses).toMatchObject([{ name: 'p', group: 'G' }]);
    }
    expect(cfg.syncGroups[0]).toMatchObject({ trackScripts: [{ name: 's' }], trackInterfaces: [{ name: 'eth1' }], trackFiles: [{ name: 'f' }], trackProcesses: [{ name: 'p' }] });
  });
  it("unknown and repeated names in the group are ignored with a warning; a missing interface is said", () => {
    const r = load(grouped(objects, '  track_script {\n    t\n    s\n    s\n  }\n  track_interface {\n    eth9\n  }'), { interfaces: ['eth0'] });
    expect(r.lines).toEqual([
      `${F}:33:5: warning: vrrp_sync_group G: track_script 't' names no vrrp_script; ignored (did you mean 's'?)`,
      `${F}:35:5: warning: vrrp_sync_group G: track_script 's' is listed twice; the second is ignored`,
      `${F}:38:5: warning: tracked interface 'eth9' does not exist on this machine; it counts as down until it appears`,
      `${F}:5:12: info: track_file f is not tracked by any vrrp_instance or vrrp_sync_group, so it is never read`,
      `${F}:8:20: info: vrrp_track_process p is not tracked by any vrrp_instance or vrrp_sync_group, so it is never watched`,
    ].sort((x, y) => Number(x.split(':')[1]) - Number(y.split(':')[1])));
    expect(r.config!.instances[1]!.trackScripts).toMatchObject([{ name: 's', group: 'G' }]);
  });
  it("a member's own weighted trackers: scripts ignored, interfaces and default-weight files to 0, other files ignored, processes kept", () => {
    const r = load(grouped(`${objects}track_file f2 {\n  file /x/f2\n  weight 3\n}\nvrrp_track_process p2 {\n  process x\n  weight 5\n}\n`, '',
      '  track_script {\n    s\n  }\n  track_interface {\n    eth0 weight 7\n  }\n  track_file {\n    f\n    f2\n  }\n  track_process {\n    p2\n  }'));
    const who = 'vrrp_instance VI_1 is in vrrp_sync_group G';
    const fix = 'set weight 0 (a failure is FAULT for the whole group), or sync_group_tracking_weight in the group';
    expect(r.lines).toEqual([
      `${F}:8:20: info: vrrp_track_process p is not tracked by any vrrp_instance or vrrp_sync_group, so it is never watched`,
      `${F}:23:5: warning: ${who}: track_script 's' (weight -10) is ignored, as keepalived ignores a weighted tracker of a sync group member: it neither moves the priority nor causes FAULT; ${fix}`,
      `${F}:26:5: warning: ${who}: track_interface 'eth0' (weight 7) is taken as weight 0 (a failure means FAULT), as keepalived does; ${fix}`,
      `${F}:29:5: warning: ${who}: track_file 'f' (weight 1) is taken as weight 0 (a failure means FAULT), as keepalived does; ${fix}`,
      `${F}:30:5: warning: ${who}: track_file 'f2' (weight 3) is ignored, as keepalived ignores a weighted tracker of a sync group member: it neither moves the priority nor causes FAULT; ${fix}`,
      `${F}:33:5: info: ${who}: track_process 'p2' (weight 5) keeps its weight, as keepalived 2.2.7 does (its manual asks for weight 0 here)`,
    ]);
    const i = r.config!.instances[0]!;
    expect([i.trackScripts, i.trackInterfaces.map((t) => t.weight), i.trackFiles.map((t) => [t.name, t.weight]), i.trackProcesses.map((t) => t.name)]).toEqual([[], [0], [['f', 0]], ['p2']]);
    const kept = load(grouped(objects, '  sync_group_tracking_weight', '  track_script {\n    s\n  }'));
    expect(kept.lines.filter((l) => !l.includes('is not tracked by any'))).toEqual([]);
    expect(kept.config!.instances[0]!.trackScripts).toMatchObject([{ name: 's' }]);
  });
  it("tracked by both the member and the group: the group's weight, unless the member's is 0", () => {
    const r = load(grouped(objects, '  sync_group_tracking_weight\n  track_script {\n    s weight -30\n  }\n  track_file {\n    f weight 4\n  }',
      '  track_script {\n    s weight -3\n  }\n  track_file {\n    f weight 0\n  }'));
    expect(r.lines).toEqual([
      `${F}:8:20: info: vrrp_track_process p is not tracked by any vrrp_instance or vrrp_sync_group, so it is never watched`,
      `${F}:15:5: info: vrrp_instance VI_1: track_script 's' is also tracked by its vrrp_sync_group G; the group's weight is used, as keepalived does (track it in one place)`,
      `${F}:18:5: info: vrrp_instance VI_1: track_file 'f' is also tracked by its vrrp_sync_group G; the instance's weight 0 is kept, as keepalived does (track it in one place)`,
    ]);
    const [vi1, vi2] = r.config!.instances;
    expect(vi1!.trackScripts).toMatchObject([{ name: 's', weight: -30, group: 'G' }]);
    expect(vi1!.trackFiles).toMatchObject([{ name: 'f', weight: 0, group: 'G' }]);
    expect(vi2!.trackFiles).toMatchObject([{ name: 'f', weight: 4, group: 'G' }]);
  });
  it('a member with priority 255: the group clears its weights', () => {
    const r = load(grouped(objects, '  track_script {\n    s\n  }\n  track_process {\n    p weight 9\n  }', '  priority 255'));
    expect(r.lines).toEqual([
      `${F}:33:5: warning: vrrp_sync_group G: track_script 's' has weight -10 but member VI_1 has priority 255 (address owner): weight cleared to 0, as keepalived does`,
      `${F}:36:5: warning: vrrp_sync_group G: track_process 'p' has weight 9 but member VI_1 has priority 255 (address owner): weight cleared to 0, as keepalived does`,
      `${F}:5:12: info: track_file f is not tracked by any vrrp_instance or vrrp_sync_group, so it is never read`,
    ].sort((x, y) => Number(x.split(':')[1]) - Number(y.split(':')[1])));
    expect(r.config!.instances[1]!.trackScripts).toMatchObject([{ name: 's', weight: 0, group: 'G' }]);
  });
});

describe('vrrpd check shows the new trackers', () => {
  it('each reference in words, the group it comes from, the group line', async () => {
    const { runCheck } = await import('../../../src/cli/check.js');
    const { memoryHost } = await import('../../../src/config/index.js');
    const text = grouped(
      `${objects}vrrp_track_process q {\n  process /usr/bin/python3 /opt/app.py\n  param_match partial\n  quorum 2\n  quorum_max 3\n  delay 1.5\n}\ntrack_file g {\n  file /x/g\n  weight 0\n  init_file 1 overwrite\n}\n`,
      '  track_file {\n    f weight -20 reverse\n  }\n  track_process {\n    p\n  }',
      '  track_process {\n    q weight -40\n  }\n  track_file {\n    g\n  }',
    );
    let stdout = '';
    const out = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true } };
    expect(await runCheck(['-f', F], out, memoryHost({ [F]: text }, { interfaces: ['eth0'], hostname: 'n' }), () => Promise.resolve([]))).toBe(0);
    expect(stdout).toContain("  track_file g: /x/g, weight 0: FAULT while the value is not 0; init_file 1 overwrite\n");
    expect(stdout).toContain('  track_file f: /x/f, weight -20 reverse: priority + value x 20 (at most +253; -254 or less: FAULT) (from vrrp_sync_group G)\n');
    expect(stdout).toContain(`  track_process q: command line '/usr/bin/python3' "/opt/app.py", parameters: partial match, quorum: 2 to 3 running, weight -40: priority -40 without quorum; fork_delay 1.5 s, terminate_delay 1.5 s\n`);
    expect(stdout).toContain("  track_process p: process name (comm) 'nginx', quorum: 1 or more running, weight 0: FAULT without quorum (from vrrp_sync_group G)\n");
    expect(stdout).toContain('vrrp_sync_group G: VI_1, VI_2 (move to MASTER / BACKUP / FAULT together)\n  tracks for every member: track_file f, track_process p\n');
  });
});

describe('notify FIFOs and notify_priority_changes (keepalived global_parser.c)', () => {
  const g = (body: string, inst = '') => `global_defs {\n${body}\n}\n${instance(inst)}`;
  it('FIFO [USER [GROUP]] with its reader script; a relative name made absolute with a warning', () => {
    const r = load(g('  notify_fifo /run/n.fifo nobody nogroup\n  notify_fifo_script "/usr/bin/reader -v"\n  vrrp_notify_fifo run/v.fifo'));
    expect(r.lines).toEqual([`${F}:4:20: warning: 'run/v.fifo' is a relative path: vrrpd, like keepalived (whose working directory is /), uses /run/v.fifo; write the full path`]);
    expect(r.config!.global.notifyFifo).toMatchObject({ path: '/run/n.fifo', user: { user: 'nobody', group: 'nogroup' }, script: { command: '/usr/bin/reader -v' } });
    expect(r.config!.global.vrrpNotifyFifo).toMatchObject({ path: '/run/v.fifo' });
    expect(r.config!.global.vrrpNotifyFifo!.script).toBeUndefined();
  });
  it('a script without its FIFO never runs (warned); the two FIFOs must differ; a name is required', () => {
    expect(load(g('  vrrp_notify_fifo_script /bin/cat')).lines).toEqual([`${F}:2:3: warning: 'vrrp_notify_fifo_script' without 'vrrp_notify_fifo' never runs (keepalived ignores it too)`]);
    expect(load(g('  notify_fifo /run/f\n  vrrp_notify_fifo /run/f')).lines).toEqual([`${F}:3:20: error: vrrp_notify_fifo names the same FIFO as notify_fifo (/run/f); keepalived requires different names`]);
    expect(load(g('  notify_fifo')).lines).toEqual([`${F}:2:3: error: 'notify_fifo' needs a FIFO name`]);
  });
  it('notify_priority_changes: the instance, else its sync group, else vrrp_notify_priority_changes', () => {
    const two = `${instance('  notify_priority_changes off', 'A')}${instance('', 'B').replace('virtual_router_id 51', 'virtual_router_id 52')}`;
    const group = (v: string) => `vrrp_sync_group G {\n  group {\n    A\n    B\n  }\n${v}\n}\n`;
    const changes = (text: string) => load(text).config!.instances.map((i) => i.notifyPriorityChanges);
    expect(changes(two)).toEqual([false, false]);
    expect(changes(`global_defs {\n  vrrp_notify_priority_changes\n}\n${two}`)).toEqual([false, true]);
    expect(changes(`global_defs {\n  vrrp_notify_priority_changes\n}\n${two}${group('  notify_priority_changes no')}`)).toEqual([false, false]);
    expect(changes(`${two}${group('  notify_priority_changes')}`)).toEqual([false, true]);
    expect(load(instance('  notify_priority_changes maybe')).lines).toEqual([`${F}:4:27: error: notify_priority_changes must be on/off/true/false/yes/no, not 'maybe'`]);
  });
});
