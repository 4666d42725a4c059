#!/usr/bin/env bash
# Installs what vrrpd's tests and demo need on Debian, skipping what is already there:
# iproute2 (ip netns, ip addr), tcpdump/tshark (captures), iputils-arping, nginx (the lab's proxy),
# keepalived (the interop peer), nftables (no_accept / strict mode's drop rule), prometheus (for
# promtool: the metrics and alert-rule checks); for the container image and its tests
# (image/build.sh, test/integration/container): podman with runc and catatonit (podman builds its
# pod infra image from it) and setcap (libcap2-bin); then the npm packages from the lock file
# (raw-socket builds natively).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for pair in ip:iproute2 ping:iputils-ping tcpdump:tcpdump tshark:tshark arping:iputils-arping nginx:nginx keepalived:keepalived nft:nftables promtool:prometheus podman:podman runc:runc catatonit:catatonit setcap:libcap2-bin; do
  cmd=${pair%%:*}; pkg=${pair##*:}
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing Debian packages: ${need[*]} (run as root to install them)" >&2
  else
    echo "install-deps: installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    # Only promtool is wanted from the prometheus package: do not leave its server running.
    if [[ " ${need[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null 2>&1; then
      systemctl disable --now prometheus >/dev/null 2>&1 || true
    fi
  fi
fi
# nginx's TCP proxy (stream) module is its own Debian package; the lab's nginx needs it.
if command -v nginx >/dev/null 2>&1 && nginx -V 2>&1 | grep -q -- '--with-stream=dynamic' \
   && [ ! -e /usr/lib/nginx/modules/ngx_stream_module.so ] && [ "$(id -u)" -eq 0 ]; then
  echo "install-deps: installing Debian package libnginx-mod-stream (nginx's TCP proxy module)"
  apt-get install -y -qq --no-install-recommends libnginx-mod-stream >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends libnginx-mod-stream >/dev/null; }
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
