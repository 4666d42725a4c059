/*
 * vrrpd rtnetlink socket for the virtual addresses: RTM_NEWADDR / RTM_DELADDR sent by the daemon
 * itself instead of forking `ip` (src/io/rtnl-socket.ts, src/io/addr-netlink.ts). JavaScript
 * builds the requests and parses the acknowledgements (src/wire/rtnl.ts); this file only moves
 * bytes. Why and how: native-notes/netlink.md.
 *
 *   rtnlOpen(netnsPath | null, rcvbuf[, groups]) -> handle  a NETLINK_ROUTE socket, non-blocking,
 *                                                 CAP_ACK and EXT_ACK on; opened inside the network
 *                                                 namespace at netnsPath when given (tests, lab);
 *                                                 joined to the multicast groups (RTNLGRP_*
 *                                                 numbers) when given (the link monitor)
 *   rtnlIfindex(handle, name)          -> number  SIOCGIFINDEX in the socket's namespace; 0 when
 *                                                 there is no such interface
 *   rtnlTalk(handle, requests)         -> Buffer  one sendmsg with every request of `requests`
 *                                                 (whole netlink messages), then every datagram
 *                                                 waiting in the receive queue, concatenated
 *   rtnlFault(count, errno)            -> undefined  test hook: the next `count` requests of the
 *                                                 process (-1: every one until re-armed with 0)
 *                                                 are not sent and acknowledged with -errno
 *   rtnlSend(handle, messages)         -> undefined  one sendmsg, nothing read (a dump request:
 *                                                 its replies are read with rtnlRead)
 *   rtnlRead(handle)                   -> { bytes, lost }  every datagram waiting, concatenated, up
 *                                                 to READ_CAP bytes per call (the rest stays
 *                                                 queued: the poll fires again); lost: the kernel
 *                                                 dropped notifications (ENOBUFS) or a datagram
 *                                                 was truncated, so the caller must re-dump
 *   rtnlStrict(handle)                 -> boolean  NETLINK_GET_STRICT_CHK on (Linux >= 4.20):
 *                                                 the kernel checks a GET request's header strictly
 *                                                 and honours the filters in it (one interface's
 *                                                 addresses, not the whole host's); false when the
 *                                                 kernel predates it (ENOPROTOOPT)
 *   rtnlFd(handle)                     -> number  the descriptor, for watch() (watch.c)
 *   rtnlClose(handle)                  -> undefined  idempotent
 *
 * Blocking: none. rtnetlink handles a request synchronously inside sendmsg (netlink_unicast to
 * the kernel socket runs rtnetlink_rcv under the RTNL lock), so when sendmsg returns every
 * acknowledgement is already queued and the reads use MSG_DONTWAIT until EAGAIN. What bounds the
 * time spent here is the number of requests per call, which the caller chooses (a chunk), and
 * the RTNL lock, held briefly by whoever else changes the network configuration. An ack the
 * kernel could not queue (receive buffer full: ENOBUFS on the next read) is simply missing from
 * the result; the caller reports that request as failed and retries it.
 * Errors are thrown as JS Errors whose `code` is the errno name.
 */
#define _GNU_SOURCE
#include "rtnl.h"
#include "util.h"

#include <fcntl.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED 0x100
#endif

/* Datagrams read per recvmmsg, and room for each: an ack is 36 bytes, with an extended-ack text a
   few hundred; a datagram that does not fit is dropped (its request reads as unacknowledged). */
#define RECV_SLOTS 32
#define SLOT_BYTES 1024

typedef struct {
  int fd;
} rtnl_t;

/* Test hook (rtnlFault), for every socket of the process: requests still to fail (-1: all). */
static int64_t fault_left;
static int fault_errno;

static const napi_type_tag RTNL_TAG = {0x767272706472746eULL, 0x6c6e65746c696e6bULL};

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  rtnl_t *r = data;
  if (r->fd >= 0) close(r->fd);
  free(r);
}

