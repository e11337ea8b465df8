#!/bin/sh
# deps.sh PKG...: install the Debian packages that are missing (as root),
# or say which ones to install.  The tests want only Postfix's test tools
# (smtp-source, smtp-sink): a Postfix installed here is left unconfigured
# ("No configuration"), so no system Postfix starts or takes port 25.
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
postfix=0
case "$missing " in
*" postfix "*)
  postfix=1
  # answered before the install asks: no main.cf, nothing started
  echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections || exit 111
  ;;
esac
apt-get update -qq >&2 || exit 111
apt-get install -y -qq $missing >&2 || exit 111
# a Postfix that started anyway (configured by an earlier install, say)
# was started by this install: stop it
if [ $postfix = 1 ] && postfix status >/dev/null 2>&1; then
  echo "im2k: stopping the system Postfix the install started" >&2
  postfix stop >&2 || exit 111
fi
exit 0
