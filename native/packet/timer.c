/*
 * vrrpd kernel deadline timer: a timerfd (timerfd_create(2), CLOCK_MONOTONIC) armed at an
 * absolute deadline (TFD_TIMER_ABSTIME) and watched by Node's event loop through a libuv
 * uv_poll handle. The loop sleeps in epoll_wait until the kernel's hrtimer expires and the fd
 * turns readable: no millisecond rounding (libuv timers have 1 ms granularity) and no polling.
 * The TypeScript side (src/io/kernel-timer.ts) keeps one deadline queue for the whole process
 * and arms this timer at the queue's earliest deadline. Why and how: native-notes/timers.md.
 *
 *   monotonicMs()            -> number     clock_gettime(CLOCK_MONOTONIC), in ms
 *   timerOpen(onExpire)      -> handle     onExpire(status, armed[, wakeLateUs, sendLateUs]) runs
 *                                          on the loop at each expiry (status 0, or a negative
 *                                          libuv error code; armed: what the armed datagram's send
 *                                          did, below; when one was sent or refused at this
 *                                          expiry, how late the timerfd woke after its expiry and
 *                                          the send or refusal came after the deadline, in µs)
 *   timerArm(handle, ms[, armed, maxLateMs[, marginMs]])
 *                            -> undefined  absolute CLOCK_MONOTONIC deadline in ms; a deadline
 *                                          already past fires on the next loop iteration. `armed`
 *                                          (raw4Armed or raw6Armed, armed.c): a datagram sent by this file at
 *                                          expiry, before onExpire, when the timer is at most
 *                                          maxLateMs late; `armed` is then the bytes sent, or an
 *                                          ARMED_* code (armed.h) when it was not sent, 0 when
 *                                          nothing was armed for this expiry. Why and the guards:
 *                                          native-notes/timers.md, "The armed takeover advert".
 *                                          marginMs (0..ARMED_MARGIN_MAX_MS, default 0), only with
 *                                          `armed`: the timerfd wakes that much early and the
 *                                          rest is waited out here, on the CPU, so the datagram
 *                                          leaves at the deadline and not an idle CPU's wake-up
 *                                          later ("The early wake" in timers.md).
 *   timerDisarm(handle)      -> undefined
 *   armedFire(armed)         -> number     sends an armed datagram now, with the guards of an
 *                                          expiry but no lateness bound (a datagram waiting on its
 *                                          socket, the socket closed): the bytes sent, or an
 *                                          ARMED_* code. The deadline queue sends every due slot's
 *                                          takeover advert with it, not only the head's
 *                                          (timers.md, "Every due slot, and its addresses").
 *   armedGroup(datagrams)    -> armed      1..64 raw4Armed or raw6Armed datagrams on one socket as
 *                                          one armed datagram: timerArm and armedFire send every
 *                                          one, in order, after one check of the guards (a
 *                                          backup's takeover advert to each unicast peer at one
 *                                          expiry; timers.md, "Every unicast peer at the
 *                                          expiry"); the outcome is the bytes of those sent, or
 *                                          an ARMED_* code when none was
 *   armedOutcome(armed)      -> number     what its last fire did (timerArm's expiry, armedFire or
 *                                          its group's): the bytes sent, an ARMED_* code, 0 before
 *                                          any; for a group's member, whether that destination's
 *                                          datagram went out
 *   timerClose(handle)       -> undefined  idempotent
 *
 * An armed timer keeps the event loop alive, as setTimeout does; a disarmed or expired one does not.
 * Errors are thrown as JS Errors whose `code` is the errno name.
 */
#include "timer.h"
#include "armed.h"
#include "util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

typedef struct {
  napi_env env;
  int fd;
  uv_poll_t poll;
  napi_ref callback;
  napi_async_context async;
  /* The fd is polled and the callback held; cleared once by shut(). */
  int open;
  /* Owners: the JS handle (its finalizer) and the uv handle (its close callback). */
  int owners;
  /* Set by arm/disarm: timerfd_settime resets the expiration count, so no read() is needed. */
  int rearmed;
  /* The datagram to send at expiry (held by armed_ref), for the deadline armed_at_ns, if at most armed_late_ns late. */
  vrrpd_armed *armed;
  napi_ref armed_ref;
  int64_t armed_at_ns;
  int64_t armed_late_ns;
  /* When the timerfd expires: armed_at_ns minus the early-wake margin with a datagram, else the deadline. */
  int64_t wake_at_ns;
} vtimer;