/* The socket behind `v`, or NULL with an exception pending. */
static rtnl_t *get_rtnl(napi_env env, napi_value v, int must_be_open) {
  bool ours = false;
  void *data = NULL;
  if (napi_check_object_type_tag(env, v, &RTNL_TAG, &ours) != napi_ok || !ours || napi_get_value_external(env, v, &data) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "not an rtnetlink handle");
    return NULL;
  }
  rtnl_t *r = data;
  if (must_be_open && r->fd < 0) {
    napi_throw_error(env, "EBADF", "rtnetlink socket is closed");
    return NULL;
  }
  return r;
}

/* Multicast groups a socket joins (RTNLGRP_* numbers), at most MAX_GROUPS. */
#define MAX_GROUPS 8
typedef struct {
  int n;
  uint32_t group[MAX_GROUPS];
} groups_t;

/* A NETLINK_ROUTE socket in the calling thread's namespace, joined to `groups`; -errno on failure. */
static int open_socket(int rcvbuf, const groups_t *groups) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0) return -errno;
  /* Room for a chunk's acks (each skb is charged ~1 KB of truesize); FORCE needs CAP_NET_ADMIN,
     which adding addresses needs anyway; otherwise the kernel caps it at net.core.rmem_max. */
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  int one = 1;
  /* Acks without a copy of the request, and with the kernel's error text (Linux >= 4.3 / 4.12). */
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  struct sockaddr_nl local;
  memset(&local, 0, sizeof local);
  local.nl_family = AF_NETLINK; /* nl_pid 0: the kernel picks our port id */
  if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  for (int i = 0; i < groups->n; i++) {
    if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups->group[i], sizeof groups->group[i]) < 0) {
      int e = errno;
      close(fd);
      return -e;
    }
  }
  return fd;
}

/* open_socket inside the namespace at `path`: this thread enters it and comes back (setns(2)). */
static int open_socket_in(const char *path, int rcvbuf, const groups_t *groups) {
  int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) return -errno;
  int target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    int e = errno;
    close(home);
    return -e;
  }
  int fd = setns(target, CLONE_NEWNET) < 0 ? -errno : open_socket(rcvbuf, groups);
  close(target);
  /* Staying in the other namespace would move every socket this thread opens later. */
  if (setns(home, CLONE_NEWNET) < 0) napi_fatal_error("rtnlOpen", NAPI_AUTO_LENGTH, "could not return to the network namespace", NAPI_AUTO_LENGTH);
  close(home);
  return fd;
}

/* The optional groups argument: undefined, or an array of at most MAX_GROUPS numbers 1..31. */
static int get_groups(napi_env env, napi_value v, groups_t *out) {
  out->n = 0;
  if (v == NULL) return 1;
  napi_valuetype type;
  napi_typeof(env, v, &type);
  if (type == napi_undefined || type == napi_null) return 1;
  bool is_array = false;
  uint32_t n = 0;
  if (napi_is_array(env, v, &is_array) != napi_ok || !is_array || napi_get_array_length(env, v, &n) != napi_ok || n > MAX_GROUPS) goto bad;
  for (uint32_t i = 0; i < n; i++) {
    napi_value g;
    uint32_t group;
    if (napi_get_element(env, v, i, &g) != napi_ok || napi_get_value_uint32(env, g, &group) != napi_ok || group < 1 || group > 31) goto bad;
    out->group[out->n++] = group;
  }
  return 1;
bad:
  napi_throw_type_error(env, "EINVAL", "groups must be an array of at most 8 RTNLGRP_* numbers");
  return 0;
}

