#!/bin/sh
# podman on a lab node: `netns-podman.sh NAMESPACE PODMAN-ARGS...`
# `ip netns exec NAMESPACE` runs podman in the node's network namespace, so a hostNetwork pod gets
# the node's network, and mounts that namespace's own sysfs on /sys, so /sys/class/net inside is
# the node's. That fresh /sys lacks /sys/fs/cgroup, which podman's cgroupfs manager needs: this
# mounts the host's cgroup hierarchies again (same types and options, read from /proc/self/mounts
# before entering) in the private mount namespace `ip netns exec` made, then runs podman there.
set -eu
ns=$1
shift
mounts=$(awk '$2 ~ /^\/sys\/fs\/cgroup/ && ($3 == "tmpfs" || $3 == "cgroup" || $3 == "cgroup2") { print $3, $2, $4 }' /proc/self/mounts)
exec ip netns exec "$ns" /bin/sh -c '
set -eu
printf "%s\n" "$1" | while read -r type dir opts; do
  [ -n "$type" ] || continue
  mkdir -p "$dir"
  mount -t "$type" -o "$opts" "$type" "$dir"
done
shift
exec podman "$@"' netns-podman "$mounts" "$@"
