/*
 * flock(2) for the run lock (src/io/run-lock.ts): Node has fcntl's constants but no call that
 * takes a lock, so vrrpd used util-linux's flock(1) on a descriptor passed to it, which loaded
 * node:child_process (and node:net, node:dgram) at every start. Why: native-notes/memory.md.
 *
 *   flock(fd, exclusive, nonblocking) -> undefined  LOCK_EX or LOCK_SH, with LOCK_NB when
 *                                                   `nonblocking`; the lock belongs to the open file
 *                                                   description behind `fd`, which JavaScript
 *                                                   opened and keeps (closing the last descriptor
 *                                                   of it releases the lock, as does the process's
 *                                                   end). Another holder: code EAGAIN (EWOULDBLOCK
 *                                                   is the same number on Linux).
 *
 * A blocking call (nonblocking false) waits on the event loop's thread: vrrpd never asks for one;
 * it is there for tests. EINTR (a signal while waiting) is retried.
 * Errors are thrown as JS Errors whose `code` is the errno name.
 */
#include "lock.h"
#include "util.h"

#include <sys/file.h>

static napi_value js_flock(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  bool exclusive, nonblocking;
  if (!get_args(env, info, 3, argv)) return NULL;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 || napi_get_value_bool(env, argv[1], &exclusive) != napi_ok ||
      napi_get_value_bool(env, argv[2], &nonblocking) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "flock(fd >= 0, exclusive: boolean, nonblocking: boolean)");
    return NULL;
  }
  int op = (exclusive ? LOCK_EX : LOCK_SH) | (nonblocking ? LOCK_NB : 0);
  int rc;
  do rc = flock(fd, op);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) return throw_errno(env, exclusive ? "flock(LOCK_EX)" : "flock(LOCK_SH)", errno);
  return NULL;
}

void vrrpd_lock_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"flock", NULL, js_flock, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
