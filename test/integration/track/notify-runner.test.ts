import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotifyRunner, type NotifyDone, type NotifyEvent } from '../../../src/io/notify-runner.js';
import type { RunScriptResult } from '../../../src/io/script-runner.js';
import { host, plan } from '../../helpers/scripts.js';

const launcher = host.launcher;

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
    const n = new NotifyRunner({ launcher, onDone: (d) => done.push(d) });
    const scripts = {
      master: await plan(`${slow} MASTER`),
      backup: await plan(`${fast} BACKUP`),
      fault: await plan(`${fast} FAULT`),
      notify: await plan(generic),
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
    const n = new NotifyRunner({ launcher });
    n.notify({ scope: 'INSTANCE', name: 'A', state: 'MASTER', priority: 100 }, { master: await plan(`${slow} A`) });
    n.notify({ scope: 'GROUP', name: 'G', state: 'MASTER', priority: 0 }, { master: await plan(`${fast} G`) });
    await n.idle();
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual(['G', 'A']);
  });

  it('a stuck script is killed at its timeout and the queue goes on', async () => {
    await writeFile(log, '');
    const stuck = await script('stuck.sh', 'sleep 30');
    const fast = await script('fast3.sh', `echo "$1" >> ${log}`);
    const done: NotifyDone[] = [];
    const n = new NotifyRunner({ launcher, timeoutMs: 200, killGraceMs: 200, onDone: (d) => done.push(d) });
    n.notify({ scope: 'INSTANCE', name: 'B', state: 'FAULT', priority: 0 }, { fault: await plan(stuck) });
    n.notify({ scope: 'INSTANCE', name: 'B', state: 'STOP', priority: 0 }, { stop: await plan(`${fast} STOP`) });
    const t0 = performance.now();
    await n.idle();
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(done[0]?.result.timedOut).toBe(true);
    expect((await readFile(log, 'utf8')).trim()).toBe('STOP');
  });

  it('shutdown: the running script gets SIGTERM, waiting changes are dropped; a STOP script then has 1 s (keepalived)', async () => {
    await writeFile(log, '');
    const trapping = await script('trap.sh', `trap 'echo TERM >> ${log}; exit 0' TERM; echo started >> ${log}; sleep 30 & wait`);
    const stuck = await script('stuck-stop.sh', 'sleep 30');
    const done: NotifyDone[] = [];
    const n = new NotifyRunner({ launcher, onDone: (d) => done.push(d) });
    n.notify({ scope: 'INSTANCE', name: 'D', state: 'MASTER', priority: 100 }, { master: await plan(trapping) });
    n.notify({ scope: 'INSTANCE', name: 'D', state: 'BACKUP', priority: 90 }, { backup: await plan(trapping) });
    n.notify({ scope: 'INSTANCE', name: 'D', state: 'FAULT', priority: 0 }, { fault: await plan(trapping) });
    for (let i = 0; i < 100 && !(await readFile(log, 'utf8')).includes('started'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(n.shutdown()).toBe(2);
    n.notify({ scope: 'INSTANCE', name: 'D', state: 'STOP', priority: 0 }, { stop: await plan(stuck) });
    const t0 = performance.now();
    await n.idle();
    const took = performance.now() - t0;
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual(['started', 'TERM']);
    expect(done.map((d) => [d.event.state, d.result.timedOut])).toEqual([['MASTER', false], ['STOP', true]]);
    expect(took).toBeGreaterThan(900);
    expect(took).toBeLessThan(4000);
  });

  it('nothing configured: nothing runs', async () => {
    const n = new NotifyRunner({ launcher, run: () => Promise.reject(new Error('must not run')) });
    n.notify({ scope: 'INSTANCE', name: 'C', state: 'MASTER', priority: 1 }, { backup: await plan('/bin/true') });
    await n.idle();
  });

  it('a runner that throws is reported, not fatal', async () => {
    const done: NotifyDone[] = [];
    const n = new NotifyRunner({ launcher, run: () => Promise.reject(new Error('boom')), onDone: (d) => done.push(d) });
    n.notify({ scope: 'INSTANCE', name: 'D', state: 'MASTER', priority: 1 }, { master: await plan('/bin/true') });
    await n.idle();
    expect(done[0]?.result.error).toBe('boom');
  });

  it('the queue is bounded: a flapping instance drops its oldest waiting changes, the latest always runs', async () => {
    const ran: string[] = [];
    const dropped: [NotifyEvent, number][] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => (release = r));
    const ok: RunScriptResult = { exitCode: 0, signal: null, timedOut: false, durationMs: 0, pid: undefined };
    const n = new NotifyRunner({
      launcher,
      maxPending: 3,
      run: async (o) => {
        ran.push(o.extraArgs![2]! + o.extraArgs![3]!);
        if (ran.length === 1) await first;
        return ok;
      },
      onDropped: (e, waiting) => dropped.push([e, waiting]),
    });
    const scripts = { notify: await plan('/bin/true') };
    const states = ['MASTER', 'BACKUP'] as const;
    for (let i = 0; i < 10; i++) n.notify({ scope: 'INSTANCE', name: 'F', state: states[i % 2]!, priority: i }, scripts);
    release();
    await n.idle();
    // the first runs at once; of the nine that followed, the three newest waited and ran
    expect(ran).toEqual(['MASTER0', 'BACKUP7', 'MASTER8', 'BACKUP9']);
    expect(dropped.map(([e]) => e.priority)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(dropped.every(([, waiting]) => waiting === 3)).toBe(true);
  });
});
