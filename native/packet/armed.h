/*
 * The armed datagram (armed.c): a copy of a datagram that the kernel timer (timer.c) sends by
 * itself at expiry, on the raw socket of either family it was armed on (raw4.c raw4Armed, raw6.c
 * raw6Armed). Why and its guards: native-notes/timers.md, "The armed takeover advert".
 */
#ifndef VRRPD_ARMED_H
#define VRRPD_ARMED_H
#include <node_api.h>

#include <netinet/in.h>
#include <stdint.h>

#include "rxsock.h"

/* A datagram armed on a raw socket, for the kernel timer to send at expiry. */
typedef struct vrrpd_armed vrrpd_armed;

/* Where an armed datagram goes, by the family of the socket it was armed on. */
typedef struct {
  int family; /* AF_INET or AF_INET6 */
  union {
    /* AF_INET: the datagram is IPv4 header and payload (IP_HDRINCL); dst as raw4Send takes it (host order). */
    uint32_t dst4;
    /* AF_INET6: the datagram is the VRRP payload; sent from src (IPV6_PKTINFO) unless has_src is 0. */
    struct {
      struct in6_addr dst, src;
      int has_src;
    } v6;
  } to;
} vrrpd_armed_dest;

/* What firing an armed datagram did, when it did not send it (it returns the bytes sent, > 0). */
enum {
  ARMED_NONE = 0,     /* nothing armed, or not due yet */
  ARMED_WAITING = -1, /* a datagram was waiting on the socket: left to JavaScript */
  ARMED_CLOSED = -2,  /* the socket is closed */
  ARMED_LATE = -3,    /* the timer fired later than its owner allows */
  ARMED_FAILED = -4,  /* poll or the send failed (EAGAIN included): JavaScript sends as usual */
};

/*
 * A JS handle for a copy of `datagram` (len bytes) to send to `dest` on socket `s`, whose JS handle
 * `socket` it holds so that `s` stays allocated; NULL with an exception pending on failure.
 */
napi_value vrrpd_armed_create(napi_env env, napi_value socket, rxsock *s, const vrrpd_armed_dest *dest, const void *datagram, size_t len);

/* The most datagrams one group holds (train.c's trains take as many). */
#define ARMED_GROUP_MAX 64

/*
 * A JS handle for a group of armed datagrams (`members`, a JS array of 1..ARMED_GROUP_MAX raw4Armed
 * or raw6Armed handles on one socket, held): an armed datagram of its own, which a fire sends to
 * every member in order after one check of the guards: a backup's takeover advert to each unicast
 * peer at one expiry. NULL with an exception pending on failure.
 */
napi_value vrrpd_armed_group_create(napi_env env, napi_value members);

/* Whether `a` is a group (the trains take single datagrams only). */
int vrrpd_armed_is_group(const vrrpd_armed *a);

/* What its last fire did: the bytes sent (a group: of its members sent), an ARMED_* code, ARMED_NONE before any. */
int vrrpd_armed_last(const vrrpd_armed *a);

/* Records a refusal (an ARMED_* code) as its last fire's outcome, and its members'. */
void vrrpd_armed_refused(vrrpd_armed *a, int code);

/* The armed datagram behind `v`, or NULL (nothing thrown) when `v` is not one. */
vrrpd_armed *vrrpd_armed_get(napi_env env, napi_value v);

/* The guards alone: 0 when it may be sent now, else ARMED_CLOSED, ARMED_WAITING or ARMED_FAILED (poll failed). */
int vrrpd_armed_check(const vrrpd_armed *a);

/* The same guards for a socket: vrrpd_armed_check is this for the armed datagram's socket. */
int vrrpd_socket_check(const rxsock *s);

/* The socket an armed datagram goes out on. */
const rxsock *vrrpd_armed_socket(const vrrpd_armed *a);

/* The send alone (one sendto or sendmsg, no guard): the bytes sent, or ARMED_FAILED with errno set. A group: one
   send per member, each member's outcome recorded (vrrpd_armed_last), the bytes of those sent or ARMED_FAILED when none was. */
int vrrpd_armed_send(const vrrpd_armed *a);

/* Sends it with one send (a group: one per member) unless its socket is closed or has a datagram waiting: the bytes sent, or an ARMED_* code; recorded as its last outcome. */
int vrrpd_armed_fire(vrrpd_armed *a);

#endif
