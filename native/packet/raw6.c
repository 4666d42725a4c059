/*
 * vrrpd raw IPv6 VRRP socket: socket(AF_INET6, SOCK_RAW, 112) on one interface, read with
 * recvmsg(2) so the hop limit (IPV6_HOPLIMIT) and the destination (IPV6_PKTINFO) come with each
 * payload as ancillary data, and written with sendmsg(2) so the source address can be pinned
 * (IPV6_PKTINFO). A raw IPv6 socket never shows the IPv6 header, and npm raw-socket has no
 * recvmsg: without this file vrrpd could not check RFC 5798 §5.1.2.3 / §7.1's hop limit. Why
 * and how: native-notes/ipv6.md.
 *
 *   raw6Open(ifname, ifindex, group, rcvbuf, onMessage) -> handle
 *       group: 16 bytes (joined on ifindex) or null (unicast only); rcvbuf: bytes, 0 = default.
 *       onMessage(null, data, hopLimit, ifindex, arrivalMs, stamp) for each datagram, data = src
 *       (16 bytes) | dst (16 bytes) | the VRRP payload; hopLimit -1 when the kernel gave none;
 *       arrivalMs on CLOCK_MONOTONIC and how it was found (rxsock.h enum rx_stamp).
 *       onMessage(code, message) when reading failed (the socket stays open).
 *   raw6Send(handle, payload, dst, src) -> bytes sent
 *       dst, src: 16 bytes each; src null lets the kernel choose the source address.
 *   raw6Armed(handle, payload, dst, src) -> armed
 *       a copy of what raw6Send would send for these arguments, which the kernel timer (timer.c)
 *       may send on this socket by itself when it expires, before any JavaScript runs, with the
 *       same sendmsg (armed.c): a backup's takeover advert (native-notes/timers.md, "The armed
 *       takeover advert"). It keeps the socket's handle alive.
 *   raw6Close(handle)                      idempotent
 *
 * The kernel neither computes nor verifies the VRRP checksum (IPV6_CHECKSUM stays off): vrrpd
 * writes it (src/wire/advert.ts) and checks it in its receive path, which counts every bad one.
 * Errors are thrown as JS Errors whose `code` is the errno name. Needs CAP_NET_RAW.
 */
#define _GNU_SOURCE
#include "raw6.h"
#include "armed.h"
#include "rxsock.h"
#include "util.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define IPPROTO_VRRP 112
#define VRRP_HOP_LIMIT 255
#define VRRP_TCLASS 0xc0
static const napi_type_tag RAW6_TAG = {0x7672727064726177ULL, 0x3676727270736f63ULL};

/* One datagram: src | dst | payload, and the hop limit and interface from the ancillary data. */
static void deliver(rxsock *s, const void *from_addr, struct msghdr *msg, const uint8_t *payload, size_t len, double arrival_ms, enum rx_stamp stamp) {
  const struct sockaddr_in6 *from = from_addr;
  int hop_limit = -1;
  int ifindex = 0;
  struct in6_addr dst = IN6ADDR_ANY_INIT;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != IPPROTO_IPV6) continue;
    if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      memcpy(&hop_limit, CMSG_DATA(c), sizeof hop_limit);
    } else if (c->cmsg_type == IPV6_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
      struct in6_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof info);
      dst = info.ipi6_addr;
      ifindex = (int)info.ipi6_ifindex;
    }
  }
  napi_value argv[6];
  void *data;
  napi_get_null(s->env, &argv[0]);
  if (napi_create_buffer(s->env, 32 + len, &data, &argv[1]) != napi_ok) return;
  memcpy(data, &from->sin6_addr, 16);
  memcpy((uint8_t *)data + 16, &dst, 16);
  memcpy((uint8_t *)data + 32, payload, len);
  napi_create_int32(s->env, hop_limit, &argv[2]);
  napi_create_int32(s->env, ifindex, &argv[3]);
  napi_create_double(s->env, arrival_ms, &argv[4]);
  napi_create_int32(s->env, (int32_t)stamp, &argv[5]);
  call_js(s->env, s->callback, s->async, 6, argv);
}

