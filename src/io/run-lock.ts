/**
 * One vrrpd per runtime directory: an exclusive flock(2) on <run-dir>/vrrpd.lock, held for the
 * life of the process. The lock is taken on OUR open file, by the packet addon's flock(2)
 * (native/packet/lock.c): a flock belongs to the open file description, which we keep open, so
 * it is released by the kernel when we exit, however we die. A stale lock file is therefore
 * harmless; only a live holder refuses. The file holds the holder's pid, for the message.
 *
 * Without the addon (not built, or built before lock.c) util-linux's flock(1) takes the same lock
 * on the same open file, passed to it as its descriptor 3; node:child_process is loaded for it
 * then, and only then (native-notes/memory.md: it costs ~0.5 MB at every start otherwise).
 */
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from '../result.js';
import { childProcess } from './child-process.js';
import { loadPacketAddon } from './packet-addon.js';
import { attempt } from './watch-addon.js';

export const LOCK_FILE = 'vrrpd.lock';
const FLOCK = 'flock';
const CONFLICT = 75;

/** The held lock: close() releases it (the kernel does too when we exit). */
export interface RunLock {
  readonly path: string;
  close(): void;
}

/** Take the lock on `dir`, or say who holds it. */
export async function acquireRunLock(dir: string): Promise<Result<RunLock, string>> {
  const path = join(dir, LOCK_FILE);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
  } catch (e) {
    return err(`${path}: ${(e as Error).message}`);
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    return err(`${path} is not a regular file`);
  }
  const r = await flock(fd, '--exclusive');
  if (r !== undefined) {
    const holder = r === 'held' ? readHolder(fd) : undefined;
    closeSync(fd);
    if (r !== 'held') return err(`cannot lock ${path}: ${r}`);
    return err(`another vrrpd${holder ? ` (pid ${holder})` : ''} is running with the runtime directory ${dir}; stop it first, or give this one its own --run-dir`);
  }
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`, 0);
  } catch {
    // The pid is only quoted to a second daemon when it is refused: a full or read-only disk must
    // not stop this one, which holds the lock. No pid rather than a stale one.
    attempt(() => ftruncateSync(fd, 0));
  }
  let open = true;
  return ok({
    path,
    close: () => {
      if (open) closeSync(fd);
      open = false;
    },
  });
}

/** Who holds the lock on `dir` now: a pid (or 'unknown'), or undefined when nobody does. */
export async function runLockHolder(dir: string): Promise<string | undefined> {
  let fd: number;
  try {
    fd = openSync(join(dir, LOCK_FILE), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined; // no lock file: no daemon ever ran here
  }
  try {
    const r = await flock(fd, '--shared');
    return r === 'held' ? (readHolder(fd) ?? 'unknown') : undefined;
  } finally {
    closeSync(fd);
  }
}

/** A non-blocking flock on our descriptor `fd`: undefined when locked, 'held' on conflict, else why not. */
function flock(fd: number, mode: '--exclusive' | '--shared'): Promise<'held' | string | undefined> {
  const a = loadPacketAddon();
  const lock = a.ok ? a.value.flock : undefined;
  if (lock === undefined) return flockCommand(fd, mode);
  const r = attempt(() => lock(fd, mode === '--exclusive', true));
  return Promise.resolve(r.ok ? undefined : r.error.code === 'EAGAIN' ? 'held' : r.error.detail);
}

/** The fallback without the addon's flock: util-linux's flock(1) -n on our descriptor, as its fd 3. */
function flockCommand(fd: number, mode: '--exclusive' | '--shared'): Promise<'held' | string | undefined> {
  return new Promise((resolve) => {
    let child;
    try {
      child = childProcess().spawn(FLOCK, [mode, '--nonblock', '--conflict-exit-code', String(CONFLICT), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
    } catch (e) {
      resolve(`${FLOCK}: ${(e as Error).message}`);
      return;
    }
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve(`${FLOCK} (util-linux): ${e.message}`);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? undefined : code === CONFLICT ? 'held' : `${FLOCK} exited with ${code}: ${stderr.trim()}`);
    });
  });
}

function readHolder(fd: number): string | undefined {
  const buf = Buffer.alloc(32);
  try {
    const n = readSync(fd, buf, 0, buf.length, 0);
    const pid = buf.subarray(0, n).toString('utf8').trim();
    return /^\d+$/.test(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}
