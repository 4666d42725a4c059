/*
 * A raw socket read by the event loop, shared by raw6.c and raw4.c: a libuv poll handle on the
 * fd, a recvmsg loop per wake-up, and for each datagram its arrival time on CLOCK_MONOTONIC.
 *
 * Arrival time: the kernel stamps each datagram when it reaches the stack (SO_TIMESTAMPNS, an
 * SCM_TIMESTAMPNS control message on CLOCK_REALTIME). Right after recvmsg we read both clocks:
 * arrival = monotonic now - (realtime now - stamp). The two clocks run at the same rate (NTP slews
 * both); only a step of the wall clock between the stamp and our read moves one against the
 * other, so a stamp later than now, or earlier than the moment the socket was last seen empty
 * (no datagram read since can have arrived before that), is not trusted: the datagram gets the
 * time it was read, and JavaScript counts it. Why: native-notes/timers.md.
 */
#define _GNU_SOURCE
#include "rxsock.h"
#include "util.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Room for any datagram we read: a VRRP advert is at most 20 + 8 + 255 * 16 bytes. */
#define RECV_BUF 8192
/* Datagrams read per wakeup before the loop gets to run something else. */
#define READ_BUDGET 64
/* Clock-reading jitter allowed against the "last seen empty" bound. */
#define EMPTY_SLACK_NS 1000000

static void release(rxsock *s) {
  if (--s->owners == 0) free(s);
}

static void on_uv_closed(uv_handle_t *h) {
  rxsock *s = h->data;
  close(s->fd);
  release(s);
}

static void cleanup_hook(void *arg);

static void shut(rxsock *s, int from_cleanup_hook) {
  if (!s->open) return;
  s->open = 0;
  napi_delete_reference(s->env, s->callback);
  napi_async_destroy(s->env, s->async);
  if (!from_cleanup_hook) napi_remove_env_cleanup_hook(s->env, cleanup_hook, s);
  uv_close((uv_handle_t *)&s->poll, on_uv_closed);
}

void rxsock_shut(rxsock *s) {
  shut(s, 0);
}

static void cleanup_hook(void *arg) {
  shut(arg, 1);
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  rxsock *s = data;
  shut(s, 0);
  release(s);
}

static int64_t clock_ns(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int rxsock_enable_timestamps(int fd) {
  int on = 1;
  return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0 ? errno : 0;
}

/* The datagram's arrival on CLOCK_MONOTONIC, in ms, from its kernel stamp when that is sound. */
static double arrival_ms(const rxsock *s, struct msghdr *msg, enum rx_stamp *how) {
  int64_t stamp = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      stamp = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
  }
  int64_t mono = clock_ns(CLOCK_MONOTONIC);
  int64_t real = clock_ns(CLOCK_REALTIME);
  int64_t at = mono;
  if (stamp < 0) {
    *how = RX_STAMP_NONE;
  } else if (stamp > real) {
    *how = RX_STAMP_FUTURE;
  } else if (mono - (real - stamp) < s->empty_ns - EMPTY_SLACK_NS) {
    *how = RX_STAMP_STALE;
  } else {
    *how = RX_STAMP_KERNEL;
    at = mono - (real - stamp);
  }
  return (double)at / 1e6;
}

static void report_error(rxsock *s, int e) {
  napi_value argv[2];
  napi_create_string_utf8(s->env, errno_code(e), NAPI_AUTO_LENGTH, &argv[0]);
  napi_create_string_utf8(s->env, strerror(e), NAPI_AUTO_LENGTH, &argv[1]);
  call_js(s->env, s->callback, s->async, 2, argv);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  rxsock *s = h->data;
  if (!s->open) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  if (status < 0) {
    report_error(s, -status);
    napi_close_handle_scope(s->env, scope);
    return;
  }
  uint8_t buf[RECV_BUF];
  /* Room for the timestamp and raw6.c's IPV6_PKTINFO and IPV6_HOPLIMIT, aligned for cmsghdr. */
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(struct timespec)) + 3 * CMSG_SPACE(32) + 64];
  } control;
  for (int i = 0; i < READ_BUDGET && s->open; i++) {
    struct sockaddr_storage from;
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
    struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes, .msg_controllen = sizeof control.bytes};
    int64_t before = clock_ns(CLOCK_MONOTONIC);
    ssize_t n = recvmsg(s->fd, &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) s->empty_ns = before;
      else if (errno != EINTR) report_error(s, errno);
      break;
    }
    enum rx_stamp how;
    double at = arrival_ms(s, &msg, &how);
    /* A datagram longer than any advert arrives cut (MSG_TRUNC): the receive path refuses it by length. */
    s->deliver(s, &from, &msg, buf, (size_t)n, at, how);
  }
  napi_close_handle_scope(s->env, scope);
}

napi_value rxsock_start(napi_env env, int fd, int ifindex, napi_value on_message, const char *resource_name, rx_deliver_fn deliver, const napi_type_tag *tag) {
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    close(fd);
    napi_throw_error(env, "EIO", "no event loop");
    return NULL;
  }
  rxsock *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    return throw_errno(env, resource_name, ENOMEM);
  }
  s->env = env;
  s->fd = fd;
  s->ifindex = ifindex;
  s->deliver = deliver;
  s->empty_ns = clock_ns(CLOCK_MONOTONIC);
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
    s->owners = 1; /* only the uv handle: its close callback closes the fd and frees */
    uv_close((uv_handle_t *)&s->poll, on_uv_closed);
    napi_throw_error(env, "EIO", uv_strerror(rc));
    return NULL;
  }
  napi_value resource, name, handle;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, resource_name, NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, on_message, 1, &s->callback);
  napi_async_init(env, resource, name, &s->async);
  napi_add_env_cleanup_hook(env, cleanup_hook, s);
  s->open = 1;
  s->owners = 2;
  napi_create_external(env, s, finalize, NULL, &handle);
  napi_type_tag_object(env, handle, tag);
  return handle;
}

rxsock *rxsock_get(napi_env env, napi_value v, const napi_type_tag *tag, int open_only, const char *what) {
  bool ours = false;
  void *data = NULL;
  char msg[80];
  if (napi_check_object_type_tag(env, v, tag, &ours) != napi_ok || !ours || napi_get_value_external(env, v, &data) != napi_ok) {
    snprintf(msg, sizeof msg, "not a %s handle", what);
    napi_throw_type_error(env, "EINVAL", msg);
    return NULL;
  }
  rxsock *s = data;
  if (open_only && !s->open) {
    snprintf(msg, sizeof msg, "%s is closed", what);
    napi_throw_error(env, "EBADF", msg);
    return NULL;
  }
  return s;
}
