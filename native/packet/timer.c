/*
 * vrrpd kernel deadline timer: a timerfd (timerfd_create(2), CLOCK_MONOTONIC) armed at an
 * absolute deadline (TFD_TIMER_ABSTIME) and watched by Node's event loop through a libuv
 * uv_poll handle. The loop sleeps in epoll_wait until the kernel's hrtimer expires and the fd
 * turns readable: no millisecond rounding (libuv timers have 1 ms granularity) and no polling.
 * The TypeScript side (src/io/kernel-timer.ts) keeps one deadline queue for the whole process
 * and arms this timer at the queue's earliest deadline. Why and how: native-notes/timers.md.
 *
 *   monotonicMs()            -> number     clock_gettime(CLOCK_MONOTONIC), in ms
 *   timerOpen(onExpire)      -> handle     onExpire(status, armed) runs on the loop at each expiry
 *                                          (status 0, or a negative libuv error code; armed: what
 *                                          the armed datagram's send did, below)
 *   timerArm(handle, ms[, armed, maxLateMs])
 *                            -> undefined  absolute CLOCK_MONOTONIC deadline in ms; a deadline
 *                                          already past fires on the next loop iteration. `armed`
 *                                          (raw4Armed, raw4.c): a datagram sent by this file at
 *                                          expiry, before onExpire, when the timer is at most
 *                                          maxLateMs late; `armed` is then the bytes sent, or an
 *                                          ARMED_* code (raw4.h) when it was not sent, 0 when
 *                                          nothing was armed for this expiry. Why and the guards:
 *                                          native-notes/timers.md, "The armed takeover advert".
 *   timerDisarm(handle)      -> undefined
 *   timerClose(handle)       -> undefined  idempotent
 *
 * An armed timer keeps the event loop alive, as setTimeout does; a disarmed or expired one does not.
 * Errors are thrown as JS Errors whose `code` is the errno name.
 */
#include "timer.h"
#include "raw4.h"
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
} vtimer;

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

/* At a wake-up: sends the armed datagram when its deadline has passed (once), else keeps it. */
static int fire_armed(vtimer *t) {
  if (t->armed == NULL) return ARMED_NONE;
  int64_t late = monotonic_ns() - t->armed_at_ns;
  /* Woken before the deadline: JavaScript moved the timer later while this wake-up was pending
     (another callback of the same turn re-armed it); the datagram stays armed for the new one. */
  if (late < 0) return ARMED_NONE;
  int r = late > t->armed_late_ns ? ARMED_LATE : vrrpd_armed_fire(t->armed);
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
  int armed = status == 0 ? fire_armed(t) : ARMED_NONE;
  /* One-shot: expired means disarmed, so it no longer keeps the loop alive until re-armed. */
  uv_unref((uv_handle_t *)&t->poll);
  t->rearmed = 0;
  napi_env env = t->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value argv[2];
  napi_create_int32(env, status, &argv[0]);
  napi_create_int32(env, armed, &argv[1]);
  call_js(env, t->callback, t->async, 2, argv);
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

/* The armed datagram argument of timerArm (NULL for none) and its lateness bound; 0 with an exception pending when invalid. */
static int get_armed(napi_env env, size_t argc, napi_value *argv, vrrpd_armed **armed, double *max_late_ms) {
  *armed = NULL;
  napi_valuetype type = napi_undefined;
  if (argc > 2) napi_typeof(env, argv[2], &type);
  if (type == napi_undefined || type == napi_null) return 1;
  *armed = vrrpd_armed_get(env, argv[2]);
  if (*armed == NULL || argc < 4 || napi_get_value_double(env, argv[3], max_late_ms) != napi_ok || !isfinite(*max_late_ms) || *max_late_ms < 0) {
    napi_throw_type_error(env, "EINVAL", "armed must be a raw4Armed datagram, with maxLateMs >= 0");
    return 0;
  }
  return 1;
}

static napi_value js_timer_arm(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc = 4;
  double ms, max_late_ms = 0;
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
  if (!get_armed(env, argc, argv, &armed, &max_late_ms)) return NULL;
  double sec = floor(ms / 1e3);
  long long ns = llround((ms - sec * 1e3) * 1e6);
  if (ns >= 1000000000LL) {
    sec += 1;
    ns -= 1000000000LL;
  }
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  its.it_value.tv_sec = (time_t)sec;
  its.it_value.tv_nsec = (long)ns;
  if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) its.it_value.tv_nsec = 1; /* zero would disarm */
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
  t->armed_at_ns = (int64_t)its.it_value.tv_sec * 1000000000 + its.it_value.tv_nsec;
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
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
