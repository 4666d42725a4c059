/*
 * vrrpd advert trains: a master's steady adverts sent by the addon, without waking JavaScript
 * (native-notes/timers.md, "The advert train"). A master in steady state sends the same bytes
 * every Advertisement_Interval (RFC 3768 §6.4.3, RFC 5798 §6.4.3 "If the Adver_Timer fires");
 * JavaScript hands that repetition over as a train: the armed datagrams (armed.c, one per
 * destination), the period, the next deadline and a stop-by deadline. The trains of the process
 * sit in one min-heap under one timerfd (CLOCK_MONOTONIC, absolute, watched by a uv_poll like
 * timer.c's). At each expiry every due train is checked (armed.c's guards: the socket open, no
 * datagram waiting on it), sent, counted and advanced by the router's own rule (nextAdverDeadline
 * in src/protocol/timers.ts: next = at + period, or now + period when that is already past).
 * A dispatch also sends the trains due within its lead (leadMs, given at trainsOpen) after the
 * first due deadline, and, reading the clock again after each pass, those that came due while it
 * sent (for at most DISPATCH_BUDGET_NS): deadlines a few tens of microseconds apart (instances
 * started one after the other) then leave in one burst, at most the lead early, instead of one
 * wake-up each. On a virtual machine every sleep between them is a wake-up the host may deliver
 * milliseconds late (native-notes/timers.md, "The advert train's tail"). The window is fixed by
 * the deadlines, so the same trains leave together every interval and an early send is early by
 * the same amount each time (its intervals do not move). The timerfd is never armed early: the
 * first train of a burst leaves at or after its deadline.
 * JavaScript is called only when a train stops by itself: a datagram waiting (JavaScript reads it
 * first and steps the router), its stop-by deadline reached, its socket closed, a send failed, or
 * a send later than the train's late threshold (sent, not tallied: JavaScript counts and logs it
 * as its own timer's late fire). JavaScript takes a train back (trainStop) before anything else
 * happens to its instance.
 *
 * Each send's lateness (the dispatch's clock read minus the deadline sent, as the JavaScript
 * deadline queue's `now - deadline`) goes into the train's tally: a count and a sum per bucket of
 * the scheduler's bounds (given by JavaScript, timer-lateness.ts) and the max; JavaScript folds it
 * into the instance's figures when it takes the train back.
 *
 *   trainsOpen(onStop[, boundsMs[, leadMs]])
 *                                   -> sched   onStop(id, reason, errno, deadlineMs, lateMs) on the
 *                                              loop when a train stopped by itself (reason: TRAIN_*
 *                                              below; deadlineMs and lateMs for TRAIN_LATE, else 0);
 *                                              boundsMs: the tally's increasing upper bounds (ms,
 *                                              at most BOUNDS_MAX; the last bucket is open);
 *                                              leadMs (0..100, default 0): how far ahead of its
 *                                              deadline a dispatch may send a train (an early send
 *                                              is tallied as 0 ms late)
 *   trainStart(sched, id, datagrams, deadlineMs, periodMs, stopByMs[, lateMs])
 *                                   -> train   datagrams: raw4Armed / raw6Armed handles, sent in
 *                                              order at each deadline; deadlines are absolute
 *                                              CLOCK_MONOTONIC ms; the train sends at deadlines
 *                                              before stopByMs only; a send more than lateMs late
 *                                              stops it (TRAIN_LATE; default Infinity: never)
 *   trainStop(train)                -> number  stops it (idempotent) and returns how many times it sent
 *   trainSent(train)                -> number  how many times it sent so far (running or not)
 *   trainNext(train)                -> number  its next deadline (ms): the one it did not send
 *   trainPartial(train)             -> number  how many of its datagrams went out, in order, at
 *                                              that deadline before a send failed (TRAIN_FAILED;
 *                                              else 0): JavaScript counts them and sends the rest
 *   trainLateness(train)            -> number[] its tally: counts per bucket (bounds + 1), sums (ms)
 *                                              per bucket, then the max (ms; 0 before any)
 *   trainsClose(sched)              -> undefined  stops every train; idempotent
 */
#include "train.h"
#include "armed.h"
#include "util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

