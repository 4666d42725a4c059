import { describe, expect, it } from 'vitest';
import {
  checkPathChain,
  isExecutableBy,
  needsProtection,
  pathElements,
  type PathElementStat,
} from '../../../src/track/script-security-rule.js';

const DIR = 0o040000;
const REG = 0o100000;
const LNK = 0o120000;
const e = (path: string, mode: number, uid = 0, gid = 0): PathElementStat => ({ path, mode, uid, gid });
const chain = (file: PathElementStat, ...dirs: PathElementStat[]) => [e('/', DIR | 0o755), ...dirs, file];

describe('script security rule', () => {
  it('pathElements', () => {
    expect(pathElements('/a/b/c.sh')).toEqual(['/', '/a', '/a/b', '/a/b/c.sh']);
    expect(pathElements('/')).toEqual(['/']);
  });
  it('accepts a root-owned, root-only-writable chain', () => {
    expect(checkPathChain(chain(e('/etc/x.sh', REG | 0o755), e('/etc', DIR | 0o755))).ok).toBe(true);
  });
  it('refuses a file owned by a non-root user, naming it', () => {
    const r = checkPathChain(chain(e('/etc/x.sh', REG | 0o755, 1000), e('/etc', DIR | 0o755)));
    expect(r).toMatchObject({ ok: false, error: { kind: 'insecure', path: '/etc/x.sh' } });
  });
  it('refuses a parent directory writable by a non-root group or by everyone', () => {
    expect(checkPathChain(chain(e('/d/x', REG | 0o755), e('/d', DIR | 0o775, 0, 50)))).toMatchObject({
      ok: false,
      error: { path: '/d' },
    });
    expect(checkPathChain(chain(e('/d/x', REG | 0o755), e('/d', DIR | 0o757)))).toMatchObject({ ok: false, error: { path: '/d' } });
  });
  it('group-writable by group root is fine; a sticky world-writable dir (like /tmp) is fine if root-owned', () => {
    expect(checkPathChain(chain(e('/d/x', REG | 0o775), e('/d', DIR | 0o775))).ok).toBe(true);
    expect(checkPathChain(chain(e('/tmp/x', REG | 0o755), e('/tmp', DIR | 0o1777))).ok).toBe(true);
  });
  it('a world-writable file is refused; a symlink as last element is not judged by its mode', () => {
    expect(checkPathChain(chain(e('/d/x', REG | 0o757), e('/d', DIR | 0o755))).ok).toBe(false);
    expect(checkPathChain(chain(e('/d/x', LNK | 0o777), e('/d', DIR | 0o755))).ok).toBe(true);
  });
  it('a non-directory in the middle is a wrong type', () => {
    expect(checkPathChain(chain(e('/d/x', REG | 0o755), e('/d', REG | 0o755)))).toMatchObject({
      ok: false,
      error: { kind: 'wrong-type', path: '/d' },
    });
  });
  it('needsProtection: root uid or gid, or setuid/setgid root', () => {
    const f = e('/x', REG | 0o755, 1000, 1000);
    expect(needsProtection(f, 0, 1000)).toBe(true);
    expect(needsProtection(f, 1000, 0)).toBe(true);
    expect(needsProtection(f, 1000, 1000)).toBe(false);
    expect(needsProtection(e('/x', REG | 0o4755, 0, 0), 1000, 1000)).toBe(true);
    expect(needsProtection(e('/x', REG | 0o2755, 5, 0), 1000, 1000)).toBe(true);
  });
  it('isExecutableBy follows owner / group / other bits; root needs any x', () => {
    const f = e('/x', REG | 0o710, 1000, 50);
    expect(isExecutableBy(f, 1000, 1)).toBe(true);
    expect(isExecutableBy(f, 2000, 50)).toBe(true);
    expect(isExecutableBy(f, 2000, 51)).toBe(false);
    expect(isExecutableBy(e('/x', REG | 0o644), 0, 0)).toBe(false);
  });
});
