import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkScriptSecurity, defaultScriptUser, findInPath, resolveScriptUser } from '../../../src/io/script-security.js';

const isRoot = process.getuid?.() === 0;
const ROOT = { uid: 0, gid: 0 };
let dir: string;

async function file(path: string, mode = 0o755): Promise<string> {
  await writeFile(path, '#!/bin/sh\nexit 0\n');
  await chmod(path, mode);
  return path;
}

async function subdir(name: string, mode: number, uid = 0, gid = 0): Promise<string> {
  const d = join(dir, name);
  await mkdir(d);
  await chown(d, uid, gid);
  await chmod(d, mode);
  return d;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vtt-sec-'));
  await chmod(dir, 0o755);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!isRoot)('enable_script_security (root)', () => {
  it('accepts a root-owned script in root-only-writable directories', async () => {
    const d = await subdir('ok', 0o755);
    const f = await file(join(d, 'chk.sh'));
    expect(await checkScriptSecurity(f, ROOT, true)).toEqual({ ok: true, value: { file: f, insecure: undefined } });
  });

  it('refuses a script owned by a non-root user, naming the file', async () => {
    const d = await subdir('userfile', 0o755);
    const f = await file(join(d, 'chk.sh'));
    await chown(f, 1000, 1000);
    const r = await checkScriptSecurity(f, ROOT, true);
    expect(r).toMatchObject({ ok: false, error: { kind: 'insecure', path: f } });
    expect(!r.ok && r.error.detail).toMatch(/owned by uid 1000/);
  });

  it('refuses when a parent directory is world-writable, naming the directory', async () => {
    const d = await subdir('world', 0o777);
    const f = await file(join(d, 'chk.sh'));
    expect(await checkScriptSecurity(f, ROOT, true)).toMatchObject({ ok: false, error: { kind: 'insecure', path: d } });
  });

  it('refuses a parent group-writable by a non-root group; allows group root', async () => {
    const g = await subdir('grp50', 0o775, 0, 50);
    const f = await file(join(g, 'chk.sh'));
    expect(await checkScriptSecurity(f, ROOT, true)).toMatchObject({ ok: false, error: { path: g } });
    const r = await subdir('grp0', 0o775, 0, 0);
    const f0 = await file(join(r, 'chk.sh'));
    expect((await checkScriptSecurity(f0, ROOT, true)).ok).toBe(true);
  });

  it('a symlink into an unsafe directory is refused (the real path is checked)', async () => {
    const bad = await subdir('bad', 0o777);
    const real = await file(join(bad, 'real.sh'));
    const good = await subdir('good', 0o755);
    const link = join(good, 'link.sh');
    await symlink(real, link);
    expect(await checkScriptSecurity(link, ROOT, true)).toMatchObject({ ok: false, error: { kind: 'insecure', path: bad } });
  });

  it('without enable_script_security the unsafe script is allowed but flagged', async () => {
    const d = await subdir('world2', 0o777);
    const f = await file(join(d, 'chk.sh'));
    const r = await checkScriptSecurity(f, ROOT, false);
    expect(r).toMatchObject({ ok: true, value: { file: f, insecure: { kind: 'insecure', path: d } } });
  });

  it('a script run as a non-root user needs no protection', async () => {
    const d = await subdir('world3', 0o777);
    const f = await file(join(d, 'chk.sh'));
    expect(await checkScriptSecurity(f, { uid: 65534, gid: 65534 }, true)).toMatchObject({ ok: true, value: { insecure: undefined } });
    // ...but a root group still counts as root
    expect((await checkScriptSecurity(f, { uid: 65534, gid: 0 }, true)).ok).toBe(false);
  });

  it('missing or non-executable scripts are refused', async () => {
    const d = await subdir('misc', 0o755);
    const f = await file(join(d, 'noexec.sh'), 0o644);
    expect(await checkScriptSecurity(f, ROOT, true)).toMatchObject({ ok: false, error: { kind: 'not-executable' } });
    expect(await checkScriptSecurity(join(d, 'nope'), ROOT, true)).toMatchObject({ ok: false, error: { kind: 'not-found' } });
  });

  it('a bare name is found in PATH only as a regular file executable by the script user', async () => {
    const d = await subdir('path', 0o755);
    await file(join(d, 'mine'), 0o700);
    await file(join(d, 'all'), 0o755);
    expect(await findInPath('all', { uid: 65534, gid: 65534 }, `relative:${d}`)).toBe(join(d, 'all'));
    expect(await findInPath('mine', { uid: 65534, gid: 65534 }, d)).toBeUndefined();
    expect(await findInPath('mine', ROOT, d)).toBe(join(d, 'mine'));
    expect(await findInPath('path', ROOT, dir)).toBeUndefined(); // a directory
  });
});

describe('script_user resolution', () => {
  it('resolves names and groups from the account files, numeric ids too', async () => {
    const passwd = join(dir, 'passwd');
    const group = join(dir, 'group');
    await writeFile(passwd, 'root:x:0:0::/root:/bin/sh\nkeepalived_script:x:998:997::/:/usr/sbin/nologin\n');
    await writeFile(group, 'root:x:0:\nstaff:x:50:\n');
    const files = { passwd, group };
    expect(await resolveScriptUser('keepalived_script', undefined, files)).toEqual({
      ok: true,
      value: { uid: 998, gid: 997, name: 'keepalived_script', home: '/' },
    });
    expect(await resolveScriptUser('keepalived_script', 'staff', files)).toMatchObject({ ok: true, value: { uid: 998, gid: 50 } });
    expect(await resolveScriptUser('nobody', undefined, files)).toMatchObject({ ok: false, error: { kind: 'unknown-user' } });
    expect(await resolveScriptUser('root', 'wheel', files)).toMatchObject({ ok: false, error: { kind: 'unknown-group' } });
    expect(await defaultScriptUser(files)).toEqual({ uid: 998, gid: 997, name: 'keepalived_script', home: '/' });
  });

  it('default user falls back to our own ids without keepalived_script', async () => {
    const passwd = join(dir, 'passwd2');
    await writeFile(passwd, 'root:x:0:0::/root:/bin/sh\n');
    expect(await defaultScriptUser({ passwd }, { uid: 4242, gid: 4243 })).toEqual({ uid: 4242, gid: 4243, name: undefined, home: undefined });
    expect(await defaultScriptUser({ passwd })).toMatchObject({ uid: process.geteuid?.(), gid: process.getegid?.() });
  });
});
