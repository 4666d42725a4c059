/**
 * The daemon's runtime directory (/run/vrrpd): the status socket and the SIGUSR1 state dump live
 * there. Files are created without following symlinks, mode 0600, in a directory we own and nobody
 * else can write: the lesson of keepalived's CVE-2018-19044/19045/19046 (dump files in /tmp
 * opened through attacker-planted symlinks).
 */
import { constants, promises as fs } from 'node:fs';
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

/** Write `text` to `name` in the runtime dir: O_NOFOLLOW, no existing symlink honoured, mode 0600. */
export async function writePrivateFile(dir: string, name: string, text: string): Promise<Result<string, string>> {
  const path = join(dir, name);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(path, flags, 0o600);
    const st = await handle.stat();
    if (!st.isFile() || st.nlink !== 1) return err(`${path} is not a plain file with a single link; refusing to write`);
    await handle.chmod(0o600);
    await handle.writeFile(text);
    return ok(path);
  } catch (e) {
    return err(`${path}: ${(e as Error).message}`);
  } finally {
    await handle?.close();
  }
}
