#!/usr/bin/env bash
# Pins the Debian packages of an image: reads image/NAME.packages, asks apt (this machine's Debian
# 12 mirror, after `apt-get update`) for each package's candidate version and checksum, checks that
# every hard dependency (Depends, Pre-Depends) of a listed package is listed, provided by one, or
# left out on purpose (`-name`), and writes image/NAME.packages.lock: `name version sha256` a line.
# The image build (image/build.sh) installs exactly these versions and checks these checksums.
# Run it to move the image to Debian's newest bookworm packages (a point or security release
# removes the old versions from the mirror, and the build then says so).
# usage: image/lock-debian.sh [vrrpd|nginx]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")"
[ "$#" -gt 0 ] || set -- vrrpd nginx

# Names of the packages a manifest lists (want) or leaves out (skip).
manifest() { sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$1.packages"; }

# The candidate version of a package from the Debian archive, or nothing.
candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2 }'; }

# One field of a package version's stanza (the first stanza when several sources carry it).
field() { apt-cache show "$1=$2" 2>/dev/null | awk -v f="$3" 'BEGIN { RS = ""; FS = "\n" } NR == 1 {
  for (i = 1; i <= NF; i++) if (index($i, f ": ") == 1) { print substr($i, length(f) + 3); exit } }'; }

for image in "$@"; do
  [ -f "$image.packages" ] || { echo "lock-debian: no image/$image.packages" >&2; exit 2; }
  mapfile -t entries < <(manifest "$image")
  want=(); skip=()
  for e in "${entries[@]}"; do if [ "${e:0:1}" = - ]; then skip+=("${e:1}"); else want+=("$e"); fi; done
  declare -A ver=() sha=() deps=() have=()
  for p in "${want[@]}"; do
    v=$(candidate "$p")
    [ -n "$v" ] || { echo "lock-debian: $image: no candidate for $p (apt-get update?)" >&2; exit 1; }
    ver[$p]=$v
    sha[$p]=$(field "$p" "$v" SHA256)
    [ -n "${sha[$p]}" ] || { echo "lock-debian: $image: no SHA256 for $p $v" >&2; exit 1; }
    deps[$p]="$(field "$p" "$v" Pre-Depends), $(field "$p" "$v" Depends)"
    have[$p]=1
    # virtual packages this one provides (nginx provides nginx-abi-1.22.1-7)
    for prov in $(field "$p" "$v" Provides | tr ',' '\n' | sed -e 's/(.*)//' -e 's/[[:space:]]//g'); do have[$prov]=1; done
  done
  for p in "${skip[@]}"; do have[$p]=1; done
  bad=0
  for p in "${want[@]}"; do
    # each comma-separated group is satisfied when one of its `|` alternatives is listed, provided or skipped
    while IFS= read -r group; do
      [ -n "${group//[[:space:]]/}" ] || continue
      ok=0
      for alt in ${group//|/ }; do
        case "$alt" in '('*|*')'|'>='*|'<<'*|'='*|'<='*|'>>'*) continue ;; esac
        name=${alt%%:*}
        [ -n "${have[$name]:-}" ] && ok=1
      done
      [ "$ok" = 1 ] || { echo "lock-debian: $image: $p needs '$group': list it in image/$image.packages or leave it out with a reason (-name)" >&2; bad=1; }
    done < <(printf '%s\n' "${deps[$p]}" | tr ',' '\n' | sed -e 's/([^)]*)//g')
  done
  [ "$bad" = 0 ] || exit 1
  {
    echo "# Debian 12 packages of the $image image, pinned by image/lock-debian.sh from image/$image.packages."
    echo "# name version sha256 (of the .deb, checked by image/build.sh)"
    for p in "${want[@]}"; do echo "$p ${ver[$p]} ${sha[$p]}"; done | sort
  } > "$image.packages.lock"
  echo "lock-debian: image/$image.packages.lock: ${#want[@]} packages"
  unset ver sha deps have
done