/* The longest early wake timerArm accepts, so the longest wait on the CPU per armed fire (ms). */
#define ARMED_MARGIN_MAX_MS 1.0

/* What one armed fire did, for onExpire: the timerfd's wake-up and the send's lateness, in ns. */
typedef struct {
  int64_t wake_late_ns;
  int64_t send_late_ns;
} armed_trace;

static const napi_type_tag TIMER_TAG = {0x7672727064746d72ULL, 0x74696d657266642aULL};

static void release(vtimer *t) {
  if (--t->owners == 0) free(t);
}

static void on_uv_closed(uv_handle_t *h) {
  vtimer *t = h->data;
  close(t->fd);
  release(t);
}

static void cleanup_hook(void *arg);

/* Forgets the armed datagram, if any. */
static void drop_armed(vtimer *t) {
  if (t->armed == NULL) return;
  napi_delete_reference(t->env, t->armed_ref);
  t->armed = NULL;
  t->armed_ref = NULL;
}

static int64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield")
#else
#define cpu_relax() ((void)0)
#endif

/* Waits on the CPU until CLOCK_MONOTONIC reaches `deadline_ns`; the time it returns. Only called
   with deadline_ns - now <= ARMED_MARGIN_MAX_MS: a sleep would end with an idle CPU's wake-up. */
static int64_t spin_until(int64_t deadline_ns) {
  int64_t now = monotonic_ns();
  while (now < deadline_ns) {
    cpu_relax();
    now = monotonic_ns();
  }
  return now;
}

/* At a wake-up: sends the armed datagram when its deadline has passed (once), else keeps it. */
static int fire_armed(vtimer *t, armed_trace *trace) {
  if (t->armed == NULL) return ARMED_NONE;
  int64_t now = monotonic_ns();
  /* Woken before the timerfd's expiry: JavaScript moved the timer later while this wake-up was
     pending (another callback of the same turn re-armed it); the datagram stays armed for it. */
  if (now < t->wake_at_ns) return ARMED_NONE;
  trace->wake_late_ns = now - t->wake_at_ns;
  /* The early wake (at most ARMED_MARGIN_MAX_MS before the deadline): the rest on the CPU. No
     JavaScript runs meanwhile, so the deadline, the datagram and the socket cannot change; the
     guards below (a datagram waiting, the socket closed) are checked after the wait. */
  if (now < t->armed_at_ns) now = spin_until(t->armed_at_ns);
  int64_t late = now - t->armed_at_ns;
  trace->send_late_ns = late;
  int r = ARMED_LATE;
  if (late > t->armed_late_ns) vrrpd_armed_refused(t->armed, ARMED_LATE);
  else r = vrrpd_armed_fire(t->armed);
  drop_armed(t);
  return r;
}

/* Stops polling and lets go of the JS callback; the fd closes once libuv is done with it. */
static void shut(vtimer *t, int from_cleanup_hook) {
  if (!t->open) return;
  t->open = 0;
  drop_armed(t);
  napi_delete_reference(t->env, t->callback);
  napi_async_destroy(t->env, t->async);
  if (!from_cleanup_hook) napi_remove_env_cleanup_hook(t->env, cleanup_hook, t);
  uv_close((uv_handle_t *)&t->poll, on_uv_closed);
}

/* The environment is going away (process exit, worker end) while the timer is still open. */
static void cleanup_hook(void *arg) {
  shut(arg, 1);
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  vtimer *t = data;
  shut(t, 0);
  release(t);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  vtimer *t = h->data;
  if (!t->open) return;
  /* First, before any JavaScript: the armed datagram (a backup's takeover advert). */
  armed_trace trace = {-1, -1};
  int armed = status == 0 ? fire_armed(t, &trace) : ARMED_NONE;
  /* One-shot: expired means disarmed, so it no longer keeps the loop alive until re-armed. */
  uv_unref((uv_handle_t *)&t->poll);
  t->rearmed = 0;
  napi_env env = t->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value argv[4];
  napi_create_int32(env, status, &argv[0]);
  napi_create_int32(env, armed, &argv[1]);
  size_t argc = 2;
  if (trace.send_late_ns >= 0) {
    napi_create_double(env, (double)trace.wake_late_ns / 1e3, &argv[2]);
    napi_create_double(env, (double)trace.send_late_ns / 1e3, &argv[3]);
    argc = 4;
  }
  call_js(env, t->callback, t->async, argc, argv);
  napi_close_handle_scope(env, scope);
  /* The fd stays readable (epoll is level-triggered) until read or re-armed; the queue re-arms or
     disarms it in the callback, which saves a read() per wake-up. */
  if (t->open && !t->rearmed) {
    uint64_t expirations;
    ssize_t n = read(t->fd, &expirations, sizeof expirations); /* EAGAIN: already clear */
    (void)n;
  }
}

