/*
 * vrrpd watch addon: the kernel notifications track_file and track_process wait on, so neither
 * polls where Linux can tell it. Plain Node-API (node_api.h), no C++. Why each one, and what it
 * needs: native-notes/trackers.md.
 *
 *   inotifyInit()                 -> fd      inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
 *   inotifyAdd(fd, path, mask)    -> wd      inotify_add_watch()
 *   inotifyRead(fd)               -> [{ wd, mask, name }]   every queued event, until EAGAIN
 *   procOpen()                    -> fd      a NETLINK_CONNECTOR socket bound to the proc
 *                                            connector's group, PROC_CN_MCAST_LISTEN sent
 *                                            (CAP_NET_ADMIN, initial network namespace only)
 *   procRead(fd)                  -> { events: [...], lost }   until EAGAIN; lost: ENOBUFS
 *                                            (the kernel dropped events: rescan)
 *   pidfdOpen(pid)                -> fd      pidfd_open(2): readable once the process exits
 *   watch(fd, callback)           -> handle  uv_poll on fd: callback(status) on the loop whenever
 *                                            it is readable (level-triggered: read it all); after
 *                                            a socket error (status < 0: ENOBUFS on a netlink
 *                                            socket) the poll is started again once it returns
 *   unwatch(handle)               -> undefined
 *   close(fd)                     -> undefined
 *
 * Errors are thrown as JS Errors with `code` = the errno name; the TypeScript wrappers
 * (src/io/inotify.ts, src/io/proc-events.ts) turn them into values.
 */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>
#include <uv.h>

#include "util.h"

#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static int get_int(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "expected a number");
    return 0;
  }
  return 1;
}

static napi_value int_value(napi_env env, int64_t n) {
  napi_value v;
  napi_create_int64(env, n, &v);
  return v;
}

static void set_int(napi_env env, napi_value obj, const char *key, int64_t n) {
  napi_set_named_property(env, obj, key, int_value(env, n));
}

static void set_str(napi_env env, napi_value obj, const char *key, const char *s, size_t max) {
  napi_value v;
  napi_create_string_utf8(env, s, strnlen(s, max), &v);
  napi_set_named_property(env, obj, key, v);
}

/* --- inotify ------------------------------------------------------------------------------ */

static napi_value js_inotify_init(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return throw_errno(env, "inotify_init1", errno);
  return int_value(env, fd);
}

static napi_value js_inotify_add(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, mask;
  char path[4096];
  size_t len;
  if (!get_args(env, info, 3, argv) || !get_int(env, argv[0], &fd) || !get_int(env, argv[2], &mask)) return NULL;
  if (napi_get_value_string_utf8(env, argv[1], path, sizeof path, &len) != napi_ok || len >= sizeof path - 1 || strlen(path) != len) {
    napi_throw_type_error(env, "EINVAL", "path must be a string without NUL, shorter than 4095 bytes");
    return NULL;
  }
  int wd = inotify_add_watch(fd, path, (uint32_t)mask);
  if (wd < 0) return throw_errno(env, "inotify_add_watch", errno);
  return int_value(env, wd);
}

static napi_value js_inotify_read(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], &fd)) return NULL;
  napi_create_array(env, &out);
  uint32_t n = 0;
  char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
  for (;;) {
    ssize_t len = read(fd, buf, sizeof buf);
    if (len < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return throw_errno(env, "read(inotify)", errno);
    }
    if (len == 0) break;
    for (char *p = buf; p < buf + len;) {
      struct inotify_event ev;
      memcpy(&ev, p, sizeof ev);
      napi_value o;
      napi_create_object(env, &o);
      set_int(env, o, "wd", ev.wd);
      set_int(env, o, "mask", ev.mask);
      set_str(env, o, "name", ev.len > 0 ? p + sizeof ev : "", ev.len);
      napi_set_element(env, out, n++, o);
      p += sizeof ev + ev.len;
    }
  }
  return out;
}

/* --- the proc connector (drivers/connector/cn_proc.c) ----------------------------------------- */

