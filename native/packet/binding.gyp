{
  "targets": [
    {
      "target_name": "vrrpd_packet",
      "sources": ["packet.c", "raw4.c", "raw6.c", "armed.c", "rxsock.c", "timer.c", "train.c", "signals.c", "rtnl.c", "sched.c", "memory.c", "unixsock.c", "lock.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    },
    {
      "target_name": "vrrpd_watch",
      "sources": ["watch.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
