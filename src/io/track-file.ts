/**
 * A track_file on disk: read as keepalived reads it, created by `init_file`, and watched.
 *
 * - Reading: the first 127 bytes, opened with O_NONBLOCK (a FIFO or a device never blocks the
 *   daemon) and, for files in vrrpd's runtime directory, O_NOFOLLOW (a symlink planted there is
 *   not followed; elsewhere a symlink is followed, as keepalived does). A missing, unreadable,
 *   empty or non-regular file reads as 0, keepalived's rule; a number out of range is ignored.
 * - `init_file`: the value written to a new file, then renamed into place (keepalived's
 *   fopen_safe): never through a symlink, never a half-written file.
 * - Watching: inotify on the directory (src/io/inotify.ts); when the addon or a watch is not
 *   available, a poll of the file's identity (inode, size, mtime) every `pollMs`.
 */
import { constants } from 'node:fs';
import * as fs from './fs-async.js';
import { basename, dirname, join } from 'node:path';
import { parseFileValue, TRACK_FILE_READ_BYTES } from '../track/file-value.js';
import { background } from '../background.js';
import type { Inotify } from './inotify.js';

/** What a read gave: a value, or a refusal to change it (keepalived's "Invalid number ... ignoring"). */
export type FileRead =
  | { readonly kind: 'value'; readonly value: number; readonly detail: string }
  | { readonly kind: 'ignored'; readonly detail: string };

/** Read a track file now. Never throws. */
export async function readTrackFile(path: string, noFollow: boolean): Promise<FileRead> {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (noFollow ? constants.O_NOFOLLOW : 0);
  let h: fs.FileDescriptor | undefined;
  try {
    h = await fs.open(path, flags);
    const st = await h.stat();
    if (!st.isFile()) return { kind: 'value', value: 0, detail: 'not a regular file: 0' };
    const buf = Buffer.alloc(TRACK_FILE_READ_BYTES);
    const { bytesRead } = await h.read(buf, 0, buf.length, 0);
    if (bytesRead === 0) return { kind: 'value', value: 0, detail: 'empty: 0' };
    const r = parseFileValue(buf.subarray(0, bytesRead).toString('latin1'));
    return r.ok ? { kind: 'value', value: r.value, detail: `read ${r.value}` } : { kind: 'ignored', detail: r.error.detail };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return { kind: 'value', value: 0, detail: code === 'ENOENT' ? 'missing: 0' : `unreadable (${code}): 0` };
  } finally {
    await h?.close().catch(() => undefined);
  }
}

/** keepalived's `init_file VALUE`: the value and a newline, written to a temporary file renamed over `path`. */
export async function writeTrackFile(path: string, value: number): Promise<{ ok: true } | { ok: false; detail: string }> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const h = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      await h.writeFile(`${value}\n`);
    } finally {
      await h.close();
    }
    await fs.rename(tmp, path);
    return { ok: true };
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    return { ok: false, detail: (e as Error).message };
  }
}

/** Whether `path` exists (lstat: a dangling symlink exists). */
export async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Where to watch a track file, as keepalived resolves it at start (init_track_files): the real
 * path of the file when it exists, else the real path of its directory plus its name. Undefined
 * when the directory does not exist either (keepalived removes such a track_file). Files in the
 * runtime directory are taken as written (never resolved through a link).
 */
export async function resolveTrackFile(path: string, inRunDir: boolean): Promise<{ dir: string; name: string } | { error: string }> {
  if (inRunDir) return { dir: dirname(path), name: basename(path) };
  const real = await fs.realpath(path).catch((e: NodeJS.ErrnoException) => e);
  if (typeof real === 'string') return { dir: dirname(real), name: basename(real) };
  if (real.code !== 'ENOENT') return { error: `${path} is not accessible (${real.code ?? real.message})` };
  const dir = await fs.realpath(dirname(path)).catch(() => undefined);
  const st = dir === undefined ? undefined : await fs.stat(dir).catch(() => undefined);
  if (dir === undefined || !st?.isDirectory()) return { error: `the directory of ${path} does not exist` };
  return { dir, name: basename(path) };
}

/** How the file is watched, for logs and the status model. */
export type WatchMode = 'inotify' | 'poll';

/**
 * Calls `onEvent` when the file may have changed: written and closed, renamed in, deleted or
 * moved away ('gone'), or, when polling, when its identity changed. Falls back to polling when
 * inotify cannot watch, or stops watching the directory.
 */
export class FileWatch {
  #mode: WatchMode = 'poll';
  #unsubscribe: (() => void) | undefined;
  #poll: NodeJS.Timeout | undefined;
  #last = '';
  #stopped = false;

  constructor(
    private readonly at: { readonly dir: string; readonly name: string },
    private readonly onEvent: (what: 'written' | 'gone') => void,
    private readonly opts: { readonly inotify: Inotify | undefined; readonly pollMs: number; readonly onFallback: (why: string) => void; readonly onBug: (e: unknown) => void },
  ) {
    const sub = opts.inotify?.add(at.dir, at.name, (e) => (e === 'lost' ? this.#lost() : onEvent(e)));
    if (sub?.ok) {
      this.#mode = 'inotify';
      this.#unsubscribe = sub.value;
    } else this.#startPolling(sub ? sub.error : 'inotify is not available');
  }

  get mode(): WatchMode {
    return this.#mode;
  }

  stop(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    clearInterval(this.#poll);
  }

  #lost(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.onEvent('written'); // read again: events may have been missed
    this.#startPolling(`the watch on ${this.at.dir} ended (directory removed, or events overflowed)`);
  }

  #startPolling(why: string): void {
    if (this.#stopped || this.#poll) return;
    this.#mode = 'poll';
    this.opts.onFallback(why);
    const path = join(this.at.dir, this.at.name);
    const tick = async (): Promise<void> => {
      const st = await fs.lstat(path).catch(() => undefined);
      const id = st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'absent';
      if (id === this.#last || this.#stopped) return;
      const first = this.#last === '';
      this.#last = id;
      if (!first) this.onEvent(st ? 'written' : 'gone');
    };
    background(tick(), this.opts.onBug);
    this.#poll = setInterval(() => background(tick(), this.opts.onBug), this.opts.pollMs);
    this.#poll.unref();
  }
}
