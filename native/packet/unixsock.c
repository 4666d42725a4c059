/*
 * vrrpd's status socket without net.Server: a listening unix stream socket opened here and its
 * connections accepted on the event loop through a libuv uv_poll handle. Node's net.Server.listen
 * loads node:cluster (and with it child_process and dgram) in every process, cluster or not; the
 * daemon listens on nothing else, so this keeps all of them out. JavaScript wraps each accepted
 * descriptor in a net.Socket (src/io/unix-listener.ts). Why and what it saves:
 * native-notes/status-socket.md.
 *
 *   unixListen(path, backlog)  -> fd       socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
 *                                          SOCK_CLOEXEC), bound to `path` with mode 0600 from
 *                                          the start (bound under umask 0177, below), listen()
 *   acceptStart(fd, onAccept)  -> handle   the handle owns `fd` from now on, also when this throws
 *                                          (ENOTSOCK: not a socket; EINVAL: not a listening
 *                                          stream socket). On each wake-up, up to ACCEPT_BUDGET
 *                                          connections are accepted (accept4, SOCK_NONBLOCK |
 *                                          SOCK_CLOEXEC) and each is handed over as
 *                                          onAccept(fd), now JavaScript's to close. When accept
 *                                          fails: onAccept(-1, code, message); out of descriptors
 *                                          or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) the
 *                                          handle stops watching for ACCEPT_BACKOFF_MS (else the
 *                                          waiting connection would wake the loop at once, again
 *                                          and again), on any other error for good.
 *   acceptClose(handle)        -> undefined  stops watching and closes the listening fd;
 *                                          idempotent. Unlinks nothing: the caller knows whether
 *                                          the path is still its socket.
 *   unixDatagramSend(address, message) -> bytes  one datagram from a new AF_UNIX SOCK_DGRAM
 *                                          socket to `address`: a path, or "@name" for a name in
 *                                          the abstract namespace (the "@" stands for its leading
 *                                          NUL, as systemd writes NOTIFY_SOCKET). Never waits: a
 *                                          receiver whose queue is full gives EAGAIN. For
 *                                          systemd's readiness notification (src/io/sd-notify.ts,
 *                                          the protocol of sd_notify(3)), which ran systemd-notify
 *                                          before: no child process, no node:child_process, and
 *                                          the sender is the daemon itself, so the unit can say
 *                                          NotifyAccess=main (native-notes/memory.md).
 *
 * Errors are thrown as JS Errors whose `code` is the errno name.
 */
#define _GNU_SOURCE /* accept4 */
#include "unixsock.h"
#include "util.h"

#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

/* Connections accepted per wake-up before the loop gets to run something else. */
#define ACCEPT_BUDGET 16
/* How long accepting pauses when the process is out of descriptors or memory. */
#define ACCEPT_BACKOFF_MS 100

typedef struct {
  napi_env env;
  int fd;
  uv_poll_t poll;
  uv_timer_t backoff;
  napi_ref callback;
  napi_async_context async;
  /* Watching and holding the callback; cleared once by shut(). */
  int open;
  /* Owners: the JS handle (its finalizer) and the two uv handles (their close callbacks). */
  int owners;
} acceptor;

static const napi_type_tag ACCEPTOR_TAG = {0x7672727064756e78ULL, 0x6163636570746f72ULL};

static void release(acceptor *a) {
  if (--a->owners == 0) free(a);
}

static void on_uv_closed(uv_handle_t *h) {
  release(h->data);
}

static void cleanup_hook(void *arg);

/* Stops watching, lets go of the JS callback and closes the listening fd (libuv no longer polls it). */
static void shut(acceptor *a, int from_cleanup_hook) {
  if (!a->open) return;
  a->open = 0;
  napi_delete_reference(a->env, a->callback);
  napi_async_destroy(a->env, a->async);
  if (!from_cleanup_hook) napi_remove_env_cleanup_hook(a->env, cleanup_hook, a);
  uv_poll_stop(&a->poll);
  uv_timer_stop(&a->backoff);
  close(a->fd);
  a->fd = -1;
  uv_close((uv_handle_t *)&a->poll, on_uv_closed);
  uv_close((uv_handle_t *)&a->backoff, on_uv_closed);
}

static void cleanup_hook(void *arg) {
  shut(arg, 1);
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  acceptor *a = data;
  shut(a, 0);
  release(a);
}

