/* The raw IPv4 VRRP receive socket (raw4.c): registers its functions on the addon's exports. */
#ifndef VRRPD_RAW4_H
#define VRRPD_RAW4_H
#include <node_api.h>

/* Adds raw4Open and raw4Close to `exports`. */
void vrrpd_raw4_register(napi_env env, napi_value exports);

#endif
