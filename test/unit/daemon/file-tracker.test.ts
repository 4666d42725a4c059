/** track_file at run time on real files in a temporary directory: inotify (the watch addon) and the polling fallback. */
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrackFile, VrrpdConfig } from '../../../src/config/types.js';
import { fileKind } from '../../../src/daemon/trackers/file.js';
import type { KindRuntime, TrackedObject, TrackerContext } from '../../../src/daemon/trackers/kind.js';
import { FileWatch } from '../../../src/io/track-file.js';
import { watchAddon } from '../../../src/io/watch-addon.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const addonMissing = watchAddon().ok ? undefined : 'watch addon not built';

describe.skipIf(addonMissing !== undefined)('track_file at run time', () => {
  let dir: string;
  let runtime: KindRuntime<TrackFile>;
  let changes: string[];
  const objects: TrackedObject[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vtrkf-'));
    changes = [];
    const ctx: TrackerContext = {
      now: () => performance.now(),
      log: pino({ level: 'silent' }),
      changed: (_k, _n, detail) => changes.push(detail),
      links: { isUp: () => undefined, on: () => undefined, off: () => undefined },
      scriptHost: () => Promise.reject(new Error('not used')),
      runDir: join(dir, 'run'),
      bug: (what, e) => {
        throw new Error(`${what}: ${String(e)}`);
      },
    };
    mkdirSync(ctx.runDir);
    runtime = fileKind.runtime(ctx);
  });
  afterEach(() => {
    for (const o of objects.splice(0)) o.stop();
    runtime.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = {} as VrrpdConfig;
  async function track(f: Partial<TrackFile> & { path: string }, reload = false): Promise<TrackedObject | undefined> {
    const c: TrackFile = { name: 'f', pos: { file: 'x', line: 1, col: 1 }, weight: 1, reverse: false, ...f };
    const o = await runtime.create({ name: c.name, key: '', config: c }, config, reload);
    if (o) objects.push(o);
    return o;
  }
  const value = (o: TrackedObject | undefined) => (o?.reading() as { value: number }).value;
  async function until(pred: () => boolean, ms = 2000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred() && Date.now() < end) await sleep(10);
  }

  it('reads at start; a missing file is 0', async () => {
    writeFileSync(join(dir, 'a'), '7\n');
    expect(value(await track({ path: join(dir, 'a') }))).toBe(7);
    expect(value(await track({ name: 'g', path: join(dir, 'missing') }))).toBe(0);
  });

  it('inotify: reported once written and closed, never half-written (a truncating writer in two steps)', async () => {
    const path = join(dir, 'a');
    writeFileSync(path, '1\n');
    const o = await track({ path });
    expect(o?.info().lastResult).toContain('(inotify)');
    // open(O_TRUNC), then a pause, then the digits: a read on IN_MODIFY would see the empty file (0).
    const fd = openSync(path, 'w');
    await sleep(100);
    writeSync(fd, '10\n');
    await sleep(50);
    expect(value(o)).toBe(1); // still open: nothing read yet
    closeSync(fd);
    await until(() => value(o) === 10);
    expect(value(o)).toBe(10);
    expect(changes).toEqual(['track_file f 1 -> 10']);
  });

  it('deleted or moved away reads as 0; a file renamed into place is read', async () => {
    const path = join(dir, 'a');
    writeFileSync(path, '4');
    const o = await track({ path });
    unlinkSync(path);
    await until(() => value(o) === 0);
    expect(value(o)).toBe(0);
    writeFileSync(join(dir, '.tmp'), '-3\n');
    renameSync(join(dir, '.tmp'), path);
    await until(() => value(o) === -3);
    expect(changes).toEqual(['track_file f 4 -> 0', 'track_file f 0 -> -3']);
    renameSync(path, join(dir, 'elsewhere'));
    await until(() => value(o) === 0);
    expect(value(o)).toBe(0);
  });

  it('a number keepalived refuses leaves the value as it was', async () => {
    const path = join(dir, 'a');
    writeFileSync(path, '2');
    const o = await track({ path });
    writeFileSync(path, '99999999999');
    await sleep(200);
    expect(value(o)).toBe(2);
    expect(o?.info().value).toBe(2);
  });

  it('init_file: writes a missing file; overwrite only at start, never on reload; disabled when the directory is missing', async () => {
    const path = join(dir, 'init');
    expect(value(await track({ path, init: { value: 5, overwrite: false } }))).toBe(5);
    expect(readFileSync(path, 'utf8')).toBe('5\n');
    writeFileSync(path, '8');
    expect(value(await track({ name: 'g', path, init: { value: 5, overwrite: false } }))).toBe(8);
    expect(value(await track({ name: 'h', path, init: { value: 6, overwrite: true } }, true))).toBe(8);
    expect(value(await track({ name: 'i', path, init: { value: 6, overwrite: true } }))).toBe(6);
    expect(await track({ name: 'j', path: join(dir, 'no', 'such', 'f') })).toBeUndefined();
  });

  it('in the runtime directory a symlink is not followed (reads as 0); elsewhere it is, as keepalived does', async () => {
    writeFileSync(join(dir, 'target'), '9');
    symlinkSync(join(dir, 'target'), join(dir, 'run', 'f'));
    symlinkSync(join(dir, 'target'), join(dir, 'link'));
    const inRun = await track({ path: join(dir, 'run', 'f') });
    expect(value(inRun)).toBe(0);
    expect(inRun?.info().lastResult).toContain('ELOOP');
    expect(value(await track({ name: 'g', path: join(dir, 'link') }))).toBe(9);
  });
});

describe('FileWatch without inotify: polls the file identity', () => {
  it('a change is seen within the poll interval', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vtrkf-'));
    try {
      const seen: string[] = [];
      const why: string[] = [];
      writeFileSync(join(dir, 'a'), '1');
      const w = new FileWatch({ dir, name: 'a' }, (e) => seen.push(e), { inotify: undefined, pollMs: 30, onFallback: (y) => why.push(y), onBug: (e) => { throw e; } });
      expect(w.mode).toBe('poll');
      expect(why).toEqual(['inotify is not available']);
      await sleep(80);
      writeFileSync(join(dir, 'a'), '22');
      await sleep(120);
      unlinkSync(join(dir, 'a'));
      await sleep(120);
      w.stop();
      expect(seen).toEqual(['written', 'gone']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