/* The timer behind argument 0, or NULL with an exception pending. */
static vtimer *get_timer(napi_env env, napi_value v) {
  bool ours = false;
  void *data = NULL;
  if (napi_check_object_type_tag(env, v, &TIMER_TAG, &ours) != napi_ok || !ours || napi_get_value_external(env, v, &data) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "not a timer handle");
    return NULL;
  }
  vtimer *t = data;
  if (!t->open) {
    napi_throw_error(env, "EBADF", "timer is closed");
    return NULL;
  }
  return t;
}

static napi_value js_monotonic_ms(napi_env env, napi_callback_info info) {
  (void)info;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  napi_value out;
  napi_create_double(env, (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6, &out);
  return out;
}

static napi_value js_timer_open(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  napi_valuetype type;
  napi_typeof(env, argv[0], &type);
  if (type != napi_function) {
    napi_throw_type_error(env, "EINVAL", "onExpire must be a function");
    return NULL;
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_error(env, "EIO", "no event loop");
    return NULL;
  }
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return throw_errno(env, "timerfd_create(CLOCK_MONOTONIC)", errno);
  vtimer *t = calloc(1, sizeof *t);
  if (t == NULL) {
    close(fd);
    return throw_errno(env, "timer", ENOMEM);
  }
  t->env = env;
  t->fd = fd;
  t->poll.data = t;
  int rc = uv_poll_init(loop, &t->poll, fd);
  if (rc != 0) {
    close(fd);
    free(t);
    napi_throw_error(env, "EIO", uv_strerror(rc));
    return NULL;
  }
  rc = uv_poll_start(&t->poll, UV_READABLE, on_readable);
  if (rc != 0) {
    t->owners = 1; /* only the uv handle: its close callback closes the fd and frees */
    uv_close((uv_handle_t *)&t->poll, on_uv_closed);
    napi_throw_error(env, "EIO", uv_strerror(rc));
    return NULL;
  }
  uv_unref((uv_handle_t *)&t->poll); /* disarmed: does not keep the process alive */
  napi_value resource, name, handle;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "vrrpd.KernelTimer", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, argv[0], 1, &t->callback);
  napi_async_init(env, resource, name, &t->async);
  napi_add_env_cleanup_hook(env, cleanup_hook, t);
  t->open = 1;
  t->owners = 2;
  napi_create_external(env, t, finalize, NULL, &handle);
  napi_type_tag_object(env, handle, &TIMER_TAG);
  return handle;
}

/* The armed datagram argument of timerArm (NULL for none), its lateness bound and its early-wake margin; 0 with an exception pending when invalid. */
static int get_armed(napi_env env, size_t argc, napi_value *argv, vrrpd_armed **armed, double *max_late_ms, double *margin_ms) {
  *armed = NULL;
  *margin_ms = 0;
  napi_valuetype type = napi_undefined;
  if (argc > 2) napi_typeof(env, argv[2], &type);
  if (type == napi_undefined || type == napi_null) return 1;
  *armed = vrrpd_armed_get(env, argv[2]);
  if (*armed == NULL || argc < 4 || napi_get_value_double(env, argv[3], max_late_ms) != napi_ok || !isfinite(*max_late_ms) || *max_late_ms < 0) {
    napi_throw_type_error(env, "EINVAL", "armed must be a raw4Armed or raw6Armed datagram, with maxLateMs >= 0");
    return 0;
  }
  type = napi_undefined;
  if (argc > 4) napi_typeof(env, argv[4], &type);
  if (type == napi_undefined) return 1;
  if (napi_get_value_double(env, argv[4], margin_ms) != napi_ok || !(*margin_ms >= 0 && *margin_ms <= ARMED_MARGIN_MAX_MS)) {
    napi_throw_range_error(env, "EINVAL", "marginMs must be 0..1");
    return 0;
  }
  return 1;
}