/* onAccept(fd) or onAccept(-1, code, message); the caller holds a handle scope. */
static void hand_over(acceptor *a, int fd, int e) {
  napi_env env = a->env;
  napi_value argv[3];
  size_t argc = 1;
  napi_create_int32(env, fd, &argv[0]);
  if (fd < 0) {
    napi_create_string_utf8(env, errno_code(e), NAPI_AUTO_LENGTH, &argv[1]);
    napi_create_string_utf8(env, strerror(e), NAPI_AUTO_LENGTH, &argv[2]);
    argc = 3;
  }
  call_js(env, a->callback, a->async, argc, argv);
}

static void on_readable(uv_poll_t *h, int status, int events);

static void on_backoff_done(uv_timer_t *t) {
  acceptor *a = t->data;
  if (a->open) uv_poll_start(&a->poll, UV_READABLE, on_readable);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  acceptor *a = h->data;
  if (!a->open) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(a->env, &scope) != napi_ok) return;
  for (int n = 0; n < ACCEPT_BUDGET && a->open; n++) {
    int fd = accept4(a->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      hand_over(a, fd, 0);
      continue;
    }
    int e = errno;
    if (e == EAGAIN || e == EWOULDBLOCK) break;
    /* The client went away before we took it, or a signal: the next one may be fine. */
    if (e == EINTR || e == ECONNABORTED || e == EPROTO) continue;
    uv_poll_stop(&a->poll);
    if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) uv_timer_start(&a->backoff, on_backoff_done, ACCEPT_BACKOFF_MS, 0);
    hand_over(a, -1, e);
    break;
  }
  napi_close_handle_scope(a->env, scope);
}

static napi_value fd_value(napi_env env, int fd) {
  napi_value v;
  napi_create_int32(env, fd, &v);
  return v;
}

static napi_value js_unix_listen(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t backlog;
  struct sockaddr_un sa;
  size_t len;
  if (!get_args(env, info, 2, argv)) return NULL;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  if (napi_get_value_string_utf8(env, argv[0], sa.sun_path, sizeof sa.sun_path, &len) != napi_ok || len == 0 || len >= sizeof sa.sun_path - 1 ||
      strlen(sa.sun_path) != len) {
    napi_throw_type_error(env, "EINVAL", "path must be a non-empty string without NUL, shorter than 107 bytes");
    return NULL;
  }
  if (napi_get_value_int32(env, argv[1], &backlog) != napi_ok || backlog < 1) {
    napi_throw_range_error(env, "EINVAL", "backlog must be a number >= 1");
    return NULL;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket(AF_UNIX)", errno);
  /* Linux gives a socket's file the mode 0777 less the umask at bind(), and fchmod on the socket
     changes nothing there: only a umask makes it 0600 from its first moment, before anyone could
     connect. The umask is the process's, for the few microseconds of bind(): a file another thread
     (libuv's pool) creates meanwhile gets fewer permissions, never more. */
  mode_t old = umask(0177);
  int r = bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1));
  int e = errno;
  umask(old);
  if (r < 0) {
    close(fd);
    return throw_errno(env, "bind(AF_UNIX)", e);
  }
  if (listen(fd, backlog) < 0) {
    e = errno;
    close(fd);
    unlink(sa.sun_path); /* the file bind() created just now */
    return throw_errno(env, "listen(AF_UNIX)", e);
  }
  return fd_value(env, fd);
}