/* Why a train stopped by itself (onStop's reason); the armed guards' codes where they apply. */
enum {
  TRAIN_WAITING = ARMED_WAITING, /* a datagram waits on the socket: JavaScript reads it first */
  TRAIN_CLOSED = ARMED_CLOSED,   /* the socket is closed */
  TRAIN_FAILED = ARMED_FAILED,   /* poll or a send failed (errno given) */
  TRAIN_STOP_BY = -5,            /* its next deadline is at or past its stop-by deadline */
  TRAIN_LATE = -6,               /* it sent a deadline more than its late threshold late (not tallied) */
};

/* How long one dispatch may keep sending the deadlines that come due while it runs (deadline-queue.ts's DISPATCH_BUDGET_MS). */
#define DISPATCH_BUDGET_NS 5000000

/* The most tally bounds a scheduler takes (timer-lateness.ts's TRAIN_LATENESS_BOUNDS_MS has 11). */
#define BOUNDS_MAX 15

typedef struct vtrain vtrain;

typedef struct {
  napi_env env;
  int fd;
  uv_poll_t poll;
  napi_ref callback;
  napi_async_context async;
  int open;
  /* Owners: the JS handle (finalizer), the uv handle (close callback). */
  int owners;
  /* The running trains, a binary min-heap by next_ns. */
  vtrain **heap;
  size_t len, cap;
  /* The expiry the timerfd is armed at (0: disarmed). */
  int64_t armed_ns;
  /* Inside on_readable's dispatch: the timerfd is re-armed once, at its end. */
  int dispatching;
  /* The next train's start order: equal deadlines fire in it. */
  uint64_t seq;
  /* The lateness tally's upper bounds (ms, increasing); nbounds + 1 buckets, the last open. */
  double bounds[BOUNDS_MAX];
  size_t nbounds;
  /* How far ahead of its deadline a train may be sent by a dispatch that is running anyway (leadMs). */
  int64_t lead_ns;
} vsched;

struct vtrain {
  vsched *sched;
  /* The scheduler's JS handle, held so that `sched` stays allocated while this train exists. */
  napi_ref sched_ref;
  int32_t id;
  /* Its index in the heap, -1 when stopped. */
  ptrdiff_t at;
  int64_t next_ns, period_ns, stop_ns;
  /* Its start order, so that trains due together keep their order from one deadline to the next
     (a binary heap alone reorders equal keys: each VRID's interval would move by up to the time
     a whole burst of sends takes). */
  uint64_t seq;
  double sent;
  /* How many of its datagrams went out, in order, at next_ns before a send failed: 0 unless it stopped as TRAIN_FAILED. */
  double partial;
  /* A send later than this stops the train (TRAIN_LATE); INT64_MAX: never. */
  int64_t late_ns;
  /* The lateness of its sends but a TRAIN_LATE one: count and sum (ms) per bucket, the max (ms). */
  double late_count[BOUNDS_MAX + 1], late_sum[BOUNDS_MAX + 1], late_max;
  /* The TRAIN_LATE send: its deadline and how late (ns). */
  int64_t late_deadline_ns, late_by_ns;
  size_t n;
  vrrpd_armed **armed;
  napi_ref *refs;
};

static const napi_type_tag SCHED_TAG = {0x7672727064747273ULL, 0x747261696e732a2aULL};
static const napi_type_tag TRAIN_TAG = {0x7672727064747261ULL, 0x696e2a2a2a2a2a2aULL};

static int64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t ms_to_ns(double ms) {
  if (ms >= 9e12) return INT64_MAX; /* Infinity and anything past ~285 years: never */
  double sec = floor(ms / 1e3);
  return (int64_t)sec * 1000000000 + llround((ms - sec * 1e3) * 1e6);
}

/* --- the heap ---------------------------------------------------------------------------- */

/* Whether a fires before b: earlier deadline, then earlier start. */
static int before(const vtrain *a, const vtrain *b) {
  return a->next_ns < b->next_ns || (a->next_ns == b->next_ns && a->seq < b->seq);
}

static void heap_set(vsched *s, size_t i, vtrain *t) {
  s->heap[i] = t;
  t->at = (ptrdiff_t)i;
}

static void sift_up(vsched *s, size_t i) {
  vtrain *t = s->heap[i];
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!before(t, s->heap[p])) break;
    heap_set(s, i, s->heap[p]);
    i = p;
  }
  heap_set(s, i, t);
}