/* The 16 bytes of an address argument, or 0 with an exception pending. `nullable`: null gives *present = 0. */
static int get_addr16(napi_env env, napi_value v, struct in6_addr *out, int nullable, int *present, const char *name) {
  napi_valuetype type;
  napi_typeof(env, v, &type);
  if (nullable && (type == napi_null || type == napi_undefined)) {
    *present = 0;
    return 1;
  }
  size_t len = 0;
  void *data = NULL;
  if (!get_bytes(env, v, &data, &len) || len != 16) {
    char msg[80];
    snprintf(msg, sizeof msg, "%s must be a 16-byte Uint8Array%s", name, nullable ? " or null" : "");
    napi_throw_type_error(env, "EINVAL", msg);
    return 0;
  }
  memcpy(out, data, 16);
  *present = 1;
  return 1;
}

/* Applies the socket options in order; the first failure closes the fd and throws naming the option. */
static int configure(napi_env env, int fd, const char *ifname, int ifindex, const struct in6_addr *group, int rcvbuf) {
  int on = 1, off = 0, hops = VRRP_HOP_LIMIT, tclass = VRRP_TCLASS, no_checksum = -1;
  struct {
    const char *name;
    int level, option;
    const void *value;
    socklen_t len;
  } steps[] = {
    {"SO_BINDTODEVICE", SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1},
    {"IPV6_CHECKSUM", IPPROTO_IPV6, IPV6_CHECKSUM, &no_checksum, sizeof no_checksum},
    {"IPV6_RECVHOPLIMIT", IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on},
    {"IPV6_RECVPKTINFO", IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on},
    {"IPV6_MULTICAST_IF", IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof ifindex},
    {"IPV6_MULTICAST_HOPS", IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops},
    {"IPV6_UNICAST_HOPS", IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops},
    {"IPV6_MULTICAST_LOOP", IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof off},
    {"IPV6_TCLASS", IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass},
  };
  char what[96];
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    if (setsockopt(fd, steps[i].level, steps[i].option, steps[i].value, steps[i].len) < 0) {
      int e = errno;
      snprintf(what, sizeof what, "setsockopt(%s) on %s", steps[i].name, ifname);
      close(fd);
      throw_errno(env, what, e);
      return 0;
    }
  }
  int e = rxsock_enable_timestamps(fd);
  if (e != 0) {
    close(fd);
    throw_errno(env, "setsockopt(SO_TIMESTAMPNS)", e);
    return 0;
  }
  /* Linux >= 4.20: deliver only the groups this socket joined. Older kernels lack it: not fatal. */
  if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &off, sizeof off) < 0 && errno != ENOPROTOOPT) {
    int e = errno;
    close(fd);
    throw_errno(env, "setsockopt(IPV6_MULTICAST_ALL)", e);
    return 0;
  }
  if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0) {
    int e = errno;
    close(fd);
    throw_errno(env, "setsockopt(SO_RCVBUF)", e);
    return 0;
  }
  if (group != NULL) {
    struct ipv6_mreq mreq = {.ipv6mr_multiaddr = *group, .ipv6mr_interface = (unsigned)ifindex};
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0) {
      int e = errno;
      snprintf(what, sizeof what, "setsockopt(IPV6_ADD_MEMBERSHIP) on %s", ifname);
      close(fd);
      throw_errno(env, what, e);
      return 0;
    }
  }
  return 1;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv)) return NULL;
  char ifname[32];
  size_t ifname_len = 0;
  if (napi_get_value_string_utf8(env, argv[0], ifname, sizeof ifname, &ifname_len) != napi_ok || ifname_len == 0 || ifname_len >= 16) {
    napi_throw_type_error(env, "EINVAL", "ifname must be an interface name of 1..15 characters");
    return NULL;
  }
  int32_t ifindex, rcvbuf;
  if (napi_get_value_int32(env, argv[1], &ifindex) != napi_ok || ifindex <= 0 || napi_get_value_int32(env, argv[3], &rcvbuf) != napi_ok || rcvbuf < 0) {
    napi_throw_type_error(env, "EINVAL", "ifindex must be > 0 and rcvbuf >= 0");
    return NULL;
  }
  struct in6_addr group;
  int has_group = 0;
  if (!get_addr16(env, argv[2], &group, 1, &has_group, "group")) return NULL;
  napi_valuetype type;
  napi_typeof(env, argv[4], &type);
  if (type != napi_function) {
    napi_throw_type_error(env, "EINVAL", "onMessage must be a function");
    return NULL;
  }
  int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_VRRP);
  if (fd < 0) return throw_errno(env, "socket(AF_INET6, SOCK_RAW, 112)", errno);
  if (!configure(env, fd, ifname, ifindex, has_group ? &group : NULL, rcvbuf)) return NULL;
  return rxsock_start(env, fd, ifindex, argv[4], "vrrpd.Raw6Socket", deliver, &RAW6_TAG);
}

