/* The raw IPv6 VRRP socket (raw6.c): registers its functions on the addon's exports; its send, which an armed datagram (armed.c) uses too. */
#ifndef VRRPD_RAW6_H
#define VRRPD_RAW6_H
#include <node_api.h>

#include <netinet/in.h>
#include <stddef.h>
#include <sys/types.h>

#include "rxsock.h"

/* Adds raw6Open, raw6Send, raw6Armed and raw6Close to `exports`. */
void vrrpd_raw6_register(napi_env env, napi_value exports);

/* One non-blocking sendmsg of a VRRP payload to `dst` on the socket's interface, from `src` (IPV6_PKTINFO) or, NULL, the kernel's choice: sendmsg's result. */
ssize_t raw6_send_payload(const rxsock *s, const void *payload, size_t len, const struct in6_addr *dst, const struct in6_addr *src);

#endif
