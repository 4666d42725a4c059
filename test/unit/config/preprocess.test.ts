import { describe, expect, it } from 'vitest';
import { loadConfig, formatDiagnostic } from '../../../src/config/index.js';
import { fsSourceHost } from '../../../src/io/config-files.js';
import { F, FIXTURES, instance, load } from './helpers.js';

describe('include', () => {
  it('globs relative to the including file, csh braces, positions inside included files (real filesystem)', () => {
    const host = fsSourceHost({ interfacesDir: false, hostname: 'node1' });
    const r = loadConfig(`${FIXTURES}include/keepalived.conf`, host);
    const rel = (p: string) => p.replace(FIXTURES, '');
    expect(r.files.map(rel)).toEqual([
      'include/keepalived.conf', 'include/conf.d/10-script.conf', 'include/conf.d/20-instance.conf', 'include/sub/a.inc', 'include/sub/b.inc',
    ]);
    expect(r.diagnostics.map((d) => rel(formatDiagnostic(d)))).toEqual([
      "include/conf.d/10-script.conf:2:12: info: 'check_tcp 127.0.0.1:7443' is a vrrpd extension (a TCP connect check); keepalived would try to run a program named 'check_tcp'",
      "include/conf.d/20-instance.conf:10:9: warning: vrrp_instance VI_1 is in vrrp_sync_group G1: track_script 'chk' (weight -20) is ignored, as keepalived ignores a weighted tracker of a sync group member: it neither moves the priority nor causes FAULT; set weight 0 (a failure is FAULT for the whole group), or sync_group_tracking_weight in the group",
    ]);
    const cfg = r.config!;
    expect(cfg.scripts[0]!.script).toEqual({ kind: 'check_tcp', host: '127.0.0.1', port: 7443 });
    expect(cfg.instances.map((i) => [i.name, i.vrid, i.syncGroup, rel(i.pos.file), i.pos.line])).toEqual([
      ['VI_1', 251, 'G1', 'include/conf.d/20-instance.conf', 1],
      ['VI_2', 252, 'G1', 'include/sub/a.inc', 1],
    ]);
    expect(cfg.instances[1]).toMatchObject({ state: 'BACKUP', priority: 100, priorityExplicit: false });
    expect(cfg.syncGroups).toMatchObject([{ name: 'G1', members: ['VI_1', 'VI_2'] }]);
  });

  it('recursion is reported at the include that closes the loop', () => {
    const host = fsSourceHost({ interfacesDir: false });
    const r = loadConfig(`${FIXTURES}include/loop.conf`, host);
    const lines = r.diagnostics.map((d) => formatDiagnostic(d).replaceAll(FIXTURES, ''));
    expect(lines).toEqual([
      "include/loop2.conf:4:9: error: include recursion: 'include/loop.conf' is already being read (include/loop.conf -> include/loop2.conf -> include/loop.conf)",
    ]);
    expect(r.config).toBeUndefined();
  });

  it('no match: a warning for include, an error for includea / includer', () => {
    const r = load({ [F]: 'include nothing/*.conf\nincludea missing.conf\n' });
    expect(r.lines).toEqual([
      `${F}:1:9: warning: no file matches 'nothing/*.conf'`,
      `${F}:2:10: error: no file matches 'missing.conf'`,
    ]);
  });

  it('include without a file name', () => {
    expect(load({ [F]: 'include\n' }).lines).toEqual([`${F}:1:1: error: 'include' needs a file name`]);
  });

  it('absolute paths and ? / [..] globs; a missing entry file', () => {
    const r = load({ [F]: 'include /etc/vrrp/i?.conf\ninclude /etc/vrrp/[j]*\n', '/etc/vrrp/i1.conf': 'global_defs {\n router_id a\n}\n', '/etc/vrrp/j.conf': 'global_defs {\n router_id b\n}\n' });
    expect(r.files).toEqual([F, '/etc/vrrp/i1.conf', '/etc/vrrp/j.conf']);
    expect(r.config!.global.routerId).toBe('b');
    expect(load({ '/x.conf': '' }, { entry: '/nope.conf' }).lines).toEqual(["/nope.conf:1:1: error: cannot read '/nope.conf': no such file"]);
  });
});

describe('conditionals (@id, @^id)', () => {
  const text = instance('  @node1 priority 150\n  @node2 priority 50\n  @^node1 state MASTER\n  @^node2 nopreempt');
  it('default config id is the host name', () => {
    expect(load(text).config!.instances[0]).toMatchObject({ priority: 150, state: 'BACKUP', nopreempt: true });
  });
  it('--config-id overrides it', () => {
    expect(load(text, { configId: 'node2' }).config!.instances[0]).toMatchObject({ priority: 50, state: 'MASTER', nopreempt: false });
  });
  it('a bare @ is an error', () => {
    expect(load('@ router_id x\n').lines).toEqual([`${F}:1:1: error: '@' must be followed by a config id`]);
  });
});

