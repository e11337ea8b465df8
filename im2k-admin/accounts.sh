#!/bin/sh
# accounts.sh [CONF-USERS]: create the accounts named in conf-users that
# are missing, groups first, and check the primary groups of those that
# exist (each daemon runs with its primary group as its only group).
# Run by root; used by make setup, make demo and the scenario tests.
# Exits 0, 100 (a bad conf-users, an account with the wrong group) or
# 111 (groupadd or useradd failed).
conf=${1:-conf-users}
fatal() { echo "accounts.sh: fatal: $2" >&2; exit "$1"; }
[ -r "$conf" ] || fatal 111 "unable to read $conf"
set -- $(head -n 7 "$conf")
[ $# = 7 ] || fatal 100 "$conf: want seven account names on lines 1 to 7"
q=$1 r=$2 n=$3 i=$4 f=$5 l=$6 s=$7
for g in "$q" "$r"; do
  getent group "$g" >/dev/null || groupadd --system "$g" || fatal 111 "groupadd $g"
done
# account NAME GROUP: NAME, a system account without a home or a shell,
# whose primary group is GROUP
account() {
  if ! getent passwd "$1" >/dev/null; then
    useradd --system --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin -g "$2" "$1" || fatal 111 "useradd $1"
  fi
  _want=$(getent group "$2" | cut -d: -f3)
  _have=$(getent passwd "$1" | cut -d: -f4)
  [ -n "$_want" ] && [ "$_have" = "$_want" ] ||
    fatal 100 "account $1 exists with primary group $_have, want $2 ($_want): usermod -g $2 $1"
}
account "$n" "$q"   # im2k-notifyd: the queue group
account "$f" "$r"   # im2k-fetchd: the archive readers
account "$i" nogroup
account "$l" nogroup
account "$s" nogroup  # im2k-smtpd: the SMTP gateway's archive
exit 0
