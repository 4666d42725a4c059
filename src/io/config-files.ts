/**
 * The real SourceHost for the config loader: files via node:fs (no shell), directory listings
 * for the pure glob walk (src/config/glob.ts), interfaces from /sys/class/net.
 *
 * Reading never blocks and never reads more than asked: the path is stat()ed first (symlinks
 * followed: /etc/keepalived/keepalived.conf is often one) and anything but a regular file is
 * refused unopened (opening a FIFO blocks until a writer comes; opening some devices has effects,
 * /dev/watchdog arms the watchdog). The file is then opened O_NONBLOCK, fstat()ed again (the same
 * regular file, or it changed under us) and read up to the byte budget, whatever size it claims.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, opendirSync, readSync, statSync, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ReadError, SourceHost } from '../config/types.js';
import { err, ok, type Result } from '../result.js';

export interface FsSourceHostOptions {
  /** Check interfaces under this directory (default /sys/class/net); false: do not check. */
  readonly interfacesDir?: string | false;
  /** Default: the first label of os.hostname(). */
  readonly hostname?: string;
}

export function fsSourceHost(options: FsSourceHostOptions = {}): SourceHost {
  const ifDir = options.interfacesDir ?? '/sys/class/net';
  const host: SourceHost = {
    readFile: readRegularFile,
    listDir,
    exists: existsSync,
    dirname: (p) => dirname(p),
    join: (base, rel) => resolve(base, rel),
    hostname: options.hostname ?? (hostname().split('.')[0] || 'localhost'),
  };
  if (ifDir === false) return host;
  return { ...host, interfaceExists: (name) => !name.includes('/') && existsSync(join(ifDir, name)) };
}

const CHUNK = 64 * 1024;

/** A regular file's text, at most `maxBytes` bytes; see the module comment. */
export function readRegularFile(path: string, maxBytes: number): Result<{ text: string; bytes: number }, ReadError> {
  let before: Stats;
  try {
    before = statSync(path);
  } catch (e) {
    return err({ kind: 'unreadable', detail: describe(e) });
  }
  if (!before.isFile()) return err({ kind: 'not-regular', detail: fileKind(before) });
  if (before.size > maxBytes) return err({ kind: 'too-large', detail: `${before.size} bytes` });
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    return err({ kind: 'unreadable', detail: describe(e) });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.ino !== before.ino || st.dev !== before.dev) return err({ kind: 'not-regular', detail: `changed while being opened (now ${fileKind(st)})` });
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes - total + 1));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > maxBytes) return err({ kind: 'too-large', detail: `more than ${maxBytes} bytes` });
    }
    return ok({ text: Buffer.concat(chunks, total).toString('utf8'), bytes: total });
  } catch (e) {
    return err({ kind: 'unreadable', detail: describe(e) });
  } finally {
    closeSync(fd);
  }
}

/** Up to `maxEntries` names of a directory, read one at a time (a huge directory costs no more). */
function listDir(dir: string, maxEntries: number): { names: string[]; truncated: boolean } | undefined {
  let handle;
  try {
    handle = opendirSync(dir);
  } catch {
    return undefined;
  }
  const names: string[] = [];
  try {
    for (let e = handle.readSync(); e !== null; e = handle.readSync()) {
      if (names.length >= maxEntries) return { names, truncated: true };
      names.push(e.name);
    }
    return { names, truncated: false };
  } catch {
    return undefined;
  } finally {
    handle.closeSync();
  }
}

function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'is a directory';
  if (st.isFIFO()) return 'is a FIFO';
  if (st.isCharacterDevice()) return 'is a character device';
  if (st.isBlockDevice()) return 'is a block device';
  if (st.isSocket()) return 'is a socket';
  return 'is not a regular file';
}

function describe(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return 'would block (a lease or lock is held on it)';
  return e instanceof Error ? e.message : String(e);
}