/* An absolute CLOCK_MONOTONIC time in ns as a timerfd expiry (never zero: zero would disarm). */
static struct itimerspec expiry_at(int64_t ns) {
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  if (ns < 1) ns = 1;
  its.it_value.tv_sec = (time_t)(ns / 1000000000);
  its.it_value.tv_nsec = (long)(ns % 1000000000);
  return its;
}

static napi_value js_timer_arm(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  size_t argc = 5;
  double ms, max_late_ms = 0, margin_ms = 0;
  vrrpd_armed *armed;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, "EINVAL", "missing arguments");
    return NULL;
  }
  vtimer *t = get_timer(env, argv[0]);
  if (t == NULL) return NULL;
  if (napi_get_value_double(env, argv[1], &ms) != napi_ok || !isfinite(ms) || ms < 0 || ms > 1e15) {
    napi_throw_range_error(env, "EINVAL", "deadline must be a finite number of ms >= 0");
    return NULL;
  }
  if (!get_armed(env, argc, argv, &armed, &max_late_ms, &margin_ms)) return NULL;
  double sec = floor(ms / 1e3);
  int64_t deadline_ns = (int64_t)sec * 1000000000 + llround((ms - sec * 1e3) * 1e6);
  int64_t wake_ns = armed == NULL ? deadline_ns : deadline_ns - llround(margin_ms * 1e6);
  struct itimerspec its = expiry_at(wake_ns);
  if (timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
    drop_armed(t);
    return throw_errno(env, "timerfd_settime", errno);
  }
  t->rearmed = 1;
  uv_ref((uv_handle_t *)&t->poll);
  if (armed != t->armed) {
    drop_armed(t);
    if (armed != NULL && napi_create_reference(env, argv[2], 1, &t->armed_ref) == napi_ok) t->armed = armed;
  }
  t->armed_at_ns = deadline_ns;
  t->wake_at_ns = (int64_t)its.it_value.tv_sec * 1000000000 + its.it_value.tv_nsec;
  t->armed_late_ns = (int64_t)(max_late_ms * 1e6);
  return NULL;
}

static napi_value js_timer_disarm(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  vtimer *t = get_timer(env, argv[0]);
  if (t == NULL) return NULL;
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  drop_armed(t);
  if (timerfd_settime(t->fd, 0, &its, NULL) < 0) return throw_errno(env, "timerfd_settime", errno);
  t->rearmed = 1;
  uv_unref((uv_handle_t *)&t->poll);
  return NULL;
}

static napi_value js_armed_fire(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  vrrpd_armed *armed = vrrpd_armed_get(env, argv[0]);
  if (armed == NULL) {
    napi_throw_type_error(env, "EINVAL", "not a raw4Armed or raw6Armed datagram");
    return NULL;
  }
  napi_value out;
  napi_create_int32(env, vrrpd_armed_fire(armed), &out);
  return out;
}

static napi_value js_armed_group(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  return vrrpd_armed_group_create(env, argv[0]);
}

static napi_value js_armed_outcome(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  vrrpd_armed *armed = vrrpd_armed_get(env, argv[0]);
  if (armed == NULL) {
    napi_throw_type_error(env, "EINVAL", "not a raw4Armed or raw6Armed datagram, nor a group");
    return NULL;
  }
  napi_value out;
  napi_create_int32(env, vrrpd_armed_last(armed), &out);
  return out;
}

static napi_value js_timer_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void *data = NULL;
  bool ours = false;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (napi_check_object_type_tag(env, argv[0], &TIMER_TAG, &ours) != napi_ok || !ours || napi_get_value_external(env, argv[0], &data) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "not a timer handle");
    return NULL;
  }
  shut(data, 0);
  return NULL;
}

void vrrpd_timer_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"monotonicMs", NULL, js_monotonic_ms, NULL, NULL, NULL, napi_enumerable, NULL},
    {"timerOpen", NULL, js_timer_open, NULL, NULL, NULL, napi_enumerable, NULL},
    {"timerArm", NULL, js_timer_arm, NULL, NULL, NULL, napi_enumerable, NULL},
    {"timerDisarm", NULL, js_timer_disarm, NULL, NULL, NULL, napi_enumerable, NULL},
    {"timerClose", NULL, js_timer_close, NULL, NULL, NULL, napi_enumerable, NULL},
    {"armedFire", NULL, js_armed_fire, NULL, NULL, NULL, napi_enumerable, NULL},
    {"armedGroup", NULL, js_armed_group, NULL, NULL, NULL, napi_enumerable, NULL},
    {"armedOutcome", NULL, js_armed_outcome, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