static void sift_down(vsched *s, size_t i) {
  vtrain *t = s->heap[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= s->len) break;
    if (c + 1 < s->len && before(s->heap[c + 1], s->heap[c])) c++;
    if (!before(s->heap[c], t)) break;
    heap_set(s, i, s->heap[c]);
    i = c;
  }
  heap_set(s, i, t);
}

static int heap_push(vsched *s, vtrain *t) {
  if (s->len == s->cap) {
    size_t cap = s->cap == 0 ? 16 : s->cap * 2;
    vtrain **h = realloc(s->heap, cap * sizeof *h);
    if (h == NULL) return 0;
    s->heap = h;
    s->cap = cap;
  }
  heap_set(s, s->len++, t);
  sift_up(s, s->len - 1);
  return 1;
}

static void heap_remove(vsched *s, vtrain *t) {
  if (t->at < 0) return;
  size_t i = (size_t)t->at;
  t->at = -1;
  vtrain *last = s->heap[--s->len];
  if (i == s->len) return;
  heap_set(s, i, last);
  sift_up(s, i);
  sift_down(s, (size_t)last->at);
}

/* Arms the timerfd at the earliest train's deadline (a system call only when it changed). */
static void rearm(vsched *s) {
  if (!s->open || s->dispatching) return;
  int64_t want = s->len == 0 ? 0 : s->heap[0]->next_ns;
  if (want == s->armed_ns) return;
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  if (want > 0) {
    its.it_value.tv_sec = (time_t)(want / 1000000000);
    its.it_value.tv_nsec = (long)(want % 1000000000);
  }
  if (timerfd_settime(s->fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) return; /* EINVAL only: a bug */
  s->armed_ns = want;
  if (want > 0) uv_ref((uv_handle_t *)&s->poll);
  else uv_unref((uv_handle_t *)&s->poll);
}

/* --- firing -------------------------------------------------------------------------------- */

/*
 * The guards of one dispatch, per socket: a datagram waiting when the trains fell due is looked
 * for once per socket (one poll, not one per train: 255 masters on one interface share it). A
 * datagram that arrives during the burst arrived after they were due.
 */
#define CHECKED_MAX 8
typedef struct {
  const rxsock *sock[CHECKED_MAX];
  int result[CHECKED_MAX], err[CHECKED_MAX];
  size_t n;
} checked;

static int check_socket(checked *c, const rxsock *s, int *err) {
  for (size_t i = 0; i < c->n; i++) {
    if (c->sock[i] == s) {
      *err = c->err[i];
      return c->result[i];
    }
  }
  int r = vrrpd_socket_check(s);
  *err = r == ARMED_FAILED ? errno : 0;
  if (c->n < CHECKED_MAX) {
    c->sock[c->n] = s;
    c->result[c->n] = r;
    c->err[c->n++] = *err;
  }
  return r;
}

static double ns_to_ms(int64_t ns) {
  return (double)(ns / 1000000000) * 1e3 + (double)(ns % 1000000000) / 1e6;
}

/* Counts one send `ms` late in its bucket (the first bound it is within, as timer-lateness.ts). */
static void tally(vtrain *t, double ms) {
  const vsched *s = t->sched;
  size_t i = 0;
  while (i < s->nbounds && ms > s->bounds[i]) i++;
  t->late_count[i]++;
  t->late_sum[i] += ms;
  if (ms > t->late_max) t->late_max = ms;
}

/* A send's lateness for the tally (ms): an early one (the lead) is 0. */
static double late_ms(int64_t now, int64_t deadline) {
  return now > deadline ? ns_to_ms(now - deadline) : 0;
}

/*
 * One train's due deadline: 0 when sent (advanced and tallied), else why it stops (TRAIN_*),
 * errno in *err. TRAIN_LATE: sent and advanced, not tallied (JavaScript counts it).
 */
static int fire(vtrain *t, int64_t now, checked *c, int *err) {
  if (t->next_ns >= t->stop_ns) return TRAIN_STOP_BY;
  for (size_t i = 0; i < t->n; i++) {
    int r = check_socket(c, vrrpd_armed_socket(t->armed[i]), err);
    if (r != 0) return r;
  }
  for (size_t i = 0; i < t->n; i++) {
    if (vrrpd_armed_send(t->armed[i]) < 0) {
      /* The earlier destinations of this deadline got theirs (trainPartial): JavaScript counts those
         and sends this one and the rest (a failure there counted and logged). Not advanced: that
         deadline is JavaScript's; its lateness is tallied here when any of it went out. */
      *err = errno;
      t->partial = (double)i;
      if (i > 0) tally(t, late_ms(now, t->next_ns));
      return TRAIN_FAILED;
    }
  }
  t->sent++;
  int64_t deadline = t->next_ns, late = now - deadline;
  /* RFC 3768 §6.4.3 / RFC 5798 §6.4.3, as nextAdverDeadline: chained, or from now after a stall. */
  int64_t next = t->next_ns + t->period_ns;
  t->next_ns = next > now ? next : now + t->period_ns;
  if (late > t->late_ns) {
    t->late_deadline_ns = deadline;
    t->late_by_ns = late;
    return TRAIN_LATE;
  }
  tally(t, late_ms(now, deadline));
  return 0;
}

typedef struct {
  int32_t id, reason, err;
  int64_t deadline_ns, late_ns;
} stopped;

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  vsched *s = h->data;
  if (!s->open || status != 0) return;
  uint64_t expirations;
  ssize_t rd = read(s->fd, &expirations, sizeof expirations); /* clears the readiness; EAGAIN: stale */
  (void)rd;
  s->armed_ns = 0; /* expired: one-shot */
  int64_t now = monotonic_ns();
  stopped small[8];
  stopped *out = small;
  size_t nout = 0, capout = 8;
  checked c = {.n = 0};
  s->dispatching = 1;
  int64_t budget_end = now + DISPATCH_BUDGET_NS;
  /* The burst: every train due, and those due within the lead after the first one's deadline: a
     window fixed by the deadlines alone (not by the wake's lateness or the sends' speed), so the
     same trains leave together, each as early as the interval before. */
  int64_t horizon = s->len > 0 && s->heap[0]->next_ns <= now ? s->heap[0]->next_ns + s->lead_ns : 0;
again:
  while (s->len > 0 && (s->heap[0]->next_ns <= now || s->heap[0]->next_ns <= horizon)) {
    vtrain *t = s->heap[0];
    int err = 0;
    int r = fire(t, now, &c, &err);
    if (r == 0) {
      sift_down(s, 0);
      continue;
    }
    heap_remove(s, t);
    if (nout == capout) {
      stopped *bigger = malloc(2 * capout * sizeof *bigger);
      if (bigger == NULL) continue; /* cannot tell JavaScript: its train stays stopped, read at its next reclaim */
      memcpy(bigger, out, nout * sizeof *out);
      if (out != small) free(out);
      out = bigger;
      capout *= 2;
    }
    out[nout++] = r == TRAIN_LATE ? (stopped){t->id, r, err, t->late_deadline_ns, t->late_by_ns} : (stopped){t->id, r, err, 0, 0};
  }
  /* The deadlines that came due while it sent: in this dispatch too, not after a sleep (each sleep
     is a wake-up the host may deliver milliseconds late). The guards look again. */
  if (s->len > 0) {
    int64_t t2 = monotonic_ns();
    if (t2 <= budget_end && s->heap[0]->next_ns <= t2) {
      now = t2;
      c.n = 0;
      goto again;
    }
  }
  s->dispatching = 0;
  rearm(s);
  /* JavaScript last, with values only: a callback may stop, start or drop any train. */
  if (nout > 0) {
    napi_env env = s->env;
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) == napi_ok) {
      for (size_t i = 0; i < nout && s->open; i++) {
        napi_value argv[5];
        napi_create_int32(env, out[i].id, &argv[0]);
        napi_create_int32(env, out[i].reason, &argv[1]);
        napi_create_int32(env, out[i].err, &argv[2]);
        napi_create_double(env, out[i].deadline_ns == 0 ? 0 : ns_to_ms(out[i].deadline_ns), &argv[3]);
        napi_create_double(env, ns_to_ms(out[i].late_ns), &argv[4]);
        call_js(env, s->callback, s->async, 5, argv);
      }
      napi_close_handle_scope(env, scope);
    }
  }
  if (out != small) free(out);
}

