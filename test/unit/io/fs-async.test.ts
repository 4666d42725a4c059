/** io/fs-async.ts: fs/promises' calls over node:fs's callbacks, and nothing else in src/ loading node:fs/promises. */
import { constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { srcFilesMatching } from '../../helpers/src-files.js';
import * as fs from '../../../src/io/fs-async.js';

it('nothing in src/ but fs-async.ts uses node:fs/promises or fs.promises (+0.55 MB of RSS)', () => {
  const offenders = srcFilesMatching(/['"](node:)?fs\/promises['"]|\bpromises\s+as\b|\bfs\.promises\b/, '/io/fs-async.ts');
  expect(offenders).toEqual([]);
});

describe('fs-async', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vrrpd-fs-async-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes, reads, stats, renames and removes', async () => {
    const a = join(dir, 'a');
    await fs.writeFile(a, 'hello\n');
    expect(await fs.readFile(a, 'utf8')).toBe('hello\n');
    expect((await fs.readFile(a)).length).toBe(6);
    expect((await fs.stat(a)).size).toBe(6);
    expect((await fs.lstat(a)).isFile()).toBe(true);
    expect(await fs.realpath(a)).toBe(join(await fs.realpath(dir), 'a'));
    await fs.access(a, constants.R_OK);
    await fs.chmod(a, 0o600);
    expect((await fs.stat(a)).mode & 0o777).toBe(0o600);
    await fs.rename(a, join(dir, 'b'));
    await fs.unlink(join(dir, 'b'));
    await fs.rm(join(dir, 'b'), { force: true });
    await fs.mkdir(join(dir, 'c', 'd'), { recursive: true, mode: 0o700 });
    expect((await fs.lstat(join(dir, 'c', 'd'))).isDirectory()).toBe(true);
  });

  it('rejects with the errno code and the message fs/promises gives', async () => {
    const missing = join(dir, 'missing');
    await expect(fs.readFile(missing, 'utf8')).rejects.toMatchObject({ code: 'ENOENT', message: `ENOENT: no such file or directory, open '${missing}'` });
    await expect(fs.rm(missing, {})).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.open(missing, constants.O_RDONLY)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('open gives a handle with the FileHandle calls the daemon uses', async () => {
    const p = join(dir, 'f');
    const w = await fs.open(p, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    await w.writeFile('0123456789');
    await w.truncate(4);
    await w.chmod(0o640);
    const st = await w.stat();
    expect(st.isFile()).toBe(true);
    expect(st.size).toBe(4);
    expect(st.mode & 0o777).toBe(0o640);
    await w.close();
    const r = await fs.open(p, constants.O_RDONLY);
    const buf = Buffer.alloc(8);
    expect(await r.read(buf, 0, buf.length, 1)).toEqual({ bytesRead: 3 });
    expect(buf.subarray(0, 3).toString()).toBe('123');
    expect(await r.readFile('utf8')).toBe('0123');
    await r.close();
    await expect(r.close()).rejects.toMatchObject({ code: 'EBADF' });
  });
});
