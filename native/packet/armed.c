/*
 * vrrpd armed datagram: what raw4Armed (raw4.c) and raw6Armed (raw6.c) hand JavaScript, and what
 * the kernel timer (timer.c) sends at expiry, before any JavaScript runs: a backup's takeover
 * advert (native-notes/timers.md, "The armed takeover advert"). One type for both families: the
 * guards (socket closed, a datagram waiting) are the same and live here; only the send differs,
 * and each family's file owns its own (raw4_send_datagram, raw6_send_payload), the very call its
 * raw4Send / raw6Send makes, so the bytes and addresses on the wire are those of a send from
 * JavaScript.
 */
#include "armed.h"
#include "raw4.h"
#include "raw6.h"
#include "util.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>

static const napi_type_tag ARMED_TAG = {0x7672727064726177ULL, 0x3461726d65642020ULL};

struct vrrpd_armed {
  napi_env env;
  /* The socket's JS handle, held so that `s` stays allocated while this exists (NULL for a group: its members hold it). */
  napi_ref socket;
  rxsock *s;
  vrrpd_armed_dest dest;
  /* What its last fire did (vrrpd_armed_fire, alone or as a group's member): bytes sent or an ARMED_* code. */
  int last;
  /* A group (armedGroup): its members (each held by members_ref), sent in order at one fire; 0 for one datagram. */
  size_t n;
  vrrpd_armed **members;
  napi_ref *members_ref;
  size_t len;
  uint8_t datagram[];
};

static void armed_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  vrrpd_armed *a = data;
  if (a->socket != NULL) napi_delete_reference(env, a->socket);
  for (size_t i = 0; i < a->n; i++) napi_delete_reference(env, a->members_ref[i]);
  free(a->members);
  free(a);
}

napi_value vrrpd_armed_create(napi_env env, napi_value socket, rxsock *s, const vrrpd_armed_dest *dest, const void *datagram, size_t len) {
  vrrpd_armed *a = malloc(sizeof *a + len);
  if (a == NULL) return throw_errno(env, "armed datagram", ENOMEM);
  a->env = env;
  a->s = s;
  a->dest = *dest;
  a->last = ARMED_NONE;
  a->n = 0;
  a->members = NULL;
  a->members_ref = NULL;
  a->len = len;
  memcpy(a->datagram, datagram, len);
  napi_value handle;
  if (napi_create_reference(env, socket, 1, &a->socket) != napi_ok) {
    free(a);
    return NULL;
  }
  if (napi_create_external(env, a, armed_finalize, NULL, &handle) != napi_ok) {
    napi_delete_reference(env, a->socket);
    free(a);
    return NULL;
  }
  napi_type_tag_object(env, handle, &ARMED_TAG);
  return handle;
}

napi_value vrrpd_armed_group_create(napi_env env, napi_value members) {
  bool is_array = false;
  uint32_t n = 0;
  if (napi_is_array(env, members, &is_array) != napi_ok || !is_array || napi_get_array_length(env, members, &n) != napi_ok || n < 1 || n > ARMED_GROUP_MAX) {
    napi_throw_type_error(env, "EINVAL", "datagrams must be an array of 1..64 armed datagrams");
    return NULL;
  }
  vrrpd_armed *g = calloc(1, sizeof *g);
  if (g == NULL) return throw_errno(env, "armed group", ENOMEM);
  g->members = calloc(n, sizeof *g->members + sizeof *g->members_ref);
  if (g->members == NULL) {
    free(g);
    return throw_errno(env, "armed group", ENOMEM);
  }
  g->members_ref = (napi_ref *)(g->members + n);
  g->env = env;
  g->last = ARMED_NONE;
  for (uint32_t i = 0; i < n; i++) {
    napi_value m;
    vrrpd_armed *a = napi_get_element(env, members, i, &m) == napi_ok ? vrrpd_armed_get(env, m) : NULL;
    /* One socket for all: the guards (a datagram waiting, closed) are the group's, checked once. */
    const char *bad = a == NULL || a->n > 0 ? "datagrams must be raw4Armed or raw6Armed handles" : i > 0 && a->s != g->s ? "the datagrams of a group must share one socket" : NULL;
    if (bad != NULL || napi_create_reference(env, m, 1, &g->members_ref[i]) != napi_ok) {
      g->n = i;
      armed_finalize(env, g, NULL);
      if (bad != NULL) napi_throw_type_error(env, "EINVAL", bad);
      return NULL;
    }
    g->members[i] = a;
    g->s = a->s;
    g->dest = a->dest;
    g->n = i + 1;
  }
  napi_value handle;
  if (napi_create_external(env, g, armed_finalize, NULL, &handle) != napi_ok) {
    armed_finalize(env, g, NULL);
    return NULL;
  }
  napi_type_tag_object(env, handle, &ARMED_TAG);
  return handle;
}

int vrrpd_armed_is_group(const vrrpd_armed *a) {
  return a->n > 0;
}

int vrrpd_armed_last(const vrrpd_armed *a) {
  return a->last;
}

void vrrpd_armed_refused(vrrpd_armed *a, int code) {
  a->last = code;
  for (size_t i = 0; i < a->n; i++) a->members[i]->last = code;
}

vrrpd_armed *vrrpd_armed_get(napi_env env, napi_value v) {
  bool ours = false;
  void *data = NULL;
  if (napi_check_object_type_tag(env, v, &ARMED_TAG, &ours) != napi_ok || !ours || napi_get_value_external(env, v, &data) != napi_ok) return NULL;
  return data;
}

int vrrpd_armed_check(const vrrpd_armed *a) {
  return vrrpd_socket_check(a->s);
}

int vrrpd_socket_check(const rxsock *s) {
  if (!s->open) return ARMED_CLOSED;
  /* A datagram waiting to be read may be the master's advert that resets the timer (RFC 3768
     §6.4.2, RFC 5798 §6.4.2), or a better master's that ends a train (§6.4.3): JavaScript reads
     it and decides. Looked at, not consumed. */
  struct pollfd p = {.fd = s->fd, .events = POLLIN};
  int ready = poll(&p, 1, 0);
  if (ready != 0) return ready > 0 ? ARMED_WAITING : ARMED_FAILED;
  return 0;
}

const rxsock *vrrpd_armed_socket(const vrrpd_armed *a) {
  return a->s;
}

int vrrpd_armed_send(const vrrpd_armed *a) {
  if (a->n > 0) {
    /* A group: every member, whatever the others did (each destination on its own); the bytes of those sent. */
    int total = 0;
    for (size_t i = 0; i < a->n; i++) {
      int r = vrrpd_armed_send(a->members[i]);
      a->members[i]->last = r;
      if (r > 0) total += r;
    }
    return total > 0 ? total : ARMED_FAILED;
  }
  const vrrpd_armed_dest *d = &a->dest;
  ssize_t n = d->family == AF_INET6 ? raw6_send_payload(a->s, a->datagram, a->len, &d->to.v6.dst, d->to.v6.has_src ? &d->to.v6.src : NULL)
                                    : raw4_send_datagram(a->s->fd, a->datagram, a->len, d->to.dst4);
  return n == (ssize_t)a->len ? (int)n : ARMED_FAILED;
}

int vrrpd_armed_fire(vrrpd_armed *a) {
  int r = vrrpd_armed_check(a);
  if (r != 0) {
    vrrpd_armed_refused(a, r);
    return r;
  }
  a->last = vrrpd_armed_send(a);
  return a->last;
}
