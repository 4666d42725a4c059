/**
 * keepalived's `vrrp_rt_priority` and `vrrp_rlimit_rttime`: SCHED_RR for the thread that runs
 * the event loop, where every VRRP timer, receive and send of vrrpd runs (native/packet/sched.c).
 * Only that thread: V8's and libuv's threads made before stay SCHED_OTHER, and every task it
 * makes afterwards (scripts, threads) starts at SCHED_OTHER (SCHED_RESET_ON_FORK), as keepalived's
 * children do. RLIMIT_RTTIME bounds the CPU the thread may use without sleeping: SIGXCPU at half
 * the limit (logged by the daemon), SIGKILL at the limit.
 */
import { err, ok, type Result } from '../result.js';
import { loadPacketAddon } from './packet-addon.js';

export interface RealtimeSetting {
  /** SCHED_RR priority, 1 to 99. */
  readonly priority: number;
  /** RLIMIT_RTTIME's hard limit in µs (the soft one is half). */
  readonly rttimeUs: number;
}

let current: RealtimeSetting | undefined;

/** What the event loop's thread runs at now (undefined: SCHED_OTHER, as started). */
export function currentRealtime(): RealtimeSetting | undefined {
  return current;
}

/**
 * Puts the event loop's thread at `want`, or back to SCHED_OTHER (and RLIMIT_RTTIME as it was)
 * when `want` is undefined. Returns whether anything changed; an error names the call refused
 * (EPERM without CAP_SYS_NICE), and the thread is then left as it was.
 */
export function applyRealtimeScheduling(want: RealtimeSetting | undefined): Result<boolean, string> {
  if (want?.priority === current?.priority && want?.rttimeUs === current?.rttimeUs) return ok(false);
  const addon = loadPacketAddon();
  if (!addon.ok) return err(addon.error.detail);
  const { schedSetRealtime, schedReset } = addon.value;
  if (!schedSetRealtime || !schedReset) return err('the packet addon predates real-time scheduling (run `npm run build:native`)');
  try {
    if (want === undefined) schedReset();
    else schedSetRealtime(want.priority, want.rttimeUs);
  } catch (e) {
    return err((e as Error).message);
  }
  current = want;
  return ok(true);
}
