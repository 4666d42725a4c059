/*
 * vrrpd raw IPv4 VRRP socket: socket(AF_INET, SOCK_RAW, protocol) on one interface (or none),
 * read with recvmsg(2) so that each datagram comes with the kernel's receive timestamp
 * (rxsock.c): a backup restarts its Master_Down_Timer from when the master's advert arrived
 * (RFC 3768 §6.4.2), not from when JavaScript got to it. npm raw-socket reads with recvfrom and
 * keeps its fd to itself, so it cannot give that. The same socket sends (IP_HDRINCL: the caller
 * writes the IPv4 header, src/wire/ipv4.ts) with one sendto(2) per advert and no callback, where
 * raw-socket parsed a dotted-quad string and called back into JavaScript for every datagram.
 *
 *   raw4Open(ifname, ifindex, protocol, group, rcvbuf, tos, onMessage) -> handle
 *       ifname '' = bound to no interface; group: 4 bytes (joined on ifindex) or null (unicast
 *       only); rcvbuf: bytes, 0 = default; tos: the TOS byte of sent datagrams, or -1 for a
 *       socket that only receives (no sending option is set).
 *       onMessage(null, datagram, arrivalMs, stamp) for each datagram, IPv4 header included;
 *       arrivalMs on CLOCK_MONOTONIC and how it was found (rxsock.h enum rx_stamp).
 *       onMessage(code, message) when reading failed (the socket stays open).
 *   raw4Send(handle, datagram, dst) -> bytes sent, or -EAGAIN when the socket buffer is full
 *       datagram: the IPv4 header and its payload; dst: the destination address as a uint32
 *       (its four bytes in network order read as a big-endian number).
 *   raw4Armed(handle, datagram, dst) -> armed
 *       a copy of a datagram that the kernel timer (timer.c) may send on this socket by itself when
 *       it expires, before any JavaScript runs, with the same sendto (armed.c): a backup's
 *       takeover advert (native-notes/timers.md, "The armed takeover advert"). It keeps the
 *       socket's handle alive.
 *   raw4Close(handle)                      idempotent
 *
 * Errors are thrown as JS Errors whose `code` is the errno name. Needs CAP_NET_RAW.
 */
#define _GNU_SOURCE
#include "raw4.h"
#include "armed.h"
#include "rxsock.h"
#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define VRRP_TTL 255
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

/* The options of a socket that sends (native-notes/raw-sockets.md); the first failure names its option. */
static const char *configure_send(int fd, int ifindex, int tos, int *e) {
  int on = 1, off = 0, ttl = VRRP_TTL, pmtu = IP_PMTUDISC_DONT;
  struct ip_mreqn mcast_if = {.imr_ifindex = ifindex};
  struct {
    const char *name;
    int option;
    const void *value;
    socklen_t len;
  } steps[] = {
    {"IP_HDRINCL", IP_HDRINCL, &on, sizeof on},
    {"IP_TOS", IP_TOS, &tos, sizeof tos},
    {"IP_TTL", IP_TTL, &ttl, sizeof ttl},
    {"IP_MTU_DISCOVER", IP_MTU_DISCOVER, &pmtu, sizeof pmtu},
    {"IP_MULTICAST_TTL", IP_MULTICAST_TTL, &ttl, sizeof ttl},
    {"IP_MULTICAST_LOOP", IP_MULTICAST_LOOP, &off, sizeof off},
    {"IP_MULTICAST_IF", IP_MULTICAST_IF, &mcast_if, sizeof mcast_if},
  };
  /* Bound to no interface (ifindex 0): multicast is not sent, and IP_MULTICAST_IF is left alone. */
  size_t n = sizeof steps / sizeof steps[0] - (ifindex > 0 ? 0 : 1);
  for (size_t i = 0; i < n; i++) {
    if (setsockopt(fd, IPPROTO_IP, steps[i].option, steps[i].value, steps[i].len) < 0) {
      *e = errno;
      return steps[i].name;
    }
  }
  return NULL;
}

