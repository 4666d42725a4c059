/* Real-time signals for the JavaScript side (signals.c): registers its functions on the addon's exports. */
#ifndef VRRPD_SIGNALS_H
#define VRRPD_SIGNALS_H
#include <node_api.h>

/* Adds realtimeSignalRange and realtimeSignalWatch to `exports`. */
void vrrpd_signals_register(napi_env env, napi_value exports);

#endif