describe('parameters', () => {
  it('$NAME and ${NAME}, defined later wins at use time, recursive values (keepalived.conf(5) example)', () => {
    const text = `$BASE=10.2.\${SUB}\n$SUB=0\nvrrp_instance V {\n interface eth0\n virtual_router_id 9\n virtual_ipaddress {\n  \${BASE}.100/32\n  $SUB=10\n  \${BASE}.100/24\n }\n}\n`;
    const vi = load(text).config!.instances[0]!;
    expect(vi.vips.map((v) => `${v.address}/${v.prefixLen}`)).toEqual(['10.2.0.100/32', '10.2.10.100/24']);
    expect(vi.vips[0]!.pos).toEqual({ file: F, line: 7, col: 3 });
  });

  it('multi-line definitions expand to several lines, with conditionals inside', () => {
    const text = [
      '$INST= \\',
      'vrrp_instance VI_${NUM} { \\',
      '  interface eth0 \\',
      '  virtual_router_id ${NUM} \\',
      '  @node1 priority 130 \\',
      '  virtual_ipaddress { \\',
      '    10.0.${NUM}.254/24 \\',
      '  } \\',
      '}',
      '$NUM=1',
      '$INST',
      '$NUM=2',
      '$INST',
    ].join('\n');
    const r = load(text);
    expect(r.lines).toEqual([]);
    expect(r.config!.instances.map((i) => [i.name, i.vrid, i.priority, i.vips[0]!.address, i.pos.line])).toEqual([
      ['VI_1', 1, 130, '10.0.1.254', 11],
      ['VI_2', 2, 130, '10.0.2.254', 13],
    ]);
  });

  it('a parameter may expand to a conditional; undefined parameters stay as written', () => {
    const r = load(`$IF_MAIN=@node1\n${instance('  $IF_MAIN priority 240\n  notify_master "/bin/echo $UNDEFINED ${_HASH}"')}`);
    expect(r.config!.instances[0]).toMatchObject({ priority: 240, notifyMaster: { command: '/bin/echo $UNDEFINED #' } });
  });

  it('_PWD and _INSTANCE are predefined', () => {
    const r = load(instance('  notify "${_PWD}/n.sh ${_INSTANCE}"'), { configId: 'cp9' });
    expect(r.config!.instances[0]!.notify?.command).toBe('/etc/keepalived/n.sh cp9');
  });

  it('a self-referencing parameter is an error, not a hang', () => {
    const r = load('$A=$A $A\nrouter $A\n');
    expect(r.lines).toEqual([
      `${F}:2:1: error: parameter substitution makes a line longer than 65536 characters (a parameter that refers to itself?) (vrrpd limit expansionLength = 65536; see README, "Configuration limits")`,
    ]);
    expect(load('$A=$B\n$B=$A\nrouter $A\n').lines).toEqual([
      `${F}:3:1: error: parameter expansion does not end (a parameter that refers to itself?) (vrrpd limit expansionDepth = 32; see README, "Configuration limits")`,
    ]);
  });

  it('~SEQ / ~LST are reported as unsupported', () => {
    expect(load('~SEQ(X, 1, 3) router_id r$X\n').lines).toEqual([`${F}:1:1: warning[failover]: ~SEQ(...) blocks are not supported by vrrpd; line ignored`]);
  });
});

describe('lexing', () => {
  it('comments with # and ! anywhere, quotes joining words, escapes', () => {
    const r = load(`vrrp_script s { # comment\n script "/bin/sh -c 'exit 0'" ! other\n}\n${instance('  notify_master ab"c d"e\\x\n  notify_backup "tab\\there\\x41\\101\\\\"\n  track_script {\n   s\n  }')}`);
    expect(r.lines).toEqual([]);
    expect(r.config!.scripts[0]!.script).toEqual({ kind: 'exec', command: "/bin/sh -c 'exit 0'", argv: ['/bin/sh', '-c', 'exit 0'] });
    expect(r.config!.instances[0]).toMatchObject({ notifyMaster: { command: 'abc de\\x' }, notifyBackup: { command: 'tab\there' + 'AA\\' } });
  });

  it('unterminated quote', () => {
    expect(load(instance('  notify "/bin/x').replace('\n  virtual_ipaddress', '\n  virtual_ipaddress')).lines).toEqual([
      `${F}:4:10: error: unterminated quoted string (missing ")`,
    ]);
  });

  it('braces on the same line, on the next line, and glued to words', () => {
    const r = load('vrrp_instance V\n{\n interface eth0\n virtual_router_id 7\n virtual_ipaddress {10.0.0.1 dev eth0}\n}\n');
    expect(r.lines).toEqual([]);
    expect(r.config!.instances[0]!.vips).toMatchObject([{ address: '10.0.0.1', dev: 'eth0' }]);
  });
});

describe('braces', () => {
  it('unbalanced braces are positioned errors', () => {
    expect(load('global_defs {\n router_id a\n').lines).toEqual([`${F}:1:13: error: '{' is never closed (missing '}')`]);
    expect(load('}\n').lines).toEqual([`${F}:1:1: error: unexpected '}' (no block is open)`]);
    expect(load('{\n}\n').lines).toEqual([`${F}:1:1: error: '{' without a keyword before it`]);
  });
});
