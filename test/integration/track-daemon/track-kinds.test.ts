/**
 * track_process and track_file end to end: two real daemons in namespaces (op1 100 MASTER, op2
 * 90, the seed's VRID 251 and VIP). The tracked processes are copies of `sleep` under names unique
 * to this run and to each node (the namespaces share the PID namespace, so each daemon must track
 * its own); the tracked files live in the run's temporary directory. Inside a test network
 * namespace there is no proc connector, so these daemons poll /proc and watch counted processes
 * with pidfds (the connector itself is tested in test/integration/track/process-monitor.test.ts).
 * Margins are wide; the figures come from bench/tracking.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cluster, expectHolders, resetNodes, seedConfig, skipReason, type Cluster } from '../daemon/harness.js';

const reason = await skipReason();
const MDI_90 = 3648.4375;
const MDI_100 = 3609.375;
const SKEW_90 = 648.4375;
const MARGIN = 2500;

/** `read()` once `done` holds, or its last value after `ms`. */
async function until<T>(read: () => T, done: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (let v = read(); ; v = read()) {
    if (done(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(reason !== undefined)('track_process and track_file between real daemons', () => {
  let c: Cluster;
  let dir: string;
  const procs: ChildProcess[] = [];
  const names = new Map<string, string>();

  beforeAll(async () => {
    c = await cluster(['op1', 'op2'], 'vtrk');
    dir = c.node('op1').dir;
    for (const n of ['op1', 'op2']) {
      const name = `vtk${process.pid % 10000}${n}${Math.floor(Math.random() * 100)}`.slice(0, 15);
      copyFileSync('/bin/sleep', join(dir, name));
      names.set(n, name);
    }
  });
  afterEach(async (ctx) => {
    if (process.env.VTR_DEBUG || ctx.task.result?.state === 'fail') {
      for (const n of c.nodes) if (n.logs.length) console.log(`--- ${n.host.name}\n${n.logs.map((l) => JSON.stringify(l)).join('\n')}`);
    }
    for (const p of procs.splice(0)) p.kill('SIGKILL');
    await resetNodes(c);
  });
  afterAll(async () => c?.destroy());

  /** The process node `n` tracks (not in any namespace: the daemons see every process). */
  function startProcess(n: string): ChildProcess {
    const p = spawn(join(dir, names.get(n)!), ['600'], { stdio: 'ignore' });
    procs.push(p);
    return p;
  }

  async function pair(scripts: (n: string) => string, extra: string, globals1 = '') {
    const op1 = c.node('op1');
    const op2 = c.node('op2');
    op1.writeConfig(seedConfig({ state: 'MASTER', priority: 100, scripts: scripts('op1'), extra, globals: globals1 }));
    op2.writeConfig(seedConfig({ priority: 90, scripts: scripts('op2'), extra }));
    op1.start();
    op2.start();
    await op1.waitState('MASTER', 10_000);
    await op2.waitState('BACKUP', 10_000);
    await expectHolders(c, ['op1']);
    return { op1, op2 };
  }

  it('track_process (weight 0): the process killed on the master -> FAULT, op2 takes over within Skew_Time; back -> op1 preempts', async () => {
    const mine = new Map([['op1', startProcess('op1')], ['op2', startProcess('op2')]]);
    const scripts = (n: string) => `vrrp_track_process nginx {\n  process ${names.get(n)}\n}`;
    const { op1, op2 } = await pair(scripts, '  track_process {\n    nginx\n  }');
    expect(op1.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('track_process: reading /proc'))).toBe(true);

    const from1 = op1.logs.length;
    const from2 = op2.logs.length;
    const t0 = Date.now();
    mine.get('op1')!.kill('SIGKILL');
    const fault = await op1.waitState('FAULT', 2000, from1);
    const took = await op2.waitState('MASTER', SKEW_90 + MARGIN, from2);
    console.log(`track_process: SIGKILL -> op1 FAULT ${fault.t - t0} ms, -> op2 MASTER ${took.t - t0} ms (Skew_Time ${SKEW_90} ms)`);
    expect(fault.t - t0).toBeLessThan(1000); // pidfd: not the next poll
    await expectHolders(c, ['op2']);

    const back1 = op1.logs.length;
    startProcess('op1');
    await op1.waitState('BACKUP', 1000 + MARGIN, back1); // a new process: seen at the next read of /proc
    await op1.waitState('MASTER', MDI_100 + MARGIN, back1);
    await expectHolders(c, ['op1']);
  });

  it('track_file (weight -50): 1 written on the master -> 100-50 < 90, op2 takes over; 0 written -> op1 preempts; the notify FIFO says so', async () => {
    const file = (n: string) => join(dir, `${n}.track`);
    writeFileSync(file('op1'), '0\n');
    writeFileSync(file('op2'), '0\n');
    const scripts = (n: string) => `track_file maint {\n  file ${file(n)}\n  weight -50\n}`;
    // op1's lines go to a FIFO the daemon creates; its reader (started with the FIFO as last argument) copies them out.
    const lines = join(dir, 'op1.fifo.lines');
    writeFileSync(lines, '');
    const reader = join(dir, 'fifo-reader.sh');
    writeFileSync(reader, '#!/bin/sh\nexec cat "$2" >> "$1"\n', { mode: 0o755 });
    const globals = `  vrrp_notify_fifo ${join(dir, 'op1.fifo')}\n  vrrp_notify_fifo_script "${reader} ${lines}"\n  vrrp_notify_priority_changes`;
    const { op1, op2 } = await pair(scripts, '  track_file {\n    maint\n  }', globals);

    const from1 = op1.logs.length;
    const from2 = op2.logs.length;
    const t0 = Date.now();
    writeFileSync(file('op1'), '1\n');
    const drop = await op1.waitFor((l) => l.from === 100 && l.to === 50, 1000, from1);
    expect(String(drop.detail)).toContain('file maint -50');
    expect(drop.t - t0).toBeLessThan(500); // inotify, not a poll
    await op2.waitState('MASTER', MDI_90 + MARGIN, from2);
    await expectHolders(c, ['op2']);

    const back1 = op1.logs.length;
    writeFileSync(file('op1'), '0\n');
    await op1.waitFor((l) => l.from === 50 && l.to === 100, 1000, back1);
    await op1.waitState('MASTER', MDI_100 + MARGIN, back1);
    await expectHolders(c, ['op1']);
    const want = ['MASTER 100', 'MASTER_PRIORITY 50', 'BACKUP 50', 'BACKUP_PRIORITY 100', 'MASTER 100'].map((x) => `INSTANCE "VI_1" ${x}`);
    const got = await until(() => readFileSync(lines, 'utf8').split('\n').filter(Boolean), (l) => l.length >= want.length, 2000);
    expect(got.slice(got.indexOf(want[0]!))).toEqual(want);
  });

  it('track_file (weight 0): a non-zero value is FAULT; the file deleted reads as 0 and clears it', async () => {
    const f = join(dir, 'op1.fault');
    writeFileSync(f, '0');
    const scripts = (n: string) => `track_file down {\n  file ${n === 'op1' ? f : join(dir, 'op2.fault')}\n  weight 0\n}`;
    const { op1, op2 } = await pair(scripts, '  track_file {\n    down\n  }');
    const from1 = op1.logs.length;
    writeFileSync(f, 'yes 7\n'); // strtol: no digits at the start, so 0: nothing happens
    writeFileSync(f, '7\n');
    await op1.waitState('FAULT', 1000, from1);
    await op2.waitState('MASTER', SKEW_90 + MARGIN);
    const back1 = op1.logs.length;
    const { unlinkSync } = await import('node:fs');
    unlinkSync(f);
    await op1.waitState('BACKUP', 1000, back1);
    await op1.waitState('MASTER', MDI_100 + MARGIN, back1);
    await expectHolders(c, ['op1']);
  });
});
