/* flock(2) on a descriptor JavaScript opened (lock.c): registers its function on the addon's exports. */
#ifndef VRRPD_LOCK_H
#define VRRPD_LOCK_H
#include <node_api.h>

/* Adds flock to `exports`. */
void vrrpd_lock_register(napi_env env, napi_value exports);

#endif
