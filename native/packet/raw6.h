/* The raw IPv6 VRRP socket (raw6.c): registers its functions on the addon's exports. */
#ifndef VRRPD_RAW6_H
#define VRRPD_RAW6_H
#include <node_api.h>

/* Adds raw6Open, raw6Send and raw6Close to `exports`. */
void vrrpd_raw6_register(napi_env env, napi_value exports);

#endif