static napi_value js_rtnl_open(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = 3;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, "EINVAL", "rtnlOpen(netnsPath, rcvbuf[, groups])");
    return NULL;
  }
  groups_t groups;
  if (!get_groups(env, argc > 2 ? argv[2] : NULL, &groups)) return NULL;
  napi_valuetype type;
  napi_typeof(env, argv[0], &type);
  char path[256];
  size_t len = 0;
  if (type == napi_string) {
    if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len == 0 || len >= sizeof path - 1) {
      napi_throw_type_error(env, "EINVAL", "bad namespace path");
      return NULL;
    }
  } else if (type != napi_null && type != napi_undefined) {
    napi_throw_type_error(env, "EINVAL", "namespace path must be a string or null");
    return NULL;
  }
  int32_t rcvbuf;
  if (napi_get_value_int32(env, argv[1], &rcvbuf) != napi_ok || rcvbuf < 4096) {
    napi_throw_range_error(env, "EINVAL", "rcvbuf must be an integer >= 4096");
    return NULL;
  }
  int fd = len > 0 ? open_socket_in(path, rcvbuf, &groups) : open_socket(rcvbuf, &groups);
  if (fd < 0) return throw_errno(env, "socket(AF_NETLINK, NETLINK_ROUTE)", -fd);
  rtnl_t *r = calloc(1, sizeof *r);
  if (r == NULL) {
    close(fd);
    return throw_errno(env, "rtnl", ENOMEM);
  }
  r->fd = fd;
  napi_value handle;
  if (napi_create_external(env, r, finalize, NULL, &handle) != napi_ok) {
    finalize(env, r, NULL);
    napi_throw_error(env, "EIO", "napi_create_external");
    return NULL;
  }
  napi_type_tag_object(env, handle, &RTNL_TAG);
  return handle;
}

static napi_value js_rtnl_ifindex(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  rtnl_t *r = get_rtnl(env, argv[0], 1);
  if (r == NULL) return NULL;
  char name[IFNAMSIZ + 1];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[1], name, sizeof name, &len) != napi_ok || len == 0 || len >= IFNAMSIZ) {
    napi_throw_type_error(env, "EINVAL", "bad interface name");
    return NULL;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, name, len);
  /* On the netlink socket itself, so the name is looked up in the socket's namespace. */
  int index = 0;
  if (ioctl(r->fd, SIOCGIFINDEX, &ifr) == 0) index = ifr.ifr_ifindex;
  else if (errno != ENODEV) return throw_errno(env, "ioctl(SIOCGIFINDEX)", errno);
  napi_value out;
  napi_create_int32(env, index, &out);
  return out;
}

/* A growing byte buffer for what rtnlTalk hands back. */
typedef struct {
  unsigned char *data;
  size_t len, cap;
} bytes_t;

static int append(bytes_t *b, const void *p, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap == 0 ? 4096 : b->cap;
    while (cap < b->len + n) cap *= 2;
    unsigned char *d = realloc(b->data, cap);
    if (d == NULL) return 0;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return 1;
}

/* The acknowledgement the kernel would have sent for `req` had it failed with `e` (CAP_ACK form). */
static int append_fake_ack(bytes_t *b, const struct nlmsghdr *req, int e) {
  struct {
    struct nlmsghdr h;
    struct nlmsgerr err;
  } ack;
  memset(&ack, 0, sizeof ack);
  ack.h.nlmsg_len = sizeof ack;
  ack.h.nlmsg_type = NLMSG_ERROR;
  ack.h.nlmsg_flags = NLM_F_CAPPED;
  ack.h.nlmsg_seq = req->nlmsg_seq;
  ack.err.error = -e;
  ack.err.msg = *req;
  return append(b, &ack, sizeof ack);
}

/* Every datagram now in the receive queue, appended to `out`; 0 or an errno. */
static int drain(int fd, bytes_t *out) {
  static unsigned char slots[RECV_SLOTS][SLOT_BYTES];
  struct mmsghdr msgs[RECV_SLOTS];
  struct iovec iov[RECV_SLOTS];
  for (;;) {
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < RECV_SLOTS; i++) {
      iov[i].iov_base = slots[i];
      iov[i].iov_len = SLOT_BYTES;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(fd, msgs, RECV_SLOTS, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno == EINTR) continue;
      /* ENOBUFS: the kernel dropped an ack (queue full); it is reported once, read on. */
      if (errno == ENOBUFS) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : errno;
    }
    for (int i = 0; i < n; i++) {
      if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) continue;
      if (!append(out, slots[i], msgs[i].msg_len)) return ENOMEM;
    }
    if (n < RECV_SLOTS) return 0;
  }
}