static napi_value js_accept_start(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  if (!get_args(env, info, 2, argv)) return NULL;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, "EINVAL", "fd must be a number >= 0");
    return NULL;
  }
  napi_valuetype type;
  napi_typeof(env, argv[1], &type);
  if (type != napi_function) {
    close(fd);
    napi_throw_type_error(env, "EINVAL", "onAccept must be a function");
    return NULL;
  }
  int listening = 0, socktype = 0;
  socklen_t optlen = sizeof listening;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "getsockopt(SO_ACCEPTCONN)", e);
  }
  optlen = sizeof socktype;
  if (!listening || getsockopt(fd, SOL_SOCKET, SO_TYPE, &socktype, &optlen) < 0 || socktype != SOCK_STREAM) {
    close(fd);
    return throw_errno(env, "acceptStart: not a listening stream socket", EINVAL);
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    close(fd);
    napi_throw_error(env, "EIO", "no event loop");
    return NULL;
  }
  acceptor *a = calloc(1, sizeof *a);
  if (a == NULL) {
    close(fd);
    return throw_errno(env, "acceptStart", ENOMEM);
  }
  a->env = env;
  a->fd = fd;
  a->poll.data = a;
  a->backoff.data = a;
  int rc = uv_poll_init(loop, &a->poll, fd);
  if (rc != 0) {
    close(fd);
    free(a);
    return throw_errno(env, "uv_poll_init", -rc);
  }
  uv_timer_init(loop, &a->backoff);
  rc = uv_poll_start(&a->poll, UV_READABLE, on_readable);
  if (rc != 0) {
    close(fd);
    a->owners = 2; /* only the uv handles: their close callbacks free it */
    uv_close((uv_handle_t *)&a->poll, on_uv_closed);
    uv_close((uv_handle_t *)&a->backoff, on_uv_closed);
    return throw_errno(env, "uv_poll_start", -rc);
  }
  napi_value resource, name, handle;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "vrrpd.UnixAcceptor", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, argv[1], 1, &a->callback);
  napi_async_init(env, resource, name, &a->async);
  napi_add_env_cleanup_hook(env, cleanup_hook, a);
  a->open = 1;
  a->owners = 3;
  napi_create_external(env, a, finalize, NULL, &handle);
  napi_type_tag_object(env, handle, &ACCEPTOR_TAG);
  return handle;
}

static napi_value js_accept_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void *data = NULL;
  bool ours = false;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (napi_check_object_type_tag(env, argv[0], &ACCEPTOR_TAG, &ours) != napi_ok || !ours || napi_get_value_external(env, argv[0], &data) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "not an acceptStart handle");
    return NULL;
  }
  shut(data, 0);
  return NULL;
}

/* sockaddr_un for `address` ("/path" or "@abstract"); its length, or 0 when it does not fit or is neither. */
static socklen_t unix_address(const char *address, size_t len, struct sockaddr_un *to) {
  memset(to, 0, sizeof *to);
  to->sun_family = AF_UNIX;
  if (len < 2 || (address[0] != '/' && address[0] != '@')) return 0;
  if (address[0] == '/') {
    if (len >= sizeof to->sun_path) return 0; /* with its NUL */
    memcpy(to->sun_path, address, len);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
  }
  if (len > sizeof to->sun_path) return 0;
  /* abstract: sun_path[0] is NUL, the name is the rest, its length counted exactly (no NUL after) */
  memcpy(to->sun_path + 1, address + 1, len - 1);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
}

static napi_value js_unix_datagram_send(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  char address[sizeof(((struct sockaddr_un *)0)->sun_path) + 2];
  size_t full = 0, len = 0;
  /* The whole length first: a copy into a short buffer stops before a character that does not fit
     whole, so a longer address could read as a shorter one, another socket's name. */
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &full) != napi_ok || napi_get_value_string_utf8(env, argv[0], address, sizeof address, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "address must be a string");
    return NULL;
  }
  struct sockaddr_un to;
  socklen_t tolen = len == full && len < sizeof address - 1 && strlen(address) == len ? unix_address(address, len, &to) : 0;
  if (tolen == 0) return throw_errno(env, "unixDatagramSend: address must be /path or @name, shorter than sun_path", EINVAL);
  void *data = NULL;
  size_t n = 0;
  if (!get_bytes(env, argv[1], &data, &n)) {
    napi_throw_type_error(env, "EINVAL", "message must be a Uint8Array");
    return NULL;
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket(AF_UNIX, SOCK_DGRAM)", errno);
  ssize_t sent;
  do sent = sendto(fd, data, n, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&to, tolen);
  while (sent < 0 && errno == EINTR);
  int e = errno;
  close(fd);
  if (sent < 0) return throw_errno(env, "sendto(AF_UNIX, SOCK_DGRAM)", e);
  napi_value out;
  napi_create_int64(env, (int64_t)sent, &out);
  return out;
}

void vrrpd_unixsock_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"unixListen", NULL, js_unix_listen, NULL, NULL, NULL, napi_enumerable, NULL},
    {"acceptStart", NULL, js_accept_start, NULL, NULL, NULL, napi_enumerable, NULL},
    {"acceptClose", NULL, js_accept_close, NULL, NULL, NULL, napi_enumerable, NULL},
    {"unixDatagramSend", NULL, js_unix_datagram_send, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
