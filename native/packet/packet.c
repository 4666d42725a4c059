/*
 * vrrpd packet addon: send a complete Ethernet frame on an interface through an AF_PACKET
 * SOCK_RAW socket (Linux packet(7)). vrrpd uses it for gratuitous ARP, whose bytes are built in
 * TypeScript (src/wire/arp.ts). Plain Node-API (node_api.h), no C++ and no node-addon-api.
 *
 *   open()                         -> fd      socket(AF_PACKET, SOCK_RAW, 0): send only, no receive
 *   send(fd, ifindex, frame)       -> bytes   sendto() with sockaddr_ll { ifindex, dst MAC = frame[0..5] }
 *   close(fd)                      -> undefined
 *
 * The same addon holds the raw IPv6 VRRP socket (raw6.c: recvmsg with the hop limit and the
 * destination as ancillary data, which npm raw-socket cannot do), the raw IPv4 VRRP receive
 * socket (raw4.c), both read by rxsock.c with kernel receive timestamps, the kernel deadline timer
 * (timer.c: a timerfd watched by the event loop, and the takeover advert it may send by itself on
 * either socket, armed.c), keepalived's real-time signals (signals.c) and
 * the rtnetlink socket that adds and removes the virtual addresses (rtnl.c), the status
 * socket's listener and the datagram to systemd's notification socket (unixsock.c) and the
 * run lock's flock(2) (lock.c).
 *
 * Errors are thrown as JS Errors with `code` set to the errno name; the TypeScript wrapper
 * (src/io/garp.ts) turns them into Result values. Needs CAP_NET_RAW.
 */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include "lock.h"
#include "memory.h"
#include "raw4.h"
#include "raw6.h"
#include "rtnl.h"
#include "sched.h"
#include "signals.h"
#include "timer.h"
#include "train.h"
#include "unixsock.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int get_int(napi_env env, napi_value v, int32_t *out, const char *name) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    char msg[64];
    snprintf(msg, sizeof msg, "%s must be a number", name);
    napi_throw_type_error(env, "EINVAL", msg);
    return 0;
  }
  return 1;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket(AF_PACKET, SOCK_RAW)", errno);
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, ifindex;
  if (!get_args(env, info, 3, argv) || !get_int(env, argv[0], &fd, "fd") || !get_int(env, argv[1], &ifindex, "ifindex"))
    return NULL;
  void *data = NULL;
  size_t len = 0;
  if (!get_bytes(env, argv[2], &data, &len)) {
    napi_throw_type_error(env, "EINVAL", "frame must be a Uint8Array");
    return NULL;
  }
  if (len < ETH_HLEN || len > 65535) {
    napi_throw_range_error(env, "EINVAL", "frame length out of range");
    return NULL;
  }
  struct sockaddr_ll to;
  memset(&to, 0, sizeof to);
  to.sll_family = AF_PACKET;
  to.sll_ifindex = ifindex;
  to.sll_halen = ETH_ALEN;
  memcpy(to.sll_addr, data, ETH_ALEN);
  memcpy(&to.sll_protocol, (const unsigned char *)data + 12, 2); /* EtherType, already network order */
  ssize_t n = sendto(fd, data, len, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof to);
  if (n < 0) return throw_errno(env, "sendto(AF_PACKET)", errno);
  napi_value out;
  napi_create_int32(env, (int32_t)n, &out);
  return out;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], &fd, "fd")) return NULL;
  if (close(fd) < 0) return throw_errno(env, "close", errno);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
    {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
    {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  vrrpd_raw4_register(env, exports);
  vrrpd_raw6_register(env, exports);
  vrrpd_timer_register(env, exports);
  vrrpd_train_register(env, exports);
  vrrpd_signals_register(env, exports);
  vrrpd_rtnl_register(env, exports);
  vrrpd_sched_register(env, exports);
  vrrpd_memory_register(env, exports);
  vrrpd_unixsock_register(env, exports);
  vrrpd_lock_register(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