/* Checks that `len` bytes are whole netlink messages; their count, or -1. */
static long count_messages(const unsigned char *p, size_t len) {
  long n = 0;
  size_t off = 0;
  while (off < len) {
    if (len - off < sizeof(struct nlmsghdr)) return -1;
    const struct nlmsghdr *h = (const void *)(p + off);
    if (h->nlmsg_len < sizeof(struct nlmsghdr) || h->nlmsg_len > len - off) return -1;
    off += NLMSG_ALIGN(h->nlmsg_len);
    n++;
  }
  return n;
}

/* One sendmsg of `len` bytes to the kernel; 0 or an errno. */
static int send_to_kernel(int fd, const unsigned char *p, size_t len) {
  struct sockaddr_nl kernel;
  memset(&kernel, 0, sizeof kernel);
  kernel.nl_family = AF_NETLINK;
  struct iovec iov = {(void *)p, len};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = &kernel;
  msg.msg_namelen = sizeof kernel;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t sent;
  do sent = sendmsg(fd, &msg, 0);
  while (sent < 0 && errno == EINTR);
  return sent < 0 ? errno : 0;
}

static napi_value js_rtnl_talk(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  rtnl_t *r = get_rtnl(env, argv[0], 1);
  if (r == NULL) return NULL;
  void *data = NULL;
  size_t len = 0;
  if (!get_bytes(env, argv[1], &data, &len) || count_messages(data, len) < 0) {
    napi_throw_type_error(env, "EINVAL", "requests must be a Uint8Array of whole netlink messages");
    return NULL;
  }
  const unsigned char *p = data;
  bytes_t out = {NULL, 0, 0};
  /* Anything left from an earlier call (acks past a failed read) goes first; the caller matches
     acks to requests by sequence number and ignores the rest. */
  int e = drain(r->fd, &out);
  /* The test hook: the first requests fail without reaching the kernel. */
  size_t off = 0;
  while (e == 0 && off < len && fault_left != 0) {
    const struct nlmsghdr *h = (const void *)(p + off);
    if (!append_fake_ack(&out, h, fault_errno)) e = ENOMEM;
    if (fault_left > 0) fault_left--;
    off += NLMSG_ALIGN(h->nlmsg_len);
  }
  if (e == 0 && off < len) {
    e = send_to_kernel(r->fd, p + off, len - off);
    if (e == 0) e = drain(r->fd, &out);
  }
  if (e != 0) {
    free(out.data);
    return throw_errno(env, e == ENOMEM ? "rtnl" : "rtnetlink sendmsg/recvmmsg", e);
  }
  napi_value buf;
  napi_status s = napi_create_buffer_copy(env, out.len, out.len > 0 ? (const void *)out.data : (const void *)"", NULL, &buf);
  free(out.data);
  if (s != napi_ok) {
    napi_throw_error(env, "ENOMEM", "napi_create_buffer_copy");
    return NULL;
  }
  return buf;
}

static napi_value js_rtnl_send(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  rtnl_t *r = get_rtnl(env, argv[0], 1);
  if (r == NULL) return NULL;
  void *data = NULL;
  size_t len = 0;
  if (!get_bytes(env, argv[1], &data, &len) || len == 0 || count_messages(data, len) < 0) {
    napi_throw_type_error(env, "EINVAL", "messages must be a Uint8Array of whole netlink messages");
    return NULL;
  }
  int e = send_to_kernel(r->fd, data, len);
  if (e != 0) return throw_errno(env, "rtnetlink sendmsg", e);
  return NULL;
}

/* Room for one datagram: a dump part is at most 32 KB (the kernel sizes it from our reads). */
#define READ_BYTES (64 * 1024)
/* What one rtnlRead hands back at most; a dump of thousands of addresses takes several calls. */
#define READ_CAP (1024 * 1024)

