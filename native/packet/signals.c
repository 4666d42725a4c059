/*
 * Real-time signals (SIGRTMIN..SIGRTMAX) delivered to JavaScript. Node's process.on() knows
 * only the named signals, so a real-time signal keeps its default action, which is to end the
 * process. keepalived gives three of them a meaning (its lib/signals.h: SIGRTMIN+2 writes the
 * JSON state, SIGRTMAX-1 the statistics then clears them, SIGRTMAX a thread dump); an operator
 * used to `kill -s $(keepalived --signum=JSON)` must not stop vrrpd with it. libuv's uv_signal
 * takes any signal number below NSIG and runs the callback on the event loop, as Node does for
 * the named ones.
 *
 *   realtimeSignalRange()          -> [SIGRTMIN, SIGRTMAX] as this libc numbers them
 *   realtimeSignalWatch(sig, cb)   -> undefined  cb(sig) on the loop at each delivery; the
 *                                    watch does not keep the loop alive and lasts as long
 *                                    as the environment (it is stopped by its cleanup hook)
 */
#include "signals.h"
#include "util.h"

#include <signal.h>
#include <stdlib.h>
#include <uv.h>

typedef struct {
  napi_env env;
  uv_signal_t handle;
  napi_ref callback;
  napi_async_context async;
} vsignal;

static void on_closed(uv_handle_t *h) {
  free(h->data);
}

/* The environment is going away (process exit, worker end): stop and let go of the callback. */
static void cleanup_hook(void *arg) {
  vsignal *s = arg;
  uv_signal_stop(&s->handle);
  napi_delete_reference(s->env, s->callback);
  napi_async_destroy(s->env, s->async);
  uv_close((uv_handle_t *)&s->handle, on_closed);
}

static void on_signal(uv_signal_t *h, int signum) {
  vsignal *s = h->data;
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value arg;
  napi_create_int32(env, signum, &arg);
  call_js(env, s->callback, s->async, 1, &arg);
  napi_close_handle_scope(env, scope);
}

static napi_value js_range(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, lo, hi;
  napi_create_array_with_length(env, 2, &out);
  napi_create_int32(env, SIGRTMIN, &lo);
  napi_create_int32(env, SIGRTMAX, &hi);
  napi_set_element(env, out, 0, lo);
  napi_set_element(env, out, 1, hi);
  return out;
}

static napi_value js_watch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t sig;
  napi_valuetype type;
  if (!get_args(env, info, 2, argv)) return NULL;
  if (napi_get_value_int32(env, argv[0], &sig) != napi_ok || sig < SIGRTMIN || sig > SIGRTMAX) {
    napi_throw_range_error(env, "EINVAL", "not a real-time signal number");
    return NULL;
  }
  napi_typeof(env, argv[1], &type);
  if (type != napi_function) {
    napi_throw_type_error(env, "EINVAL", "the callback must be a function");
    return NULL;
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_error(env, "EIO", "no event loop");
    return NULL;
  }
  vsignal *s = calloc(1, sizeof *s);
  if (s == NULL) return throw_errno(env, "signal watch", ENOMEM);
  s->env = env;
  s->handle.data = s;
  int rc = uv_signal_init(loop, &s->handle);
  if (rc != 0) {
    free(s);
    napi_throw_error(env, "EIO", uv_strerror(rc));
    return NULL;
  }
  rc = uv_signal_start(&s->handle, on_signal, sig);
  if (rc != 0) {
    uv_close((uv_handle_t *)&s->handle, on_closed);
    napi_throw_error(env, "EIO", uv_strerror(rc));
    return NULL;
  }
  uv_unref((uv_handle_t *)&s->handle);
  napi_value resource, name;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "vrrpd.RealtimeSignal", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, argv[1], 1, &s->callback);
  napi_async_init(env, resource, name, &s->async);
  napi_add_env_cleanup_hook(env, cleanup_hook, s);
  return NULL;
}

void vrrpd_signals_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"realtimeSignalRange", NULL, js_range, NULL, NULL, NULL, napi_enumerable, NULL},
    {"realtimeSignalWatch", NULL, js_watch, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
