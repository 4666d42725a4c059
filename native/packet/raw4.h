/* The raw IPv4 VRRP socket (raw4.c): registers its functions on the addon's exports; the armed datagram the kernel timer sends. */
#ifndef VRRPD_RAW4_H
#define VRRPD_RAW4_H
#include <node_api.h>

/* Adds raw4Open, raw4Send, raw4Armed and raw4Close to `exports`. */
void vrrpd_raw4_register(napi_env env, napi_value exports);

/* A datagram armed on a raw IPv4 socket (raw4Armed), for the kernel timer to send at expiry. */
typedef struct vrrpd_armed vrrpd_armed;

/* What firing an armed datagram did, when it did not send it (it returns the bytes sent, > 0). */
enum {
  ARMED_NONE = 0,     /* nothing armed, or not due yet */
  ARMED_WAITING = -1, /* a datagram was waiting on the socket: left to JavaScript */
  ARMED_CLOSED = -2,  /* the socket is closed */
  ARMED_LATE = -3,    /* the timer fired later than its owner allows */
  ARMED_FAILED = -4,  /* poll or sendto failed (EAGAIN included): JavaScript sends as usual */
};

/* The armed datagram behind `v`, or NULL (nothing thrown) when `v` is not one. */
vrrpd_armed *vrrpd_armed_get(napi_env env, napi_value v);

/* Sends it with one sendto unless its socket is closed or has a datagram waiting: the bytes sent, or an ARMED_* code. */
int vrrpd_armed_fire(vrrpd_armed *a);

#endif
