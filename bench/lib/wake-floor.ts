/**
 * The machine's timer floor beside a bench's measurement window: a probe process
 * (bench/wake-floor-probe.ts) that only sleeps and wakes up, run at the daemons' scheduling (under
 * `chrt -r PRIO` when the bench gives them `vrrp_rt_priority`). A daemon that sleeps between its
 * adverts cannot keep its intervals tighter than the kernel delivers its wake-ups: on a virtual
 * machine whose host does not run an idle vCPU at once, a wake-up can come milliseconds late
 * (docs/performance.md, "The machine's timer floor"). The probe wakes 10 times a second, as a
 * 255-master vrrpd does, so it adds little to what it measures.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DIST } from './paths.js';
import { summarize } from './stats.js';

/** What the probe saw in one window. */
export interface WakeFloor {
  readonly wakes: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Wake-ups more than 1 ms and 2 ms after their deadline. */
  readonly over1: number;
  readonly over2: number;
}

/** Order statistics of the probe's latenesses (ms); NaN figures for none. */
export function wakeFloorOf(lateMs: readonly number[]): WakeFloor {
  const s = summarize(lateMs);
  return {
    wakes: s.n,
    p50: s.median,
    p99: s.p99,
    max: s.max,
    over1: lateMs.filter((x) => x > 1).length,
    over2: lateMs.filter((x) => x > 2).length,
  };
}

/** The real-time priority a bench's global_defs lines give the daemons (`vrrp_rt_priority N`), if any. */
export function rtPriorityOf(globals: readonly string[]): number | undefined {
  for (const line of globals) {
    const m = /^\s*vrrp_rt_priority\s+(\d+)\s*$/.exec(line);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/**
 * Runs the probe for `seconds` from now; resolves with its figures, or undefined (and a reason
 * on stderr) if it could not run: the bench's figures stand without it.
 */
export function measureWakeFloor(o: { seconds: number; periodMs?: number; rtPriority?: number | undefined }): Promise<WakeFloor | undefined> {
  const probe = join(DIST, 'bench', 'wake-floor-probe.js');
  const args = [probe, '--period', String(o.periodMs ?? 100), '--seconds', String(o.seconds)];
  const [cmd, argv] = o.rtPriority === undefined ? [process.execPath, args] : ['chrt', ['-r', String(o.rtPriority), process.execPath, ...args]];
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errText = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (errText += c.toString()));
    child.on('error', (e) => {
      process.stderr.write(`wake-floor probe: ${e.message}\n`);
      resolve(undefined);
    });
    child.on('close', (code) => {
      try {
        if (code !== 0) throw new Error(`exit ${code}: ${errText.trim()}`);
        resolve(wakeFloorOf((JSON.parse(out) as { lateMs: number[] }).lateMs));
      } catch (e) {
        process.stderr.write(`wake-floor probe: ${(e as Error).message}\n`);
        resolve(undefined);
      }
    });
  });
}
