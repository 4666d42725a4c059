/* The status socket's listener and systemd's notification datagram (unixsock.c): registers its functions on the addon's exports. */
#ifndef VRRPD_UNIXSOCK_H
#define VRRPD_UNIXSOCK_H
#include <node_api.h>

/* Adds unixListen, acceptStart, acceptClose and unixDatagramSend to `exports`. */
void vrrpd_unixsock_register(napi_env env, napi_value exports);

#endif
