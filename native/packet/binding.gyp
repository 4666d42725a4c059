{
  "targets": [
    {
      "target_name": "vrrpd_packet",
      "sources": ["packet.c", "timer.c", "signals.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
