/**
 * The daemon's scheduling from global_defs: `vrrp_rt_priority` (with `vrrp_rlimit_rttime`) and
 * `vrrp_priority`. As in keepalived, a real-time priority that is in force makes the nice value
 * moot: the event loop's thread runs SCHED_RR and the other threads keep the nice they started
 * with. A real-time priority refused (no CAP_SYS_NICE) is logged and `vrrp_priority` applies.
 */
import type { Logger } from './log.js';
import type { GlobalDefs } from '../config/types.js';
import { applyProcessPriority, childNiceIncrement } from '../io/process-priority.js';
import { applyRealtimeScheduling, currentRealtime } from '../io/realtime-scheduling.js';
import { RLIMIT_RTTIME_US } from '../config/validate-global.js';

let sigxcpuSeen = 0;

/** SIGXCPU: the event loop's thread used half its RLIMIT_RTTIME without sleeping; SIGKILL comes at all of it. */
function watchSigxcpu(log: Logger): void {
  if (process.listenerCount('SIGXCPU') > 0) return;
  process.on('SIGXCPU', () => {
    sigxcpuSeen += 1;
    const rt = currentRealtime();
    log.warn(
      { signal: 'SIGXCPU', times: sigxcpuSeen, rttimeUs: rt?.rttimeUs },
      'the event loop ran real-time without sleeping for half of vrrp_rlimit_rttime; the kernel kills vrrpd at all of it (raise vrrp_rlimit_rttime, or fewer instances per daemon)',
    );
  });
}

/** Applies the global_defs scheduling of `global`; what changed or failed is logged. */
export function applyScheduling(global: GlobalDefs, log: Logger): void {
  const priority = global.vrrpRtPriority;
  let realtime = false;
  if (priority !== undefined) {
    const rttimeUs = global.vrrpRlimitRttimeUs ?? RLIMIT_RTTIME_US.default;
    watchSigxcpu(log);
    const r = applyRealtimeScheduling({ priority, rttimeUs });
    if (!r.ok) {
      const still = currentRealtime();
      const now = still ? `the event loop stays at SCHED_RR ${still.priority}, RLIMIT_RTTIME ${still.rttimeUs} us` : 'vrrp_priority applies';
      log.warn({ vrrpRtPriority: priority }, `vrrp_rt_priority not applied: ${r.error} (SCHED_RR needs CAP_SYS_NICE and, under systemd, RestrictRealtime=no; a higher RLIMIT_RTTIME than before needs CAP_SYS_RESOURCE); ${now}`);
      realtime = still !== undefined;
    } else {
      realtime = true;
      if (r.value) log.info({ priority, rttimeUs }, `event loop thread at SCHED_RR ${priority} (vrrp_rt_priority), RLIMIT_RTTIME ${rttimeUs} us; scripts and new threads start at SCHED_OTHER`);
    }
  } else {
    const r = applyRealtimeScheduling(undefined);
    if (!r.ok) log.warn(`cannot leave real-time scheduling: ${r.error}`);
    else if (r.value) log.info('event loop thread back at SCHED_OTHER (vrrp_rt_priority removed)');
  }
  applyNice(realtime ? undefined : global.vrrpPriority, log);
}

/** `vrrp_priority` (io/process-priority.ts): the daemon's nice value; refused, it is logged and the daemon runs on. */
function applyNice(nice: number | undefined, log: Logger): void {
  const r = applyProcessPriority(nice);
  if (!r.ok) log.warn({ vrrpPriority: nice }, `vrrp_priority not applied: ${r.error} (lowering the nice value needs CAP_SYS_NICE; under systemd, set Nice= in the unit instead)`);
  else if (r.value) {
    const scripts = childNiceIncrement() > 0 ? 'scripts start at the nice value vrrpd started with' : `scripts start at ${r.value.to} too`;
    log.info({ from: r.value.from, to: r.value.to }, `nice value ${r.value.from} -> ${r.value.to} (vrrp_priority); ${scripts}`);
  }
}