/* --- lifetime ------------------------------------------------------------------------------ */

static void sched_release(vsched *s) {
  if (--s->owners == 0) {
    free(s->heap);
    free(s);
  }
}

static void on_uv_closed(uv_handle_t *h) {
  vsched *s = h->data;
  close(s->fd);
  sched_release(s);
}

static void sched_cleanup_hook(void *arg);

/* Stops every train and polling; the fd closes once libuv is done with it. */
static void sched_shut(vsched *s, int from_cleanup_hook) {
  if (!s->open) return;
  s->open = 0;
  for (size_t i = 0; i < s->len; i++) s->heap[i]->at = -1;
  s->len = 0;
  napi_delete_reference(s->env, s->callback);
  napi_async_destroy(s->env, s->async);
  if (!from_cleanup_hook) napi_remove_env_cleanup_hook(s->env, sched_cleanup_hook, s);
  uv_close((uv_handle_t *)&s->poll, on_uv_closed);
}

static void sched_cleanup_hook(void *arg) {
  sched_shut(arg, 1);
}

static void sched_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  sched_shut(data, 0);
  sched_release(data);
}

static void train_stop(vtrain *t) {
  if (t->at < 0) return;
  vsched *s = t->sched;
  heap_remove(s, t);
  rearm(s);
}

