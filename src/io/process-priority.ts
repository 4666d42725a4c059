/**
 * keepalived's `vrrp_priority`: the daemon's nice value. On Linux a nice value belongs to a
 * thread, so it is set on every thread the process has (the event loop's, V8's, libuv's pool);
 * threads made later inherit it from the one that makes them. The reload's loader thread sets
 * its own (io/config-worker.ts). A script or `ip` forked from the event loop would inherit the
 * daemon's priority too: like keepalived, which resets it in its children, the launcher raises
 * a child's nice back to what the daemon started with (`childNiceIncrement`).
 */
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { err, ok, type Result } from '../result.js';
import { currentRealtime } from './realtime-scheduling.js';

/** The nice value the process started with, read before the first change. */
let startNice: number | undefined;
/** What `applyProcessPriority` last set (undefined: never set, or back to the start). */
let current: number | undefined;

function threads(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number).filter((t) => Number.isInteger(t) && t > 0);
  } catch {
    return [0];
  }
}

/**
 * Sets every thread's nice to `nice`, or back to the starting value when `nice` is undefined.
 * An error names the first thread refused and why (EACCES: lowering needs CAP_SYS_NICE); the
 * threads already changed keep the new value, and the next call tries again.
 */
export function applyProcessPriority(nice: number | undefined): Result<{ readonly from: number; readonly to: number } | undefined, string> {
  startNice ??= getPriority(0);
  const want = nice ?? startNice;
  const from = current ?? startNice;
  if (nice === undefined && current === undefined) return ok(undefined);
  if (want === from) return ok(undefined);
  for (const tid of threads()) {
    try {
      setPriority(tid, want);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A thread that ended meanwhile (ESRCH) has nothing to set.
      if (code === 'ESRCH') continue;
      return err(`cannot set the nice value of thread ${tid} to ${want}: ${(e as Error).message}`);
    }
  }
  current = nice === undefined ? undefined : want;
  return ok({ from, to: want });
}

/**
 * How much a child must raise its nice to get back the daemon's starting value (0 when none).
 * A child of a real-time thread (vrrp_rt_priority) starts at nice 0 whatever its parent's
 * (SCHED_RESET_ON_FORK), so it is raised from 0.
 */
export function childNiceIncrement(): number {
  if (currentRealtime() !== undefined) return Math.max(0, (startNice ??= getPriority(0)));
  if (current === undefined || startNice === undefined) return 0;
  return Math.max(0, startNice - current);
}
