#!/usr/bin/env bash
# npm run demo: the seed's HA architecture on this machine, in network namespaces.
# Installs what is missing (Debian packages, npm packages), builds, then runs `vrrpd lab demo`:
# the election, four failure scenarios with a live timeline, a summary table against the RFC 3768
# bounds and an SVG of the run (lab-out/demo.svg). Exit status 0 only when every scenario passes.
# Needs root (namespaces, raw sockets). Leaves nothing behind: the lab is removed on exit,
# on error and on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "demo: run as root (it builds network namespaces): sudo npm run demo" >&2
  exit 1
fi
bash scripts/install-deps.sh
echo "demo: building (npm run build)"
npm run -s build
exec node dist/bundle/vrrpd.js lab demo --out lab-out "$@"
