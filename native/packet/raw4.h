/* The raw IPv4 VRRP socket (raw4.c): registers its functions on the addon's exports; its send, which an armed datagram (armed.c) uses too. */
#ifndef VRRPD_RAW4_H
#define VRRPD_RAW4_H
#include <node_api.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Adds raw4Open, raw4Send, raw4Armed and raw4Close to `exports`. */
void vrrpd_raw4_register(napi_env env, napi_value exports);

/* One non-blocking sendto of an IPv4 datagram (header included) to `dst` (a uint32, host order): sendto's result. */
ssize_t raw4_send_datagram(int fd, const void *datagram, size_t len, uint32_t dst);

#endif