static void train_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  vtrain *t = data;
  train_stop(t);
  for (size_t i = 0; i < t->n; i++) napi_delete_reference(env, t->refs[i]);
  napi_delete_reference(env, t->sched_ref);
  free(t);
}

static vsched *get_sched(napi_env env, napi_value v) {
  bool ours = false;
  void *data = NULL;
  if (napi_check_object_type_tag(env, v, &SCHED_TAG, &ours) != napi_ok || !ours || napi_get_value_external(env, v, &data) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "not a train scheduler");
    return NULL;
  }
  return data;
}

static vtrain *get_train(napi_env env, napi_value v) {
  bool ours = false;
  void *data = NULL;
  if (napi_check_object_type_tag(env, v, &TRAIN_TAG, &ours) != napi_ok || !ours || napi_get_value_external(env, v, &data) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "not a train");
    return NULL;
  }
  return data;
}

/* --- JavaScript ---------------------------------------------------------------------------- */

/* The tally's bounds: an optional array of at most BOUNDS_MAX increasing finite numbers (ms). */
static int get_bounds(napi_env env, napi_value v, double *bounds, size_t *n) {
  napi_valuetype type;
  napi_typeof(env, v, &type);
  *n = 0;
  if (type == napi_undefined) return 1;
  bool is_array = false;
  uint32_t len = 0;
  if (napi_is_array(env, v, &is_array) != napi_ok || !is_array || napi_get_array_length(env, v, &len) != napi_ok || len > BOUNDS_MAX) goto bad;
  for (uint32_t i = 0; i < len; i++) {
    napi_value e;
    double b;
    if (napi_get_element(env, v, i, &e) != napi_ok || napi_get_value_double(env, e, &b) != napi_ok || !isfinite(b) || (i > 0 && b <= bounds[i - 1])) goto bad;
    bounds[i] = b;
  }
  *n = len;
  return 1;
bad:
  napi_throw_range_error(env, "EINVAL", "boundsMs must be an array of at most 15 increasing finite numbers");
  return 0;
}

