/**
 * track_process's watch on real processes, in the test's own namespaces (no network): the proc
 * connector (root, initial network namespace) and the polling fallback with pidfd. A copy of
 * `sleep` under a name unique to the run is the tracked process. The figures (process death ->
 * quorum lost) are printed; the assertions have wide margins.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProcessMonitor } from '../../../src/daemon/trackers/process-monitor.js';
import { ProcConnector } from '../../../src/io/proc-events.js';
import { ProcessTable, type QuorumChange, type TrackedProcessSpec } from '../../../src/track/process-tracker.js';
import { watchAddon } from '../../../src/io/watch-addon.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Three commands, each a fork and an exec; the shell stays (the last one runs in the background). */
const SCRIPT = 'sleep 0.3; /bin/true; sleep 60 & wait';
const addon = watchAddon().ok;
const connector = addon ? await ProcConnector.open({ events: () => undefined, lost: () => undefined, bug: () => undefined }) : undefined;
if (connector?.ok) connector.value.close();
const noEvents = !addon ? 'watch addon not built' : connector && !connector.ok ? connector.error : undefined;

describe.skipIf(!addon)('ProcessMonitor on real processes', () => {
  let dir: string;
  let name: string;
  let bin: string;
  const children: ChildProcess[] = [];
  const monitors: ProcessMonitor[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vtrkp-'));
    name = `vtk${process.pid % 100000}x${Math.floor(Math.random() * 1000)}`.slice(0, 15);
    bin = join(dir, name);
    copyFileSync('/bin/sleep', bin);
  });
  afterEach(() => {
    for (const c of children.splice(0)) {
      try {
        process.kill(-c.pid!, 'SIGKILL'); // the whole group: the shell's background sleep too
      } catch {
        // gone
      }
    }
    for (const m of monitors.splice(0)) m.stop();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[] = ['60']): ChildProcess {
    const c = spawn(bin, args, { stdio: 'ignore', detached: true });
    children.push(c);
    return c;
  }

  async function watch(events: boolean, s: Partial<TrackedProcessSpec> = {}) {
    const m = await ProcessMonitor.start({ now: () => performance.now(), log: pino({ level: 'silent' }), bug: (w, e) => { throw new Error(`${w}: ${String(e)}`); }, events });
    monitors.push(m);
    const table = new ProcessTable([{ name: 'p', process: name, params: [], paramMatch: 'none', fullCommand: false, quorum: 1, forkDelayMs: 0, terminateDelayMs: 0, ...s }]);
    const seen: (QuorumChange & { t: number })[] = [];
    const t = { table, wantArgv: s.fullCommand === true, changes: (cs: readonly QuorumChange[]) => seen.push(...cs.map((c) => ({ ...c, t: performance.now() }))) };
    await m.add(t);
    return { m, table, seen };
  }

  async function until(pred: () => boolean, ms: number): Promise<void> {
    const end = performance.now() + ms;
    while (!pred() && performance.now() < end) await sleep(2);
  }

  async function deathToLoss(events: boolean): Promise<{ start: number; death: number }> {
    const { m, table, seen } = await watch(events);
    expect(m.mode).toBe(events ? 'events' : 'poll');
    expect(table.state('p')).toMatchObject({ count: 0, inQuorum: false });
    const t0 = performance.now();
    const c = run();
    await until(() => seen.length === 1, 3000);
    expect(seen[0]).toMatchObject({ inQuorum: true, count: 1 });
    const start = seen[0]!.t - t0;
    const t1 = performance.now();
    c.kill('SIGKILL');
    await until(() => seen.length === 2, 3000);
    expect(seen[1]).toMatchObject({ inQuorum: false, count: 0 });
    return { start, death: seen[1]!.t - t1 };
  }

  it.skipIf(noEvents !== undefined)('proc connector: a start and a death are seen within milliseconds', async () => {
    const r = await deathToLoss(true);
    console.log(`process events: start -> quorum gained ${r.start.toFixed(1)} ms, SIGKILL -> quorum lost ${r.death.toFixed(1)} ms`);
    expect(r.start).toBeLessThan(500);
    expect(r.death).toBeLessThan(500);
  });

  it('polling: a start is seen at the next read of /proc, a death at once (pidfd)', async () => {
    const r = await deathToLoss(false);
    console.log(`polling + pidfd: start -> quorum gained ${r.start.toFixed(1)} ms, SIGKILL -> quorum lost ${r.death.toFixed(1)} ms`);
    expect(r.start).toBeLessThan(1000 + 1500);
    expect(r.death).toBeLessThan(500);
  });

  it.skipIf(noEvents !== undefined)('proc connector: a counted process that forks counts its child; the child exec-ing something else is uncounted', async () => {
    // A copy of bash under a unique name is the tracked process; each command it runs is a fork
    // (a second process of that name) until the child execs the command.
    copyFileSync('/bin/bash', join(dir, `${name.slice(0, 12)}sh`));
    const shName = `${name.slice(0, 12)}sh`;
    const { table, seen } = await watch(true, { process: shName, quorumMax: 1 });
    const c = spawn(join(dir, shName), ['-c', SCRIPT], { stdio: 'ignore', detached: true });
    children.push(c);
    await until(() => seen.length >= 1, 2000);
    expect(seen[0]).toMatchObject({ inQuorum: true, count: 1 });
    await sleep(1000);
    // start; then for each of the three commands: the fork (2 > quorum_max 1), the child's exec.
    expect(seen.map((s) => s.inQuorum)).toEqual([true, false, true, false, true, false, true]);
    expect(table.state('p')).toMatchObject({ count: 1, inQuorum: true });
  });

  it.skipIf(noEvents !== undefined)('proc connector: fork_delay hides the fork-then-exec of a counted process', async () => {
    const shName = `${name.slice(0, 12)}sh`;
    const { table, seen } = await watch(true, { process: shName, quorumMax: 1, forkDelayMs: 200 });
    const c = spawn(join(dir, shName), ['-c', SCRIPT], { stdio: 'ignore', detached: true });
    children.push(c);
    await sleep(1200);
    expect(seen.map((s) => s.inQuorum)).toEqual([true]);
    expect(table.state('p')).toMatchObject({ count: 1, inQuorum: true, pending: false });
  });

  it('full_command with parameters: only the matching command line counts', async () => {
    const { table, seen } = await watch(false, { process: bin, params: ['61'], paramMatch: 'exact', fullCommand: true });
    run(['60']);
    await sleep(1300);
    expect(seen).toEqual([]);
    run(['61']);
    await until(() => seen.length === 1, 2500);
    expect(table.state('p')).toMatchObject({ count: 1, inQuorum: true });
  });
});
