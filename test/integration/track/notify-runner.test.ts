import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotifyRunner, type NotifyDone } from '../../../src/io/notify-runner.js';

let dir: string;
let log: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vtt-notify-'));
  log = join(dir, 'log.txt');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function script(name: string, body: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, `#!/bin/sh\n${body}\n`);
  await chmod(p, 0o755);
  return p;
}

describe('NotifyRunner', () => {
  it('keeps order per instance under a slow first script, and never blocks the caller', async () => {
    await writeFile(log, '');
    const slow = await script('slow.sh', `sleep 0.6; echo "$1" >> ${log}`);
    const fast = await script('fast.sh', `echo "$1" >> ${log}`);
    const generic = await script('generic.sh', `echo "generic $*" >> ${log}`);
    const done: NotifyDone[] = [];
    const n = new NotifyRunner({ onDone: (d) => done.push(d) });
    const scripts = {
      master: { command: `${slow} MASTER` },
      backup: { command: `${fast} BACKUP` },
      fault: { command: `${fast} FAULT` },
      notify: { command: generic },
    };
    const t0 = performance.now();
    n.notify({ scope: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 100 }, scripts);
    n.notify({ scope: 'INSTANCE', name: 'VI_1', state: 'BACKUP', priority: 80 }, scripts);
    n.notify({ scope: 'INSTANCE', name: 'VI_1', state: 'FAULT', priority: 0 }, scripts);
    expect(performance.now() - t0).toBeLessThan(50);
    await n.idle();
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual([
      'MASTER',
      'generic INSTANCE VI_1 MASTER 100',
      'BACKUP',
      'generic INSTANCE VI_1 BACKUP 80',
      'FAULT',
      'generic INSTANCE VI_1 FAULT 0',
    ]);
    expect(done.map((d) => d.which)).toEqual(['master', 'notify', 'backup', 'notify', 'fault', 'notify']);
  });

  it('separate instances do not wait for each other', async () => {
    await writeFile(log, '');
    const slow = await script('slow2.sh', `sleep 0.6; echo "$1" >> ${log}`);
    const fast = await script('fast2.sh', `echo "$1" >> ${log}`);
    const n = new NotifyRunner();
    n.notify({ scope: 'INSTANCE', name: 'A', state: 'MASTER', priority: 100 }, { master: { command: `${slow} A` } });
    n.notify({ scope: 'GROUP', name: 'G', state: 'MASTER', priority: 0 }, { master: { command: `${fast} G` } });
    await n.idle();
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual(['G', 'A']);
  });

  it('a stuck script is killed at its timeout and the queue goes on', async () => {
    await writeFile(log, '');
    const stuck = await script('stuck.sh', 'sleep 30');
    const fast = await script('fast3.sh', `echo "$1" >> ${log}`);
    const done: NotifyDone[] = [];
    const n = new NotifyRunner({ timeoutMs: 200, killGraceMs: 200, onDone: (d) => done.push(d) });
    n.notify({ scope: 'INSTANCE', name: 'B', state: 'FAULT', priority: 0 }, { fault: { command: stuck } });
    n.notify({ scope: 'INSTANCE', name: 'B', state: 'STOP', priority: 0 }, { stop: { command: `${fast} STOP` } });
    const t0 = performance.now();
    await n.idle();
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(done[0]?.result.timedOut).toBe(true);
    expect((await readFile(log, 'utf8')).trim()).toBe('STOP');
  });

  it('nothing configured: nothing runs', async () => {
    const n = new NotifyRunner({ run: () => Promise.reject(new Error('must not run')) });
    n.notify({ scope: 'INSTANCE', name: 'C', state: 'MASTER', priority: 1 }, { backup: { command: '/bin/true' } });
    await n.idle();
  });

  it('a runner that throws is reported, not fatal', async () => {
    const done: NotifyDone[] = [];
    const n = new NotifyRunner({ run: () => Promise.reject(new Error('boom')), onDone: (d) => done.push(d) });
    n.notify({ scope: 'INSTANCE', name: 'D', state: 'MASTER', priority: 1 }, { master: { command: 'x' } });
    await n.idle();
    expect(done[0]?.result.error).toBe('boom');
  });
});
