/**
 * The watch addon (native/packet/watch.c): inotify with the events keepalived asks for, the proc
 * connector, pidfd, and readiness of any of those descriptors on the event loop. Loaded once;
 * when it is missing (not built), callers fall back to polling and say so. Why native:
 * native-notes/trackers.md.
 */
import { createRequire } from 'node:module';
import { err, ok, type Result } from '../result.js';

/** One proc connector event, by thread group (tgid = the process's pid). */
export type ProcEvent =
  | { readonly what: 'ack' }
  | { readonly what: 'fork'; readonly parentTgid: number; readonly pid: number; readonly tgid: number }
  | { readonly what: 'exec'; readonly pid: number; readonly tgid: number }
  | { readonly what: 'comm'; readonly pid: number; readonly tgid: number; readonly comm: string }
  | { readonly what: 'exit'; readonly pid: number; readonly tgid: number };

export interface InotifyEvent {
  readonly wd: number;
  readonly mask: number;
  readonly name: string;
}

/** The addon's surface. Every call throws an Error with `code` = errno name on failure. */
export interface WatchAddon {
  inotifyInit(): number;
  inotifyAdd(fd: number, path: string, mask: number): number;
  inotifyRead(fd: number): InotifyEvent[];
  procOpen(): number;
  procRead(fd: number): { events: ProcEvent[]; lost: boolean };
  pidfdOpen(pid: number): number;
  watch(fd: number, onReadable: (status: number) => void): object;
  unwatch(handle: object): void;
  close(fd: number): void;
}

/** inotify(7) event bits. */
export const IN = {
  MODIFY: 0x2,
  CLOSE_WRITE: 0x8,
  MOVED_FROM: 0x40,
  MOVED_TO: 0x80,
  CREATE: 0x100,
  DELETE: 0x200,
  DELETE_SELF: 0x400,
  MOVE_SELF: 0x800,
  Q_OVERFLOW: 0x4000,
  IGNORED: 0x8000,
  ISDIR: 0x40000000,
} as const;

const PATHS = ['../../native/packet/build/Release/vrrpd_watch.node', '../../../native/packet/build/Release/vrrpd_watch.node'];

let loaded: Result<WatchAddon, string> | undefined;

/** The addon, or why it cannot be used (not built). */
export function watchAddon(): Result<WatchAddon, string> {
  if (loaded) return loaded;
  const req = createRequire(import.meta.url);
  const tried: string[] = [];
  for (const p of PATHS) {
    try {
      loaded = ok(req(p) as WatchAddon);
      return loaded;
    } catch (e) {
      tried.push(`${p}: ${(e as Error).message.split('\n')[0] ?? ''}`);
    }
  }
  loaded = err(`watch addon not built (run \`npm run build:native\`); tried ${tried.join('; ')}`);
  return loaded;
}

/** The errno name of an addon error ('EIO' when it has none). */
export function errnoOf(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'EIO';
}

/** `f()` as a value: the addon's thrown errno errors become `{ code, detail }`. */
export function attempt<T>(f: () => T): Result<T, { readonly code: string; readonly detail: string }> {
  try {
    return ok(f());
  } catch (e) {
    return err({ code: errnoOf(e), detail: e instanceof Error ? e.message : String(e) });
  }
}
