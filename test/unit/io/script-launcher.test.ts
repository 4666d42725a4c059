import { describe, expect, it } from 'vitest';
import { capsAfterExec, parseProcStatus, type Credentials } from '../../../src/io/credentials.js';
import { createLauncher } from '../../../src/io/script-launcher.js';

describe('parseProcStatus (/proc/self/status)', () => {
  const status = 'Name:\tnode\nUid:\t998\t998\t998\t998\nGid:\t997\t997\t997\t997\nCapInh:\t0000000000003000\nCapPrm:\t0000000000003000\n' +
    'CapEff:\t0000000000003000\nCapBnd:\t0000000000003000\nCapAmb:\t0000000000003000\nNoNewPrivs:\t1\n';
  it('reads the effective ids and the five capability sets', () => {
    const c = parseProcStatus(status);
    expect(c).toEqual({ uid: 998, gid: 997, inheritable: 0x3000n, permitted: 0x3000n, effective: 0x3000n, bounding: 0x3000n, ambient: 0x3000n });
    // an unprivileged exec keeps the ambient set; root's gets the bounding set
    expect(capsAfterExec(c!)).toBe(0x3000n);
    expect(capsAfterExec({ ...c!, uid: 0, bounding: 0x1ffn, ambient: 0n })).toBe(0x1ffn);
  });
  it('a kernel without ambient capabilities, or a missing field', () => {
    expect(parseProcStatus(status.replace(/CapAmb.*\n/, ''))?.ambient).toBe(0n);
    expect(parseProcStatus(status.replace(/CapEff.*\n/, ''))).toBeUndefined();
    expect(parseProcStatus('')).toBeUndefined();
  });
});

describe('the script launcher (setpriv)', () => {
  const root: Credentials = { uid: 0, gid: 0, inheritable: 0n, permitted: 0x1ffffffffffn, effective: 0x1ffffffffffn, bounding: 0x1ffffffffffn, ambient: 0n };
  // systemd/vrrpd.service: User=vrrpd, AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN, the same bounding set
  const unit: Credentials = { uid: 998, gid: 997, inheritable: 0x3000n, permitted: 0x3000n, effective: 0x3000n, bounding: 0x3000n, ambient: 0x3000n };

  it('root: empties every set, the bounding set included, and switches user with the gid as only group', () => {
    const l = createLauncher(root, '/usr/bin/setpriv');
    expect(l.refusal(65534, 65534, 'nobody')).toBeUndefined();
    expect(l.refusal(0, 0, 'root')).toBeUndefined();
    expect(l.argv('/x.sh', ['a'], 65534, 65534)).toEqual({
      file: '/usr/bin/setpriv',
      args: ['--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all', '--regid=65534', '--groups=65534', '--reuid=65534', '--', '/x.sh', 'a'],
    });
    expect(l.argv('/x.sh', [], 0, 0).args).toEqual(['--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all', '--', '/x.sh']);
  });

  it('vrrp_priority lowered the nice value: the script gets the starting one back through nice(1), before setpriv', () => {
    const l = createLauncher(root, '/usr/bin/setpriv', () => 10);
    expect(l.argv('/x.sh', ['a'], 0, 0)).toEqual({ file: '/usr/bin/nice', args: ['-n', '10', '/usr/bin/setpriv', '--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all', '--', '/x.sh', 'a'] });
    expect(createLauncher(root, undefined, () => 5).argv('/x.sh', [], 0, 0)).toEqual({ file: '/usr/bin/nice', args: ['-n', '5', '/x.sh'] });
    expect(createLauncher(root, '/usr/bin/setpriv', () => 0).argv('/x.sh', [], 0, 0).file).toBe('/usr/bin/setpriv');
  });

  it('the unit user: clears what it passes on (no CAP_SETPCAP for the bounding set), refuses other users', () => {
    const l = createLauncher(unit, '/usr/bin/setpriv');
    expect(l.argv('/x.sh', [], 998, 997).args).toEqual(['--inh-caps=-all', '--ambient-caps=-all', '--', '/x.sh']);
    expect(l.refusal(998, 997, 'vrrpd')).toBeUndefined();
    expect(l.refusal(0, 0, 'root')).toMatch(/without CAP_SETUID\/CAP_SETGID, so it cannot run scripts as root/);
    expect(l.refusal(998, 0, 'vrrpd')).toMatch(/cannot run scripts as/);
  });

  it('root with a reduced bounding set and no CAP_SETPCAP cannot run a capless root script', () => {
    const l = createLauncher({ ...root, bounding: 0x30c0n, permitted: 0x30c0n, effective: 0x30c0n }, '/usr/bin/setpriv');
    expect(l.refusal(0, 0, 'root')).toMatch(/lacks CAP_SETPCAP/);
    expect(l.refusal(65534, 65534, 'nobody')).toBeUndefined();
  });

  it('without setpriv only a script that would hold nothing and run as ourselves may start', () => {
    expect(createLauncher(unit, undefined).refusal(998, 997, 'vrrpd')).toMatch(/setpriv \(util-linux\) is not installed/);
    const plain: Credentials = { ...unit, inheritable: 0n, permitted: 0n, effective: 0n, ambient: 0n };
    const l = createLauncher(plain, undefined);
    expect(l.refusal(998, 997, 'vrrpd')).toBeUndefined();
    expect(l.argv('/x.sh', ['a'], 998, 997)).toEqual({ file: '/x.sh', args: ['a'] });
  });
});