static napi_value js_rtnl_read(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  rtnl_t *r = get_rtnl(env, argv[0], 1);
  if (r == NULL) return NULL;
  static unsigned char slot[READ_BYTES];
  bytes_t out = {NULL, 0, 0};
  bool lost = false;
  int e = 0;
  while (out.len < READ_CAP) {
    /* Each read also lets the kernel queue the next part of a dump in progress. */
    ssize_t n = recv(r->fd, slot, sizeof slot, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) { /* notifications were dropped: reported once, read on */
        lost = true;
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) e = errno;
      break;
    }
    if ((size_t)n > sizeof slot) { /* truncated: its messages are lost as surely as ENOBUFS */
      lost = true;
      continue;
    }
    if (!append(&out, slot, (size_t)n)) {
      e = ENOMEM;
      break;
    }
  }
  if (e != 0) {
    free(out.data);
    return throw_errno(env, "rtnetlink recv", e);
  }
  napi_value result, buf, flag;
  napi_status s = napi_create_buffer_copy(env, out.len, out.len > 0 ? (const void *)out.data : (const void *)"", NULL, &buf);
  free(out.data);
  if (s != napi_ok || napi_create_object(env, &result) != napi_ok) {
    napi_throw_error(env, "ENOMEM", "napi_create_buffer_copy");
    return NULL;
  }
  napi_get_boolean(env, lost, &flag);
  napi_set_named_property(env, result, "bytes", buf);
  napi_set_named_property(env, result, "lost", flag);
  return result;
}

static napi_value js_rtnl_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  rtnl_t *r = get_rtnl(env, argv[0], 1);
  if (r == NULL) return NULL;
  napi_value out;
  napi_create_int32(env, r->fd, &out);
  return out;
}

/* NETLINK_GET_STRICT_CHK (netlink(7); linux/netlink.h, Linux 4.20): a dump request's ifindex filters it. */
static napi_value js_rtnl_strict(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  rtnl_t *r = get_rtnl(env, argv[0], 1);
  if (r == NULL) return NULL;
  int one = 1;
  bool on = setsockopt(r->fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one) == 0;
  if (!on && errno != ENOPROTOOPT) return throw_errno(env, "setsockopt(NETLINK_GET_STRICT_CHK)", errno);
  napi_value out;
  napi_get_boolean(env, on, &out);
  return out;
}

static napi_value js_rtnl_fault(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int64_t count;
  int32_t e;
  if (napi_get_value_int64(env, argv[0], &count) != napi_ok || count < -1 || napi_get_value_int32(env, argv[1], &e) != napi_ok || e <= 0 || e > 4095) {
    napi_throw_range_error(env, "EINVAL", "rtnlFault(count >= -1, errno 1..4095)");
    return NULL;
  }
  fault_left = count;
  fault_errno = e;
  return NULL;
}

static napi_value js_rtnl_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  rtnl_t *r = get_rtnl(env, argv[0], 0);
  if (r == NULL) return NULL;
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
  return NULL;
}

void vrrpd_rtnl_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"rtnlOpen", NULL, js_rtnl_open, NULL, NULL, NULL, napi_enumerable, NULL},
    {"rtnlIfindex", NULL, js_rtnl_ifindex, NULL, NULL, NULL, napi_enumerable, NULL},
    {"rtnlTalk", NULL, js_rtnl_talk, NULL, NULL, NULL, napi_enumerable, NULL},
    {"rtnlSend", NULL, js_rtnl_send, NULL, NULL, NULL, napi_enumerable, NULL},
    {"rtnlRead", NULL, js_rtnl_read, NULL, NULL, NULL, napi_enumerable, NULL},
    {"rtnlStrict", NULL, js_rtnl_strict, NULL, NULL, NULL, napi_enumerable, NULL},
    {"rtnlFd", NULL, js_rtnl_fd, NULL, NULL, NULL, napi_enumerable, NULL},
    {"rtnlFault", NULL, js_rtnl_fault, NULL, NULL, NULL, napi_enumerable, NULL},
    {"rtnlClose", NULL, js_rtnl_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
