/*
 * keepalived's vrrp_rt_priority and vrrp_rlimit_rttime for the thread that runs the event loop
 * (where every VRRP timer, receive and send runs). Node cannot call sched_setscheduler(2), so
 * the addon does:
 *
 *   schedSetRealtime(priority, rttimeUs) -> undefined
 *       SCHED_RR at `priority` for the calling thread, with SCHED_RESET_ON_FORK so that every
 *       task it creates afterwards (scripts, `ip`, threads started later) starts at SCHED_OTHER;
 *       then RLIMIT_RTTIME soft rttimeUs/2 (SIGXCPU, a warning), hard rttimeUs (SIGKILL), the
 *       kernel's bound on CPU a real-time thread may use without blocking. If the limit cannot
 *       be set, the thread goes back to SCHED_OTHER: it never runs real-time without its bound.
 *       rttimeUs 0 leaves the limit as it is. Throws with the errno's name.
 *   schedReset() -> undefined
 *       SCHED_OTHER again, and RLIMIT_RTTIME as it was before the first schedSetRealtime when
 *       the process may raise it (CAP_SYS_RESOURCE).
 */
#include "sched.h"
#include "util.h"

#include <sched.h>
#include <sys/resource.h>

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif
#ifndef RLIMIT_RTTIME
#define RLIMIT_RTTIME 15
#endif

static struct rlimit original;
static int have_original;

static int set_other(void) {
  struct sched_param sp = {.sched_priority = 0};
  return sched_setscheduler(0, SCHED_OTHER, &sp);
}

static napi_value js_set_realtime(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t priority;
  double rttime;
  if (!get_args(env, info, 2, argv)) return NULL;
  if (napi_get_value_int32(env, argv[0], &priority) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "priority: an integer");
    return NULL;
  }
  if (napi_get_value_double(env, argv[1], &rttime) != napi_ok || !(rttime >= 0 && rttime <= 4294967295.0)) {
    napi_throw_type_error(env, "EINVAL", "rttimeUs: 0 to 2^32-1");
    return NULL;
  }
  if (priority < sched_get_priority_min(SCHED_RR) || priority > sched_get_priority_max(SCHED_RR)) {
    napi_throw_range_error(env, "EINVAL", "priority outside SCHED_RR's range");
    return NULL;
  }
  if (!have_original) {
    if (getrlimit(RLIMIT_RTTIME, &original) < 0) return throw_errno(env, "getrlimit(RLIMIT_RTTIME)", errno);
    have_original = 1;
  }
  if (rttime > 0) {
    /* The limit first: a thread must never be real-time without it. */
    struct rlimit lim = {.rlim_cur = (rlim_t)rttime / 2, .rlim_max = (rlim_t)rttime};
    if (lim.rlim_cur == 0) lim.rlim_cur = 1;
    if (setrlimit(RLIMIT_RTTIME, &lim) < 0) return throw_errno(env, "setrlimit(RLIMIT_RTTIME)", errno);
  }
  struct sched_param sp = {.sched_priority = priority};
  if (sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &sp) < 0) {
    int e = errno;
    if (rttime > 0) setrlimit(RLIMIT_RTTIME, &original);
    return throw_errno(env, "sched_setscheduler(SCHED_RR)", e);
  }
  return NULL;
}

static napi_value js_reset(napi_env env, napi_callback_info info) {
  (void)info;
  if (set_other() < 0) return throw_errno(env, "sched_setscheduler(SCHED_OTHER)", errno);
  /* Raising the hard limit back needs CAP_SYS_RESOURCE; without it the lower limit stays, and it
   * binds only real-time threads, which the process no longer has. */
  if (have_original && setrlimit(RLIMIT_RTTIME, &original) < 0 && errno != EPERM) return throw_errno(env, "setrlimit(RLIMIT_RTTIME)", errno);
  return NULL;
}

void vrrpd_sched_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"schedSetRealtime", NULL, js_set_realtime, NULL, NULL, NULL, napi_enumerable, NULL},
    {"schedReset", NULL, js_reset, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
