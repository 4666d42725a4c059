/**
 * Directory watches on one inotify descriptor (the watch addon), for track_file: keepalived's
 * mask, IN_CLOSE_WRITE | IN_DELETE | IN_MOVE on the file's directory, so a file is read once its
 * writer has closed it (never half-written, as a read on IN_MODIFY could see it) or once a new
 * one is renamed into place. fs.watch cannot ask for IN_CLOSE_WRITE, hence the addon.
 *
 * Listeners hear `written` (closed after writing, or moved in), `gone` (deleted or moved away),
 * and `lost` (the directory's watch ended: deleted, unmounted; or the event queue overflowed and
 * events may be missing): then they read the file again and may fall back to polling.
 */
import { attempt, IN, watchAddon, type InotifyEvent, type WatchAddon } from './watch-addon.js';
import { err, ok, type Result } from '../result.js';

export type DirEvent = 'written' | 'gone' | 'lost';

const MASK = IN.CLOSE_WRITE | IN.DELETE | IN.MOVED_FROM | IN.MOVED_TO | IN.DELETE_SELF | IN.MOVE_SELF;

interface Listener {
  readonly name: string;
  readonly on: (e: DirEvent) => void;
}

/** What a directory watch classifies one inotify event as, for a file named `name`; undefined: not about it. */
export function classify(ev: InotifyEvent, name: string): DirEvent | undefined {
  if (ev.mask & (IN.IGNORED | IN.DELETE_SELF | IN.MOVE_SELF)) return 'lost';
  if (ev.mask & IN.ISDIR || ev.name !== name) return undefined;
  if (ev.mask & (IN.DELETE | IN.MOVED_FROM)) return 'gone';
  if (ev.mask & (IN.CLOSE_WRITE | IN.MOVED_TO)) return 'written';
  return undefined;
}

/** One inotify descriptor shared by every watched directory. */
export class Inotify {
  readonly #addon: WatchAddon;
  readonly #fd: number;
  readonly #handle: object;
  readonly #byWd = new Map<number, Listener[]>();
  #closed = false;

  private constructor(addon: WatchAddon, fd: number, onBug: (e: unknown) => void) {
    this.#addon = addon;
    this.#fd = fd;
    this.#handle = addon.watch(fd, () => {
      try {
        this.#drain();
      } catch (e) {
        onBug(e);
      }
    });
  }

  /** An inotify descriptor, or why there is none (no addon, EMFILE: the per-user instance limit). */
  static open(onBug: (e: unknown) => void): Result<Inotify, string> {
    const addon = watchAddon();
    if (!addon.ok) return addon;
    const fd = attempt(() => addon.value.inotifyInit());
    if (!fd.ok) return err(fd.error.detail);
    return ok(new Inotify(addon.value, fd.value, onBug));
  }

  /** Watch `dir` for `name`; returns the way to stop, or why it cannot (ENOSPC: the watch limit). */
  add(dir: string, name: string, on: (e: DirEvent) => void): Result<() => void, string> {
    if (this.#closed) return err('inotify closed');
    const wd = attempt(() => this.#addon.inotifyAdd(this.#fd, dir, MASK));
    if (!wd.ok) return err(`${dir}: ${wd.error.detail}`);
    const l: Listener = { name, on };
    const list = this.#byWd.get(wd.value) ?? [];
    list.push(l);
    this.#byWd.set(wd.value, list);
    // The kernel keeps one watch per directory; it stays while other listeners share it.
    return ok(() => {
      const left = (this.#byWd.get(wd.value) ?? []).filter((x) => x !== l);
      if (left.length > 0) this.#byWd.set(wd.value, left);
      else this.#byWd.delete(wd.value);
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#addon.unwatch(this.#handle);
    attempt(() => this.#addon.close(this.#fd));
    this.#byWd.clear();
  }

  #drain(): void {
    if (this.#closed) return;
    const events = this.#addon.inotifyRead(this.#fd);
    for (const ev of events) {
      if (ev.mask & IN.Q_OVERFLOW) {
        for (const list of this.#byWd.values()) for (const l of list) l.on('lost');
        continue;
      }
      const list = this.#byWd.get(ev.wd);
      if (!list) continue;
      if (ev.mask & IN.IGNORED) this.#byWd.delete(ev.wd);
      for (const l of [...list]) {
        const what = classify(ev, l.name);
        if (what) l.on(what);
      }
    }
  }
}
