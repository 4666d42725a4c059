/**
 * The daemon's runtime directory (/run/vrrpd): the lock, the status socket, the record of the
 * VIPs it added and the SIGUSR1/SIGUSR2 dumps live there. Files are created without following symlinks, mode 0600, in a directory we own and nobody
 * else can write: the lesson of keepalived's CVE-2018-19044/19045/19046 (dump files in /tmp
 * opened through attacker-planted symlinks).
 */
import { constants } from 'node:fs';
import * as fs from '../io/fs-async.js';
import { join } from 'node:path';
import { err, ok, type Result } from '../result.js';

export const DEFAULT_RUN_DIR = '/run/vrrpd';

/** Create (mode 0700) or check the runtime directory: ours, a real directory, not writable by others. */
export async function prepareRunDir(dir: string): Promise<Result<string, string>> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const st = await fs.lstat(dir);
    if (!st.isDirectory()) return err(`${dir} is not a directory (a symlink?)`);
    const uid = process.getuid?.() ?? 0;
    if (st.uid !== uid) return err(`${dir} is owned by uid ${st.uid}, not by us (uid ${uid})`);
    if ((st.mode & 0o022) !== 0) return err(`${dir} is writable by group or others (mode ${(st.mode & 0o777).toString(8)})`);
    return ok(dir);
  } catch (e) {
    return err(`${dir}: ${(e as Error).message}`);
  }
}

/** A file we may overwrite: a regular file of ours with no other link (another name would change too). */
function checkOwnPlainFile(path: string, st: { isFile(): boolean; nlink: number; uid: number }): string | undefined {
  if (!st.isFile() || st.nlink !== 1) return `${path} is not a plain file with a single link; refusing to write`;
  const uid = process.geteuid?.() ?? 0;
  if (st.uid !== uid) return `${path} is owned by uid ${st.uid}, not by us; refusing to write`;
  return undefined;
}

/**
 * Write `text` to `name` in the runtime dir in place (the SIGUSR1/SIGUSR2 dumps): opened with
 * O_NOFOLLOW (no symlink honoured), mode 0600, and only truncated once fstat has shown a regular
 * file of ours with a single link, so a hard link planted there is refused, not emptied.
 */
export async function writePrivateFile(dir: string, name: string, text: string): Promise<Result<string, string>> {
  const path = join(dir, name);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  let handle: fs.FileDescriptor | undefined;
  try {
    handle = await fs.open(path, flags, 0o600);
    const bad = checkOwnPlainFile(path, await handle.stat());
    if (bad !== undefined) return err(bad);
    await handle.truncate(0);
    await handle.chmod(0o600);
    await handle.writeFile(text);
    return ok(path);
  } catch (e) {
    return err(`${path}: ${(e as Error).message}`);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Replace `name` in the runtime dir atomically (the VIP record): the text goes to a fresh
 * temporary file (O_EXCL | O_NOFOLLOW, mode 0600), which is then renamed over `name`, so a
 * reader sees the old content or the new, never a half-written file.
 */
export async function writeFileAtomically(dir: string, name: string, text: string): Promise<Result<string, string>> {
  const path = join(dir, name);
  const tmp = join(dir, `.${name}.tmp`);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  try {
    await fs.rm(tmp, { force: true }); // left by a crash; the directory is ours alone
    const handle = await fs.open(tmp, flags, 0o600);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, path);
    return ok(path);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    return err(`${path}: ${(e as Error).message}`);
  }
}

/**
 * Read `name` from the runtime dir: no symlink followed, no FIFO waited on (O_NONBLOCK), a
 * regular file of at most `maxBytes`. 'absent' when there is none.
 */
export async function readPrivateFile(dir: string, name: string, maxBytes: number): Promise<Result<string | 'absent', string>> {
  const path = join(dir, name);
  let handle: fs.FileDescriptor | undefined;
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = await handle.stat();
    if (!st.isFile()) return err(`${path} is not a regular file`);
    if (st.size > maxBytes) return err(`${path} is ${st.size} bytes, more than the ${maxBytes} expected`);
    return ok(await handle.readFile('utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok('absent');
    return err(`${path}: ${(e as Error).message}`);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