static napi_value js_trains_open(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args_opt(env, info, 1, 2, argv)) return NULL;
  napi_valuetype type;
  napi_typeof(env, argv[0], &type);
  if (type != napi_function) {
    napi_throw_type_error(env, "EINVAL", "onStop must be a function");
    return NULL;
  }
  double bounds[BOUNDS_MAX];
  size_t nbounds;
  if (!get_bounds(env, argv[1], bounds, &nbounds)) return NULL;
  double lead_ms = 0;
  napi_valuetype lead_type;
  napi_typeof(env, argv[2], &lead_type);
  if (lead_type != napi_undefined && (napi_get_value_double(env, argv[2], &lead_ms) != napi_ok || !(lead_ms >= 0 && lead_ms <= 100))) {
    napi_throw_range_error(env, "EINVAL", "leadMs must be a number of ms in 0..100");
    return NULL;
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_error(env, "EIO", "no event loop");
    return NULL;
  }
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return throw_errno(env, "timerfd_create(CLOCK_MONOTONIC)", errno);
  vsched *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    return throw_errno(env, "trains", ENOMEM);
  }
  s->env = env;
  s->fd = fd;
  memcpy(s->bounds, bounds, nbounds * sizeof *bounds);
  s->nbounds = nbounds;
  s->lead_ns = ms_to_ns(lead_ms);
  s->poll.data = s;
  int rc = uv_poll_init(loop, &s->poll, fd);
  if (rc != 0) {
    close(fd);
    free(s);
    napi_throw_error(env, "EIO", uv_strerror(rc));
    return NULL;
  }
  rc = uv_poll_start(&s->poll, UV_READABLE, on_readable);
  if (rc != 0) {
    s->owners = 1;
    uv_close((uv_handle_t *)&s->poll, on_uv_closed);
    napi_throw_error(env, "EIO", uv_strerror(rc));
    return NULL;
  }
  uv_unref((uv_handle_t *)&s->poll); /* no train: does not keep the process alive */
  napi_value resource, name, handle;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "vrrpd.AdvertTrains", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, argv[0], 1, &s->callback);
  napi_async_init(env, resource, name, &s->async);
  napi_add_env_cleanup_hook(env, sched_cleanup_hook, s);
  s->open = 1;
  s->owners = 2;
  napi_create_external(env, s, sched_finalize, NULL, &handle);
  napi_type_tag_object(env, handle, &SCHED_TAG);
  return handle;
}

/* A finite number of ms argument >= 0 (Infinity allowed when `inf_ok`); 0 with an exception pending. */
static int get_ms(napi_env env, napi_value v, int inf_ok, const char *what, double *ms) {
  if (napi_get_value_double(env, v, ms) == napi_ok && *ms >= 0 && (isfinite(*ms) ? *ms <= 1e15 : inf_ok && *ms > 0)) return 1;
  napi_throw_range_error(env, "EINVAL", what);
  return 0;
}

static napi_value js_train_start(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args_opt(env, info, 6, 1, argv)) return NULL;
  vsched *s = get_sched(env, argv[0]);
  if (s == NULL) return NULL;
  if (!s->open) {
    napi_throw_error(env, "EBADF", "train scheduler is closed");
    return NULL;
  }
  int32_t id;
  double deadline, period, stop_by;
  bool is_array = false;
  uint32_t n = 0;
  if (napi_get_value_int32(env, argv[1], &id) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "id must be an integer");
    return NULL;
  }
  if (napi_is_array(env, argv[2], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[2], &n) != napi_ok || n == 0 || n > 64) {
    napi_throw_type_error(env, "EINVAL", "datagrams must be an array of 1..64 armed datagrams");
    return NULL;
  }
  if (!get_ms(env, argv[3], 0, "deadline must be a finite number of ms >= 0", &deadline)) return NULL;
  if (!get_ms(env, argv[4], 0, "period must be a finite number of ms >= 1", &period)) return NULL;
  if (period < 1) {
    napi_throw_range_error(env, "EINVAL", "period must be a finite number of ms >= 1");
    return NULL;
  }
  if (!get_ms(env, argv[5], 1, "stopBy must be a number of ms >= 0 (or Infinity)", &stop_by)) return NULL;
  double late_ms = INFINITY;
  napi_valuetype late_type;
  napi_typeof(env, argv[6], &late_type);
  if (late_type != napi_undefined && !get_ms(env, argv[6], 1, "lateMs must be a number of ms >= 0 (or Infinity)", &late_ms)) return NULL;
  vtrain *t = calloc(1, sizeof *t + n * (sizeof(vrrpd_armed *) + sizeof(napi_ref)));
  if (t == NULL) return throw_errno(env, "train", ENOMEM);
  t->armed = (vrrpd_armed **)(t + 1);
  t->refs = (napi_ref *)(t->armed + n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value d;
    napi_get_element(env, argv[2], i, &d);
    t->armed[i] = vrrpd_armed_get(env, d);
    if (t->armed[i] != NULL && vrrpd_armed_is_group(t->armed[i])) t->armed[i] = NULL; /* one datagram each: a train sends its own list */
    if (t->armed[i] == NULL || napi_create_reference(env, d, 1, &t->refs[i]) != napi_ok) {
      for (uint32_t j = 0; j < i; j++) napi_delete_reference(env, t->refs[j]);
      free(t);
      napi_throw_type_error(env, "EINVAL", "datagrams must be raw4Armed or raw6Armed handles");
      return NULL;
    }
    t->n = i + 1;
  }
  t->sched = s;
  t->id = id;
  t->at = -1;
  t->next_ns = ms_to_ns(deadline);
  t->period_ns = ms_to_ns(period);
  t->stop_ns = ms_to_ns(stop_by);
  t->late_ns = ms_to_ns(late_ms);
  t->seq = s->seq++;
  napi_value handle;
  if (napi_create_reference(env, argv[0], 1, &t->sched_ref) != napi_ok || !heap_push(s, t)) {
    for (size_t j = 0; j < t->n; j++) napi_delete_reference(env, t->refs[j]);
    if (t->sched_ref != NULL) napi_delete_reference(env, t->sched_ref);
    free(t);
    return throw_errno(env, "train", ENOMEM);
  }
  if (napi_create_external(env, t, train_finalize, NULL, &handle) != napi_ok) {
    train_finalize(env, t, NULL);
    return NULL;
  }
  napi_type_tag_object(env, handle, &TRAIN_TAG);
  rearm(s);
  return handle;
}