/* raw6Send's and raw6Armed's arguments (handle, payload, dst, src) into `argv` and `dest`; 0 with an exception pending when invalid. */
static int get_payload_args(napi_env env, napi_callback_info info, napi_value argv[4], rxsock **s, void **payload, size_t *len, vrrpd_armed_dest *dest) {
  if (!get_args(env, info, 4, argv)) return 0;
  *s = rxsock_get(env, argv[0], &RAW6_TAG, 1, "raw IPv6 socket");
  if (*s == NULL) return 0;
  if (!get_bytes(env, argv[1], payload, len) || *len == 0 || *len > 65535) {
    napi_throw_type_error(env, "EINVAL", "payload must be a non-empty Uint8Array");
    return 0;
  }
  int present;
  dest->family = AF_INET6;
  return get_addr16(env, argv[2], &dest->to.v6.dst, 0, &present, "dst") && get_addr16(env, argv[3], &dest->to.v6.src, 1, &dest->to.v6.has_src, "src");
}

ssize_t raw6_send_payload(const rxsock *s, const void *payload, size_t len, const struct in6_addr *dst, const struct in6_addr *src) {
  struct sockaddr_in6 to;
  memset(&to, 0, sizeof to);
  to.sin6_family = AF_INET6;
  to.sin6_addr = *dst;
  to.sin6_scope_id = (uint32_t)s->ifindex; /* link-local and multicast destinations need the interface */
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(struct in6_pktinfo))];
  } control;
  memset(&control, 0, sizeof control);
  struct iovec iov = {.iov_base = (void *)payload, .iov_len = len};
  struct msghdr msg = {.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &iov, .msg_iovlen = 1};
  if (src != NULL) {
    msg.msg_control = control.bytes;
    msg.msg_controllen = sizeof control.bytes;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
    struct in6_pktinfo pi = {.ipi6_addr = *src, .ipi6_ifindex = (unsigned)s->ifindex};
    memcpy(CMSG_DATA(c), &pi, sizeof pi);
  }
  return sendmsg(s->fd, &msg, MSG_DONTWAIT);
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  rxsock *s;
  void *payload = NULL;
  size_t len = 0;
  vrrpd_armed_dest dest;
  if (!get_payload_args(env, info, argv, &s, &payload, &len, &dest)) return NULL;
  ssize_t n = raw6_send_payload(s, payload, len, &dest.to.v6.dst, dest.to.v6.has_src ? &dest.to.v6.src : NULL);
  if (n < 0) return throw_errno(env, "sendmsg(AF_INET6 raw)", errno);
  napi_value out;
  napi_create_int32(env, (int32_t)n, &out);
  return out;
}

static napi_value js_armed(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  rxsock *s;
  void *payload = NULL;
  size_t len = 0;
  vrrpd_armed_dest dest;
  if (!get_payload_args(env, info, argv, &s, &payload, &len, &dest)) return NULL;
  return vrrpd_armed_create(env, argv[0], s, &dest, payload, len);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  rxsock *s = rxsock_get(env, argv[0], &RAW6_TAG, 0, "raw IPv6 socket");
  if (s != NULL) rxsock_shut(s);
  return NULL;
}

void vrrpd_raw6_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"raw6Open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
    {"raw6Send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
    {"raw6Armed", NULL, js_armed, NULL, NULL, NULL, napi_enumerable, NULL},
    {"raw6Close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
