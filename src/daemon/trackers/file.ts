/**
 * The track_file kind (keepalived's track_file.c): a number read from a file, times the weight,
 * moves the priority (weight 0: a non-zero number means FAULT; the rule is in
 * src/track/tracker.ts). The file is read at start and whenever inotify says it was written and
 * closed, renamed into place, deleted or moved away (deleted or moved away reads as 0); without
 * inotify it is polled every second. `init_file` writes the value first when the file is
 * missing (or always with `overwrite`, but never on a reload). A track_file whose directory does
 * not exist is disabled, as keepalived removes it, and never moves a priority.
 */
import { resolve, sep } from 'node:path';
import type { TrackFile } from '../../config/types.js';
import { background } from '../../background.js';
import { Inotify } from '../../io/inotify.js';
import { exists, FileWatch, readTrackFile, resolveTrackFile, writeTrackFile } from '../../io/track-file.js';
import { RateLimiter } from '../../rate-limit.js';
import type { Reading, TrackerInfo } from '../../track/tracker.js';
import type { Logger } from '../log.js';
import { keyOf, type KindRuntime, type TrackedObject, type TrackerContext, type TrackerKind } from './kind.js';

/** How often a file is looked at when inotify cannot watch it. */
export const TRACK_FILE_POLL_MS = 1000;

class FileTracker implements TrackedObject {
  readonly kind = 'track_file' as const;
  readonly name: string;
  readonly settled: Promise<void>;
  #settle!: () => void;
  #value = 0;
  #result = 'not read yet';
  #sinceMs: number | undefined;
  #watch: FileWatch | undefined;
  #reading = false;
  #again = false;
  #stopped = false;
  readonly #log: Logger;
  readonly #limiter = new RateLimiter();

  constructor(
    readonly config: TrackFile,
    private readonly ctx: TrackerContext,
    private readonly noFollow: boolean,
  ) {
    this.name = config.name;
    this.#log = ctx.log.child({ trackFile: config.name });
    this.settled = new Promise((r) => (this.#settle = r));
  }

  /** Watch and read; false when the file cannot be watched at all (its directory is missing): disabled. */
  async start(inotify: Inotify | undefined): Promise<boolean> {
    const where = await resolveTrackFile(this.config.path, this.noFollow);
    if ('error' in where) {
      this.#log.error({ file: this.config.path }, `track_file ${this.name} disabled: ${where.error} (keepalived removes it too)`);
      return false;
    }
    this.#watch = new FileWatch(where, (what) => this.#event(what), {
      inotify,
      pollMs: TRACK_FILE_POLL_MS,
      onFallback: (why) => this.#log.warn({ file: this.config.path }, `track_file ${this.name}: polling every ${TRACK_FILE_POLL_MS} ms: ${why}`),
      onBug: (e) => this.ctx.bug(`polling track_file ${this.name}`, e),
    });
    await this.#read();
    this.#log.info({ file: this.config.path, value: this.#value, watch: this.#watch.mode }, `track_file ${this.name}: ${this.#value} (${this.#result})`);
    this.#settle();
    return true;
  }

  reading(): Reading {
    return { kind: 'value', value: this.#value };
  }

  info(): TrackerInfo {
    return {
      kind: this.kind,
      name: this.name,
      health: this.#value === 0 ? 'healthy' : 'failed',
      value: this.#value,
      weight: this.config.weight,
      reverse: this.config.reverse,
      lastResult: `${this.#result}${this.#watch ? ` (${this.#watch.mode})` : ''}`,
      ...(this.#sinceMs !== undefined ? { sinceMs: this.#sinceMs } : {}),
    };
  }

  stop(): void {
    this.#stopped = true;
    this.#watch?.stop();
  }

  #event(what: 'written' | 'gone'): void {
    if (what === 'gone') this.#set(0, 'deleted or moved away: 0');
    else background(this.#read(), (e) => this.ctx.bug(`reading track_file ${this.name}`, e));
  }

  /** One read at a time; an event during a read asks for one more. */
  async #read(): Promise<void> {
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = true;
    try {
      do {
        this.#again = false;
        const r = await readTrackFile(this.config.path, this.noFollow);
        if (this.#stopped) return;
        if (r.kind === 'value') this.#set(r.value, r.detail);
        else if (this.#limiter.check('invalid', this.ctx.now()).log) this.#log.warn({ file: this.config.path }, `track_file ${this.name}: ${r.detail}; keeping ${this.#value} (as keepalived does)`);
      } while (this.#again && !this.#stopped);
    } finally {
      this.#reading = false;
    }
  }

  #set(value: number, detail: string): void {
    this.#result = detail;
    const initial = this.#sinceMs === undefined;
    if (initial) this.#sinceMs = this.ctx.now();
    if (value === this.#value || this.#stopped) return;
    if (initial) {
      this.#value = value; // the first read: nobody tracks it yet
      return;
    }
    const from = this.#value;
    this.#value = value;
    this.#sinceMs = this.ctx.now();
    this.#log.info({ file: this.config.path, from, to: value }, `track_file ${this.name}: ${from} -> ${value} (${detail})`);
    this.ctx.changed('track_file', this.name, `track_file ${this.name} ${from} -> ${value}`);
  }
}

/** keepalived's init_file: write the value when the file is missing, or always with overwrite except on a reload. */
async function initFile(f: TrackFile, reload: boolean, log: Logger): Promise<void> {
  if (f.init === undefined) return;
  const present = await exists(f.path);
  if (present && (!f.init.overwrite || reload)) return;
  const r = await writeTrackFile(f.path, f.init.value);
  if (r.ok) log.info({ file: f.path, value: f.init.value }, `track_file ${f.name}: wrote ${f.init.value} (init_file)`);
  else log.error({ file: f.path, detail: r.detail }, `track_file ${f.name}: init_file could not write ${f.path}: ${r.detail}`);
}

export const fileKind: TrackerKind<TrackFile> = {
  kind: 'track_file',
  wanted(config) {
    const used = new Set(config.instances.flatMap((i) => i.trackFiles.map((t) => t.name)));
    return config.trackFiles.filter((f) => used.has(f.name)).map((f) => ({ name: f.name, key: keyOf(f), config: f }));
  },
  refs: (inst) => inst.trackFiles,
  label: (name) => `file ${name}`,
  runtime(ctx): KindRuntime<TrackFile> {
    let inotify: Inotify | undefined;
    let tried = false;
    return {
      async create(w, _config, reload) {
        if (!tried) {
          tried = true;
          const r = Inotify.open((e) => ctx.bug('reading inotify events', e));
          if (r.ok) inotify = r.value;
          else ctx.log.warn({ detail: r.error }, `track_file: inotify is not available, files are polled every ${TRACK_FILE_POLL_MS} ms: ${r.error}`);
        }
        const inRunDir = w.config.path.startsWith(resolve(ctx.runDir) + sep);
        await initFile(w.config, reload, ctx.log);
        const t = new FileTracker(w.config, ctx, inRunDir);
        return (await t.start(inotify)) ? t : undefined;
      },
      stop() {
        inotify?.close();
        inotify = undefined;
        tried = false;
      },
    };
  },
};
