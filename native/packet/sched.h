/* Real-time scheduling of the event loop's thread (sched.c): registers its functions on the addon's exports. */
#ifndef VRRPD_SCHED_H
#define VRRPD_SCHED_H
#include <node_api.h>

/* Adds schedSetRealtime and schedReset to `exports`. */
void vrrpd_sched_register(napi_env env, napi_value exports);

#endif
