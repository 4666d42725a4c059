/*
 * A raw socket read by the event loop (rxsock.c): its lifetime under Node-API and libuv, the
 * recvmsg loop, and each datagram's kernel receive timestamp (SO_TIMESTAMPNS) turned into a
 * CLOCK_MONOTONIC arrival time. raw6.c (IPv6) and raw4.c (IPv4) open and configure the socket and
 * say how a datagram is handed to JavaScript.
 */
#ifndef VRRPD_RXSOCK_H
#define VRRPD_RXSOCK_H
#include <node_api.h>

#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

/* How a datagram's arrival time was found (the `stamp` argument JavaScript gets). */
enum rx_stamp {
  RX_STAMP_KERNEL = 0, /* the kernel's receive timestamp */
  RX_STAMP_NONE = 1,   /* the kernel gave none: the time it was read */
  RX_STAMP_FUTURE = 2, /* after the time it was read (the wall clock stepped back): the time it was read */
  RX_STAMP_STALE = 3,  /* before the socket was last seen empty (the wall clock stepped forward): the time it was read */
};

typedef struct rxsock rxsock;

/*
 * Hands one datagram to JavaScript (the caller holds a handle scope): `from` and `msg` as recvmsg
 * filled them, `arrival_ms` on CLOCK_MONOTONIC and how it was found.
 */
typedef void (*rx_deliver_fn)(rxsock *s, const void *from, struct msghdr *msg, const uint8_t *data, size_t len, double arrival_ms, enum rx_stamp stamp);

struct rxsock {
  napi_env env;
  int fd;
  int ifindex;
  uv_poll_t poll;
  napi_ref callback;
  napi_async_context async;
  rx_deliver_fn deliver;
  /* CLOCK_MONOTONIC (ns) just before recvmsg last found the queue empty: no datagram read later arrived before it. */
  int64_t empty_ns;
  /* Polled and holding the callback; cleared once by rxsock_shut(). */
  int open;
  /* Owners: the JS handle (its finalizer) and the uv handle (its close callback). */
  int owners;
};

/* Asks the kernel to stamp each received datagram (SO_TIMESTAMPNS); 0 or an errno. */
int rxsock_enable_timestamps(int fd);

/*
 * Starts reading `fd` on the loop and returns the JS handle (tagged `tag`), or NULL with an
 * exception pending; the fd is closed on failure and owned by the handle on success.
 */
napi_value rxsock_start(napi_env env, int fd, int ifindex, napi_value on_message, const char *resource_name, rx_deliver_fn deliver, const napi_type_tag *tag);

/* The socket behind a handle argument, or NULL with an exception pending (`open_only`: closed is an error). */
rxsock *rxsock_get(napi_env env, napi_value handle, const napi_type_tag *tag, int open_only, const char *what);

/* Stops reading and drops the callback; the fd closes once libuv is done with it. Idempotent. */
void rxsock_shut(rxsock *s);

#endif
