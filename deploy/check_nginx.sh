#!/bin/bash
# vrrp_script check for the OP nodes: succeeds when something accepts TCP connections on
# 127.0.0.1:7443 (nginx's stream listener), fails otherwise. vrrpd/keepalived kill it at the
# script's `timeout`. Install as /etc/vrrpd/check_nginx.sh, owner root, mode 0755.
# vrrpd's `check_tcp 127.0.0.1:7443` does the same without starting a process every second.
exec 3<>/dev/tcp/127.0.0.1/7443
