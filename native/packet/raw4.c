/*
 * vrrpd raw IPv4 VRRP receive socket: socket(AF_INET, SOCK_RAW, protocol) on one interface (or
 * none), read with recvmsg(2) so that each datagram comes with the kernel's receive timestamp
 * (rxsock.c): a backup restarts its Master_Down_Timer from when the master's advert arrived
 * (RFC 3768 §6.4.2), not from when JavaScript got to it. npm raw-socket reads with recvfrom and
 * keeps its fd to itself, so it cannot give that; it still sends (src/io/vrrp-socket.ts), from a
 * send-only IPPROTO_RAW socket, as keepalived reads and writes VRRP on two sockets.
 *
 *   raw4Open(ifname, ifindex, protocol, group, rcvbuf, onMessage) -> handle
 *       ifname '' = bound to no interface; group: 4 bytes (joined on ifindex) or null (unicast
 *       only); rcvbuf: bytes, 0 = default.
 *       onMessage(null, datagram, arrivalMs, stamp) for each datagram, IPv4 header included;
 *       arrivalMs on CLOCK_MONOTONIC and how it was found (rxsock.h enum rx_stamp).
 *       onMessage(code, message) when reading failed (the socket stays open).
 *   raw4Close(handle)                      idempotent
 *
 * Errors are thrown as JS Errors whose `code` is the errno name. Needs CAP_NET_RAW.
 */
#define _GNU_SOURCE
#include "raw4.h"
#include "rxsock.h"
#include "util.h"

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

static const napi_type_tag RAW4_TAG = {0x7672727064726177ULL, 0x3476727270727820ULL};

static void deliver(rxsock *s, const void *from, struct msghdr *msg, const uint8_t *datagram, size_t len, double arrival_ms, enum rx_stamp stamp) {
  (void)from;
  (void)msg;
  napi_value argv[4];
  void *data;
  napi_get_null(s->env, &argv[0]);
  if (napi_create_buffer_copy(s->env, len, datagram, &data, &argv[1]) != napi_ok) return;
  napi_create_double(s->env, arrival_ms, &argv[2]);
  napi_create_int32(s->env, (int32_t)stamp, &argv[3]);
  call_js(s->env, s->callback, s->async, 4, argv);
}

/* Applies the socket options in order; the first failure closes the fd and throws naming it. */
static int configure(napi_env env, int fd, const char *ifname, int ifindex, const struct in_addr *group, int rcvbuf) {
  char what[96];
  int e = 0;
  const char *step = NULL;
  int off = 0;
  if (ifname[0] != '\0' && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0) {
    e = errno, step = "SO_BINDTODEVICE";
  } else if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &off, sizeof off) < 0) {
    e = errno, step = "IP_MULTICAST_ALL";
  } else if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0) {
    e = errno, step = "SO_RCVBUF";
  } else if ((e = rxsock_enable_timestamps(fd)) != 0) {
    step = "SO_TIMESTAMPNS";
  } else if (group != NULL) {
    struct ip_mreqn mreq = {.imr_multiaddr = *group, .imr_ifindex = ifindex};
    if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0) e = errno, step = "IP_ADD_MEMBERSHIP";
  }
  if (step == NULL) return 1;
  snprintf(what, sizeof what, "setsockopt(%s) on %s", step, ifname[0] != '\0' ? ifname : "(any interface)");
  close(fd);
  throw_errno(env, what, e);
  return 0;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv)) return NULL;
  char ifname[32];
  size_t ifname_len = 0;
  if (napi_get_value_string_utf8(env, argv[0], ifname, sizeof ifname, &ifname_len) != napi_ok || ifname_len >= 16) {
    napi_throw_type_error(env, "EINVAL", "ifname must be an interface name of 0..15 characters");
    return NULL;
  }
  int32_t ifindex, protocol, rcvbuf;
  if (napi_get_value_int32(env, argv[1], &ifindex) != napi_ok || ifindex < 0 || napi_get_value_int32(env, argv[2], &protocol) != napi_ok || protocol < 1 || protocol > 254 ||
      napi_get_value_int32(env, argv[4], &rcvbuf) != napi_ok || rcvbuf < 0) {
    napi_throw_type_error(env, "EINVAL", "ifindex must be >= 0, protocol 1..254 and rcvbuf >= 0");
    return NULL;
  }
  struct in_addr group;
  int has_group = 0;
  napi_valuetype type;
  napi_typeof(env, argv[3], &type);
  if (type != napi_null && type != napi_undefined) {
    bool is_typed = false;
    napi_is_typedarray(env, argv[3], &is_typed);
    napi_typedarray_type ttype;
    size_t len = 0;
    void *data = NULL;
    if (!is_typed || napi_get_typedarray_info(env, argv[3], &ttype, &len, &data, NULL, NULL) != napi_ok || ttype != napi_uint8_array || len != 4 || ifindex == 0) {
      napi_throw_type_error(env, "EINVAL", "group must be a 4-byte Uint8Array (with an ifindex) or null");
      return NULL;
    }
    memcpy(&group, data, 4);
    has_group = 1;
  }
  napi_typeof(env, argv[5], &type);
  if (type != napi_function) {
    napi_throw_type_error(env, "EINVAL", "onMessage must be a function");
    return NULL;
  }
  int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return throw_errno(env, "socket(AF_INET, SOCK_RAW)", errno);
  if (!configure(env, fd, ifname, ifindex, has_group ? &group : NULL, rcvbuf)) return NULL;
  return rxsock_start(env, fd, ifindex, argv[5], "vrrpd.Raw4Socket", deliver, &RAW4_TAG);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  rxsock *s = rxsock_get(env, argv[0], &RAW4_TAG, 0, "raw IPv4 socket");
  if (s != NULL) rxsock_shut(s);
  return NULL;
}

void vrrpd_raw4_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"raw4Open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
    {"raw4Close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
