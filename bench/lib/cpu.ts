/**
 * CPU accounting for a stretch of work: our own process (process.cpuUsage, µs) plus every child
 * we reaped meanwhile (/proc/self/stat cutime + cstime, in clock ticks; Node has no
 * getrusage(RUSAGE_CHILDREN)). A child's own children count once it has reaped them, so a
 * shell's `nc` or `bash` lands in the shell's figure and then in ours.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSec: number | undefined;

/** Clock ticks per second (USER_HZ), the unit of /proc/PID/stat times. */
export function clockTicks(): number {
  if (ticksPerSec === undefined) {
    try {
      ticksPerSec = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSec = 100;
    }
  }
  return ticksPerSec;
}

/** Reaped children's user + system CPU so far, in µs (resolution: one clock tick). */
export function childrenCpuUs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cutime = Number(rest[16 - 3]);
  const cstime = Number(rest[17 - 3]);
  return ((cutime + cstime) / clockTicks()) * 1e6;
}

export interface CpuCost {
  readonly selfUs: number;
  readonly childrenUs: number;
  readonly wallMs: number;
}

/** Runs `work` and returns the CPU it cost us and our reaped children. */
export async function measureCpu(work: () => Promise<void>): Promise<CpuCost> {
  const self0 = process.cpuUsage();
  const child0 = childrenCpuUs();
  const t0 = performance.now();
  await work();
  const wallMs = performance.now() - t0;
  const self = process.cpuUsage(self0);
  return { selfUs: self.user + self.system, childrenUs: childrenCpuUs() - child0, wallMs };
}
