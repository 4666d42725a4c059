/* Small Node-API helpers shared by the addons' C files (packet.c, raw4.c, raw6.c, armed.c, rxsock.c, timer.c, train.c, signals.c, rtnl.c, sched.c, unixsock.c, lock.c, watch.c). */
#ifndef VRRPD_UTIL_H
#define VRRPD_UTIL_H
#include <node_api.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The errno's symbolic name, for the JS Error's `code` (the TypeScript side matches on it). */
static inline const char *errno_code(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case ENOTDIR: return "ENOTDIR";
    case ENOSPC: return "ENOSPC";
    case ENODEV: return "ENODEV";
    case ENXIO: return "ENXIO";
    case EAGAIN: return "EAGAIN";
    case ENETDOWN: return "ENETDOWN";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case ENOSYS: return "ENOSYS";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case ENOBUFS: return "ENOBUFS";
    case ENOTSOCK: return "ENOTSOCK";
    case EADDRINUSE: return "EADDRINUSE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOLCK: return "ENOLCK";
    case EINTR: return "EINTR";
    case EPROTOTYPE: return "EPROTOTYPE";
    case EMSGSIZE: return "EMSGSIZE";
    default: return "EIO";
  }
}

/* Throws `what: strerror(e)` with code = the errno name; returns NULL for the caller to return. */
static inline napi_value throw_errno(napi_env env, const char *what, int e) {
  char msg[200];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(e));
  napi_throw_error(env, errno_code(e), msg);
  return NULL;
}

/* Reads exactly `want` arguments into argv; throws a TypeError (and returns 0) when fewer came. */
/* Like get_args, with `optional` more slots after the `want` required ones (undefined when not given). */
static inline int get_args_opt(napi_env env, napi_callback_info info, size_t want, size_t optional, napi_value *argv) {
  size_t argc = want + optional;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, "EINVAL", "missing arguments");
    return 0;
  }
  return 1;
}

static inline int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, "EINVAL", "missing arguments");
    return 0;
  }
  return 1;
}

/*
 * The bytes of `v` when it is a Uint8Array (a Buffer is one): 1 with *data and *len set, else 0
 * and nothing thrown, for the caller to throw its own TypeError naming the argument.
 */
static inline int get_bytes(napi_env env, napi_value v, void **data, size_t *len) {
  bool is_typed = false;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return 0;
  return napi_get_typedarray_info(env, v, &type, len, data, NULL, NULL) == napi_ok && type == napi_uint8_array;
}

/*
 * Calls the JS function behind `callback` on the event loop, as Node calls any I/O callback:
 * make_callback runs the microtasks and nextTicks it queued before we return to libuv, and an
 * exception it throws becomes the process's 'uncaughtException'. The caller holds a handle scope.
 */
static inline void call_js(napi_env env, napi_ref callback, napi_async_context async, size_t argc, napi_value *argv) {
  napi_value cb, recv;
  if (napi_get_reference_value(env, callback, &cb) != napi_ok || cb == NULL) return;
  napi_get_global(env, &recv); /* make_callback wants an object as `this` */
  if (napi_make_callback(env, async, recv, cb, argc, argv, NULL) == napi_pending_exception) {
    napi_value e;
    napi_get_and_clear_last_exception(env, &e);
    napi_fatal_exception(env, e);
  }
}

#endif