static napi_value js_proc_open(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
  if (fd < 0) return throw_errno(env, "socket(AF_NETLINK, NETLINK_CONNECTOR)", errno);
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0 };
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "bind(proc connector)", e);
  }
  struct __attribute__((aligned(NLMSG_ALIGNTO))) {
    struct nlmsghdr nl;
    struct __attribute__((__packed__)) {
      struct cn_msg cn;
      enum proc_cn_mcast_op op;
    } body;
  } msg;
  memset(&msg, 0, sizeof msg);
  msg.nl.nlmsg_len = sizeof msg;
  msg.nl.nlmsg_type = NLMSG_DONE;
  msg.body.cn.id.idx = CN_IDX_PROC;
  msg.body.cn.id.val = CN_VAL_PROC;
  msg.body.cn.len = sizeof(enum proc_cn_mcast_op);
  msg.body.op = PROC_CN_MCAST_LISTEN;
  if (send(fd, &msg, sizeof msg, 0) < 0) {
    /* ECONNREFUSED outside the initial network namespace: no connector there */
    int e = errno;
    close(fd);
    return throw_errno(env, "send(PROC_CN_MCAST_LISTEN)", e);
  }
  return int_value(env, fd);
}

/* One proc_event as a JS object; NULL for kinds vrrpd does not follow. */
static napi_value proc_event_value(napi_env env, const struct proc_event *ev) {
  napi_value o;
  napi_create_object(env, &o);
  switch (ev->what) {
    case PROC_EVENT_NONE:
      set_str(env, o, "what", "ack", 4);
      break;
    case PROC_EVENT_FORK:
      set_str(env, o, "what", "fork", 5);
      set_int(env, o, "parentTgid", ev->event_data.fork.parent_tgid);
      set_int(env, o, "pid", ev->event_data.fork.child_pid);
      set_int(env, o, "tgid", ev->event_data.fork.child_tgid);
      break;
    case PROC_EVENT_EXEC:
      set_str(env, o, "what", "exec", 5);
      set_int(env, o, "pid", ev->event_data.exec.process_pid);
      set_int(env, o, "tgid", ev->event_data.exec.process_tgid);
      break;
    case PROC_EVENT_COMM:
      set_str(env, o, "what", "comm", 5);
      set_int(env, o, "pid", ev->event_data.comm.process_pid);
      set_int(env, o, "tgid", ev->event_data.comm.process_tgid);
      set_str(env, o, "comm", ev->event_data.comm.comm, sizeof ev->event_data.comm.comm);
      break;
    case PROC_EVENT_EXIT:
      set_str(env, o, "what", "exit", 5);
      set_int(env, o, "pid", ev->event_data.exit.process_pid);
      set_int(env, o, "tgid", ev->event_data.exit.process_tgid);
      break;
    default:
      return NULL;
  }
  return o;
}

static napi_value js_proc_read(napi_env env, napi_callback_info info) {
  napi_value argv[1], out, events;
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], &fd)) return NULL;
  napi_create_object(env, &out);
  napi_create_array(env, &events);
  bool lost = false;
  uint32_t n = 0;
  /* One datagram per event: the kernel never chains proc events (their alignment forbids it). */
  char buf[1024] __attribute__((aligned(8)));
  for (;;) {
    struct sockaddr_nl from;
    socklen_t fromlen = sizeof from;
    ssize_t len = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
    if (len < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      if (errno == ENOBUFS) {
        lost = true;
        continue;
      }
      return throw_errno(env, "recv(proc connector)", errno);
    }
    if (fromlen != sizeof from || from.nl_pid != 0) continue; /* only the kernel speaks here */
    struct nlmsghdr nl;
    if ((size_t)len < sizeof nl) continue;
    memcpy(&nl, buf, sizeof nl);
    if (!NLMSG_OK((struct nlmsghdr *)buf, (unsigned)len) || nl.nlmsg_type == NLMSG_ERROR || nl.nlmsg_type == NLMSG_NOOP) continue;
    struct cn_msg cn;
    struct proc_event ev;
    size_t at = NLMSG_HDRLEN;
    if ((size_t)len < at + sizeof cn) continue;
    memcpy(&cn, buf + at, sizeof cn);
    if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC) continue;
    at += sizeof cn;
    memset(&ev, 0, sizeof ev);
    size_t have = (size_t)len - at < sizeof ev ? (size_t)len - at : sizeof ev;
    if (have < offsetof(struct proc_event, event_data)) continue;
    memcpy(&ev, buf + at, have);
    napi_value o = proc_event_value(env, &ev);
    if (o != NULL) napi_set_element(env, events, n++, o);
  }
  napi_set_named_property(env, out, "events", events);
  napi_value l;
  napi_get_boolean(env, lost, &l);
  napi_set_named_property(env, out, "lost", l);
  return out;
}

