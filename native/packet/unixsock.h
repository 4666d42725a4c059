/* The status socket's listener (unixsock.c): registers its functions on the addon's exports. */
#ifndef VRRPD_UNIXSOCK_H
#define VRRPD_UNIXSOCK_H
#include <node_api.h>

/* Adds unixListen, acceptStart and acceptClose to `exports`. */
void vrrpd_unixsock_register(napi_env env, napi_value exports);

#endif