static napi_value js_train_stop(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  if (!get_args(env, info, 1, argv)) return NULL;
  vtrain *t = get_train(env, argv[0]);
  if (t == NULL) return NULL;
  train_stop(t);
  napi_create_double(env, t->sent, &out);
  return out;
}

/* One number read off the train given as the only argument (trainSent, trainNext, trainPartial). */
static napi_value train_number(napi_env env, napi_callback_info info, double (*read)(const vtrain *)) {
  napi_value argv[1], out;
  if (!get_args(env, info, 1, argv)) return NULL;
  vtrain *t = get_train(env, argv[0]);
  if (t == NULL) return NULL;
  napi_create_double(env, read(t), &out);
  return out;
}

static double sent_of(const vtrain *t) { return t->sent; }
static double next_of(const vtrain *t) { return ns_to_ms(t->next_ns); }
static double partial_of(const vtrain *t) { return t->partial; }

static napi_value js_train_sent(napi_env env, napi_callback_info info) { return train_number(env, info, sent_of); }
static napi_value js_train_next(napi_env env, napi_callback_info info) { return train_number(env, info, next_of); }
static napi_value js_train_partial(napi_env env, napi_callback_info info) { return train_number(env, info, partial_of); }

static napi_value js_train_lateness(napi_env env, napi_callback_info info) {
  napi_value argv[1], out, v;
  if (!get_args(env, info, 1, argv)) return NULL;
  vtrain *t = get_train(env, argv[0]);
  if (t == NULL) return NULL;
  size_t buckets = t->sched->nbounds + 1;
  napi_create_array_with_length(env, 2 * buckets + 1, &out);
  for (size_t i = 0; i < buckets; i++) {
    napi_create_double(env, t->late_count[i], &v);
    napi_set_element(env, out, (uint32_t)i, v);
    napi_create_double(env, t->late_sum[i], &v);
    napi_set_element(env, out, (uint32_t)(buckets + i), v);
  }
  napi_create_double(env, t->late_max, &v);
  napi_set_element(env, out, (uint32_t)(2 * buckets), v);
  return out;
}

static napi_value js_trains_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  vsched *s = get_sched(env, argv[0]);
  if (s == NULL) return NULL;
  sched_shut(s, 0);
  return NULL;
}

void vrrpd_train_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"trainsOpen", NULL, js_trains_open, NULL, NULL, NULL, napi_enumerable, NULL},
    {"trainStart", NULL, js_train_start, NULL, NULL, NULL, napi_enumerable, NULL},
    {"trainStop", NULL, js_train_stop, NULL, NULL, NULL, napi_enumerable, NULL},
    {"trainSent", NULL, js_train_sent, NULL, NULL, NULL, napi_enumerable, NULL},
    {"trainNext", NULL, js_train_next, NULL, NULL, NULL, napi_enumerable, NULL},
    {"trainPartial", NULL, js_train_partial, NULL, NULL, NULL, napi_enumerable, NULL},
    {"trainLateness", NULL, js_train_lateness, NULL, NULL, NULL, napi_enumerable, NULL},
    {"trainsClose", NULL, js_trains_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