/* --- pidfd --------------------------------------------------------------------------------- */

static napi_value js_pidfd_open(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t pid;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], &pid)) return NULL;
  long fd = syscall(SYS_pidfd_open, (pid_t)pid, 0u);
  if (fd < 0) return throw_errno(env, "pidfd_open", errno);
  /* pidfd_open sets O_CLOEXEC itself */
  return int_value(env, fd);
}

/* --- readiness on the event loop ----------------------------------------------------------- */

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  int stopped;
} watch_t;

static void on_closed(uv_handle_t *h) {
  free(h->data);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  watch_t *w = h->data;
  if (w->stopped) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value arg;
  napi_create_int32(env, status, &arg);
  call_js(env, w->callback, w->async, 1, &arg);
  napi_close_handle_scope(env, scope);
  /* A socket error (ENOBUFS on a netlink socket: the kernel dropped messages) polls as POLLERR,
     and libuv stops the poll before this callback (status UV_EBADF). The callback has read the
     socket, which reports and clears the error: watch it again, or it goes deaf for good. */
  if (status < 0 && !w->stopped) uv_poll_start(&w->poll, UV_READABLE, on_readable);
}

static void finalize_noop(napi_env env, void *data, void *hint) {
  (void)env, (void)data, (void)hint;
}

static napi_value js_watch(napi_env env, napi_callback_info info) {
  napi_value argv[2], name, handle;
  int32_t fd;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[0], &fd)) return NULL;
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_errno(env, "uv loop", EINVAL);
  watch_t *w = calloc(1, sizeof *w);
  if (w == NULL) return throw_errno(env, "watch", ENOMEM);
  w->env = env;
  w->poll.data = w;
  int r = uv_poll_init(loop, &w->poll, fd);
  if (r != 0) {
    free(w);
    return throw_errno(env, "uv_poll_init", -r);
  }
  napi_create_reference(env, argv[1], 1, &w->callback);
  napi_create_string_utf8(env, "vrrpd:watch", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w->async);
  r = uv_poll_start(&w->poll, UV_READABLE, on_readable);
  if (r != 0) {
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->async);
    uv_close((uv_handle_t *)&w->poll, on_closed);
    return throw_errno(env, "uv_poll_start", -r);
  }
  napi_create_external(env, w, finalize_noop, NULL, &handle);
  return handle;
}

static napi_value js_unwatch(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void *data;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "EINVAL", "not a watch handle");
    return NULL;
  }
  watch_t *w = data;
  if (!w->stopped) {
    w->stopped = 1;
    uv_poll_stop(&w->poll);
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->async);
    uv_close((uv_handle_t *)&w->poll, on_closed);
  }
  return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], &fd)) return NULL;
  if (close(fd) < 0 && errno != EINTR) return throw_errno(env, "close", errno);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "inotifyInit", NULL, js_inotify_init, NULL, NULL, NULL, napi_default, NULL },
    { "inotifyAdd", NULL, js_inotify_add, NULL, NULL, NULL, napi_default, NULL },
    { "inotifyRead", NULL, js_inotify_read, NULL, NULL, NULL, napi_default, NULL },
    { "procOpen", NULL, js_proc_open, NULL, NULL, NULL, napi_default, NULL },
    { "procRead", NULL, js_proc_read, NULL, NULL, NULL, napi_default, NULL },
    { "pidfdOpen", NULL, js_pidfd_open, NULL, NULL, NULL, napi_default, NULL },
    { "watch", NULL, js_watch, NULL, NULL, NULL, napi_default, NULL },
    { "unwatch", NULL, js_unwatch, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
