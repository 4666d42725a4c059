/** The notify FIFOs: keepalived's lines (vrrp_notify.c notify_fifo), and a FIFO that never stalls the daemon. */
import { closeSync, constants, lstatSync, mkdtempSync, openSync, readSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotifyFifoWriter } from '../../../src/io/notify-fifo.js';
import { fifoLine, Notifications } from '../../../src/daemon/notifications.js';
import { createLogger } from '../../../src/daemon/log.js';
import { host } from '../../helpers/scripts.js';
import { instance, load } from '../config/helpers.js';

let dir: string;
const quiet = createLogger({ level: 'silent' });
const noWarn = (m: string): never => {
  throw new Error(m);
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vtt-fifo-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Everything waiting in the FIFO, read without blocking. */
function drain(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const buf = Buffer.alloc(1 << 17);
  let out = '';
  try {
    for (;;) {
      const n = readSync(fd, buf);
      if (n === 0) break;
      out += buf.subarray(0, n).toString();
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
  } finally {
    closeSync(fd);
  }
  return out;
}

describe('NotifyFifoWriter', () => {
  it('creates a missing FIFO (0644), writes whole lines, removes it at close', async () => {
    const path = join(dir, 'made');
    const w = await NotifyFifoWriter.open(path, undefined, noWarn);
    if (!w.ok) throw new Error(w.error);
    expect(lstatSync(path).isFIFO()).toBe(true);
    expect(lstatSync(path).mode & 0o777).toBe(0o644);
    w.value.write('INSTANCE "VI_1" MASTER 100');
    w.value.write('GROUP "G" MASTER 0');
    expect(drain(path)).toBe('INSTANCE "VI_1" MASTER 100\nGROUP "G" MASTER 0\n');
    await w.value.close();
    expect(() => lstatSync(path)).toThrow(/ENOENT/);
  });

  it('no reader and a full pipe: every write returns at once, the lines are dropped and counted', async () => {
    const path = join(dir, 'full');
    const w = await NotifyFifoWriter.open(path, undefined, noWarn);
    if (!w.ok) throw new Error(w.error);
    const line = `INSTANCE "${'x'.repeat(200)}" BACKUP 50`;
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) w.value.write(line); // ~420 kB into a 64 kB pipe
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(w.value.dropped).toBeGreaterThan(1000);
    const got = drain(path).split('\n').filter(Boolean);
    expect(got.length + w.value.dropped).toBe(2000);
    expect(got.every((l) => l === line)).toBe(true); // no torn line
    const before = w.value.dropped;
    w.value.write(`INSTANCE "${'y'.repeat(5000)}" MASTER 1`); // past PIPE_BUF: could tear, so dropped
    expect(w.value.dropped).toBe(before + 1);
    expect(drain(path)).toBe('');
    await w.value.close();
  });

  it('an existing FIFO is used and kept; a symlink is never followed; a regular file is refused untouched', async () => {
    const existing = join(dir, 'existing');
    execFileSync('mkfifo', [existing]);
    const w = await NotifyFifoWriter.open(existing, undefined, noWarn);
    if (!w.ok) throw new Error(w.error);
    await w.value.close();
    expect(lstatSync(existing).isFIFO()).toBe(true);

    const link = join(dir, 'link');
    symlinkSync(existing, link);
    const viaLink = await NotifyFifoWriter.open(link, undefined, noWarn);
    expect(viaLink).toMatchObject({ ok: false, error: expect.stringMatching(/cannot open .*link: .*ELOOP/) });

    const plain = join(dir, 'plain');
    writeFileSync(plain, 'keep');
    const r = await NotifyFifoWriter.open(plain, undefined, noWarn);
    expect(r).toMatchObject({ ok: false, error: `${plain} exists and is not a FIFO; refusing to write into it` });
    expect(execFileSync('cat', [plain]).toString()).toBe('keep');
  });
});

describe('Notifications: the FIFO lines', () => {
  it("keepalived's format for instances, groups, STOP and priority changes; both FIFOs get every line", async () => {
    const n = join(dir, 'n.fifo');
    const v = join(dir, 'v.fifo');
    const text = `global_defs {\n  notify_fifo ${n}\n  vrrp_notify_fifo ${v}\n}\n` +
      `${instance('  priority 100\n  notify_priority_changes', 'VI_1')}${instance('', 'VI_2').replace('virtual_router_id 51', 'virtual_router_id 52')}` +
      'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n}\n';
    const r = load(text);
    expect(r.lines).toEqual([]);
    const config = r.config!;
    const [vi1, vi2] = config.instances;
    const notes = new Notifications({ log: quiet, host: () => Promise.resolve(host) });
    await notes.apply(config);
    notes.instance(vi1!, 'MASTER', 100);
    notes.group(config.syncGroups[0]!, 'MASTER');
    notes.priority(vi1!, 'MASTER', 90);
    notes.priority(vi1!, 'FAULT', 80);
    notes.priority(vi2!, 'BACKUP', 10); // VI_2 does not ask for them
    notes.instance(vi1!, 'INIT', 80);
    const want = [
      'INSTANCE "VI_1" MASTER 100',
      'GROUP "G" MASTER 0',
      'INSTANCE "VI_1" MASTER_PRIORITY 90',
      'INSTANCE "VI_1" BACKUP_PRIORITY 80',
      'INSTANCE "VI_1" STOP 80',
    ].map((l) => `${l}\n`).join('');
    expect(drain(n)).toBe(want);
    expect(drain(v)).toBe(want);
    notes.states(config, (name) => (name === 'VI_1' ? { state: 'BACKUP', effectivePriority: 95 } : undefined));
    expect(drain(n)).toBe('INSTANCE "VI_1" BACKUP 95\nINSTANCE "VI_2" FAULT 100\nGROUP "G" FAULT 0\n');
    await notes.close();
    expect(() => lstatSync(n)).toThrow(/ENOENT/);
  });

  it('fifoLine quotes the name as keepalived does', () => {
    expect(fifoLine('GROUP', 'web g', 'FAULT', 0)).toBe('GROUP "web g" FAULT 0');
  });
});
