import { describe, expect, it } from 'vitest';
import { parseLinkLine } from '../../../src/track/link-parse.js';
import { shellAdvice, shellSyntaxIn, splitScriptWords } from '../../../src/track/script-words.js';
import { parseTcpTarget } from '../../../src/track/tcp-target.js';
import { parseGroup, parsePasswd } from '../../../src/track/passwd.js';

describe('parseLinkLine', () => {
  it('parses an up veth with a peer suffix', () => {
    const r = parseLinkLine(
      '7: veth0@if6: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 12:34:56:78:9a:bc brd ff:ff:ff:ff:ff:ff link-netns x',
    );
    expect(r).toEqual({
      ok: true,
      value: { index: 7, ifname: 'veth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], up: true, deleted: false, operstate: 'UP' },
    });
  });
  it('a dummy in state UNKNOWN with UP,LOWER_UP is up', () => {
    const r = parseLinkLine('3: vtt1: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN group default');
    expect(r.ok && r.value.up).toBe(true);
  });
  it('admin down, or no carrier, is down', () => {
    const a = parseLinkLine('3: vtt1: <BROADCAST,NOARP> mtu 1500 qdisc noqueue state DOWN group default');
    const b = parseLinkLine('4: eth0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 state DOWN');
    expect(a.ok && a.value.up).toBe(false);
    expect(b.ok && b.value.up).toBe(false);
  });
  it('Deleted lines and [LINK] prefixes', () => {
    const d = parseLinkLine('Deleted 3: vtt1: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN');
    expect(d.ok && d.value).toMatchObject({ ifname: 'vtt1', deleted: true, up: false });
    const p = parseLinkLine('[LINK]3: vtt1: <UP,LOWER_UP> mtu 1500');
    expect(p.ok && p.value.up).toBe(true);
  });
  it('rejects other lines as values', () => {
    for (const l of ['', 'garbage', '3: eth0 inet 10.0.0.1/24', '3: : <UP>', 'x'.repeat(10_000)]) {
      expect(parseLinkLine(l).ok).toBe(false);
    }
  });
});

describe('splitScriptWords (keepalived quoting)', () => {
  it('splits on whitespace', () => {
    expect(splitScriptWords('  /bin/check  a\tb ')).toEqual({ ok: true, value: ['/bin/check', 'a', 'b'] });
  });
  it('quotes join with touching text, as keepalived.conf(5) shows', () => {
    expect(splitScriptWords(`abcd" efg h jkl "mnop`)).toEqual({ ok: true, value: ['abcd efg h jkl mnop'] });
    expect(splitScriptWords(`abcd "efg h jkl" mnop`)).toEqual({ ok: true, value: ['abcd', 'efg h jkl', 'mnop'] });
    expect(splitScriptWords(`a 'b "c' ""`)).toEqual({ ok: true, value: ['a', 'b "c', ''] });
  });
  it('errors are values', () => {
    expect(splitScriptWords('a "b')).toMatchObject({ ok: false, error: { kind: 'unterminated-quote' } });
    expect(splitScriptWords('   ')).toMatchObject({ ok: false, error: { kind: 'empty-script' } });
  });
});

describe('shell syntax in a script line (vrrpd runs scripts without a shell)', () => {
  it('finds separators, redirections, substitutions and variables', () => {
    expect(shellSyntaxIn(['test', '-e', '/x', '&&', 'exit', '0'])).toEqual({ word: '&&', what: 'a command separator' });
    expect(shellSyntaxIn(['echo', 'x', '2>/dev/null'])).toEqual({ word: '2>/dev/null', what: 'a redirection' });
    expect(shellSyntaxIn(['/bin/x', '$(date)'])).toMatchObject({ what: 'a command substitution' });
    expect(shellSyntaxIn(['/bin/x', '$HOME'])).toMatchObject({ what: 'a variable' });
    expect(shellSyntaxIn(['/bin/x', 'a;'])).toMatchObject({ what: 'a command separator' });
    expect(shellSyntaxIn(['/usr/bin/nc', '-z', '127.0.0.1', '7443'])).toBeUndefined();
    expect(shellSyntaxIn(['/bin/x', 'cost$5'])).toBeUndefined();
    // an explicit shell line is the shell's business
    expect(shellSyntaxIn(['/bin/sh', '-c', 'test -n "$X" && exit 0'])).toBeUndefined();
    expect(shellSyntaxIn(['bash', '-ec', '[ -e /x ] || exit 1', '$0'])).toBeUndefined();
    expect(shellSyntaxIn(['/bin/sh', '/etc/x.sh', '&&'])).toMatchObject({ word: '&&' });
  });
  it('advises an explicit /bin/sh -c line, or a file when the line has quotes', () => {
    expect(shellAdvice('script', 'exit 0')).toContain(`write script "/bin/sh -c 'exit 0'"`);
    expect(shellAdvice('notify_master', "echo 'x'")).toContain('put the line in an executable file');
  });
});

describe('parseTcpTarget', () => {
  it('host:port and [v6]:port', () => {
    expect(parseTcpTarget('127.0.0.1:7443')).toEqual({ ok: true, value: { host: '127.0.0.1', port: 7443 } });
    expect(parseTcpTarget('[::1]:80')).toEqual({ ok: true, value: { host: '::1', port: 80 } });
    expect(parseTcpTarget('localhost:1')).toEqual({ ok: true, value: { host: 'localhost', port: 1 } });
  });
  it('bad targets are values', () => {
    for (const s of ['127.0.0.1', ':80', '1.2.3.4:0', '1.2.3.4:65536', '::1:80', 'a b:1', '']) {
      expect(parseTcpTarget(s)).toMatchObject({ ok: false, error: { kind: 'bad-tcp-target' } });
    }
  });
});

describe('passwd / group', () => {
  it('parses and skips junk', () => {
    const p = parsePasswd('root:x:0:0:root:/root:/bin/bash\n# c\nbad\nkeepalived_script:x:998:997::/:/usr/sbin/nologin\nx:x:a:0::/:/bin/sh\n');
    expect(p).toEqual([
      { name: 'root', uid: 0, gid: 0, home: '/root' },
      { name: 'keepalived_script', uid: 998, gid: 997, home: '/' },
    ]);
    expect(parseGroup('root:x:0:\nstaff:x:50:a,b\n::\n')).toEqual([
      { name: 'root', gid: 0 },
      { name: 'staff', gid: 50 },
    ]);
  });
});