/* Applies the socket options in order (the sending ones when tos >= 0); the first failure closes the fd and throws naming it. */
static int configure(napi_env env, int fd, const char *ifname, int ifindex, const struct in_addr *group, int rcvbuf, int tos) {
  char what[96];
  int e = 0;
  const char *step = NULL;
  int off = 0;
  if (ifname[0] != '\0' && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0) {
    e = errno, step = "SO_BINDTODEVICE";
  } else if (tos >= 0 && (step = configure_send(fd, ifindex, tos, &e)) != NULL) {
    /* named by configure_send */
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
  napi_value argv[7];
  if (!get_args(env, info, 7, argv)) return NULL;
  char ifname[32];
  size_t ifname_len = 0;
  if (napi_get_value_string_utf8(env, argv[0], ifname, sizeof ifname, &ifname_len) != napi_ok || ifname_len >= 16) {
    napi_throw_type_error(env, "EINVAL", "ifname must be an interface name of 0..15 characters");
    return NULL;
  }
  int32_t ifindex, protocol, rcvbuf, tos;
  if (napi_get_value_int32(env, argv[1], &ifindex) != napi_ok || ifindex < 0 || napi_get_value_int32(env, argv[2], &protocol) != napi_ok || protocol < 1 || protocol > 254 ||
      napi_get_value_int32(env, argv[4], &rcvbuf) != napi_ok || rcvbuf < 0 || napi_get_value_int32(env, argv[5], &tos) != napi_ok || tos < -1 || tos > 255) {
    napi_throw_type_error(env, "EINVAL", "ifindex must be >= 0, protocol 1..254, rcvbuf >= 0 and tos -1..255");
    return NULL;
  }
  struct in_addr group;
  int has_group = 0;
  napi_valuetype type;
  napi_typeof(env, argv[3], &type);
  if (type != napi_null && type != napi_undefined) {
    size_t len = 0;
    void *data = NULL;
    if (!get_bytes(env, argv[3], &data, &len) || len != 4 || ifindex == 0) {
      napi_throw_type_error(env, "EINVAL", "group must be a 4-byte Uint8Array (with an ifindex) or null");
      return NULL;
    }
    memcpy(&group, data, 4);
    has_group = 1;
  }
  napi_typeof(env, argv[6], &type);
  if (type != napi_function) {
    napi_throw_type_error(env, "EINVAL", "onMessage must be a function");
    return NULL;
  }
  int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return throw_errno(env, "socket(AF_INET, SOCK_RAW)", errno);
  if (!configure(env, fd, ifname, ifindex, has_group ? &group : NULL, rcvbuf, tos)) return NULL;
  return rxsock_start(env, fd, ifindex, argv[6], "vrrpd.Raw4Socket", deliver, &RAW4_TAG);
}

/* raw4Send's and raw4Armed's arguments (handle, datagram, dst) into `argv`; 0 with an exception pending when invalid. */
static int get_datagram_args(napi_env env, napi_callback_info info, napi_value argv[3], rxsock **s, void **datagram, size_t *len, uint32_t *dst) {
  if (!get_args(env, info, 3, argv)) return 0;
  *s = rxsock_get(env, argv[0], &RAW4_TAG, 1, "raw IPv4 socket");
  if (*s == NULL) return 0;
  if (!get_bytes(env, argv[1], datagram, len) || *len < 20 || *len > 65535 || napi_get_value_uint32(env, argv[2], dst) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "datagram must be a Uint8Array of 20..65535 bytes and dst a uint32");
    return 0;
  }
  return 1;
}

ssize_t raw4_send_datagram(int fd, const void *datagram, size_t len, uint32_t dst) {
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = {.s_addr = htonl(dst)}};
  return sendto(fd, datagram, len, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof to);
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  rxsock *s;
  void *datagram = NULL;
  size_t len = 0;
  uint32_t dst;
  if (!get_datagram_args(env, info, argv, &s, &datagram, &len, &dst)) return NULL;
  ssize_t n = raw4_send_datagram(s->fd, datagram, len, dst);
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return throw_errno(env, "sendto(AF_INET raw)", errno);
  napi_value out;
  napi_create_int32(env, n < 0 ? -EAGAIN : (int32_t)n, &out);
  return out;
}

static napi_value js_armed(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  rxsock *s;
  void *datagram = NULL;
  size_t len = 0;
  vrrpd_armed_dest dest = {.family = AF_INET};
  if (!get_datagram_args(env, info, argv, &s, &datagram, &len, &dest.to.dst4)) return NULL;
  return vrrpd_armed_create(env, argv[0], s, &dest, datagram, len);
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
    {"raw4Send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
    {"raw4Armed", NULL, js_armed, NULL, NULL, NULL, napi_enumerable, NULL},
    {"raw4Close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
