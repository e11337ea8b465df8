#!/bin/sh
# deps.sh PKG...: install the Debian packages that are missing (as root),
# or say which ones to install.
missing=""
for p in "$@"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "im2k: missing Debian packages:$missing" >&2
  echo "im2k: run as root, or: apt-get install$missing" >&2
  exit 111
fi
echo "im2k: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || exit 111
apt-get install -y -qq $missing >&2 || exit 111
