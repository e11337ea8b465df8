# lib.sh: shared by the scenario tests and the demo: accounts, ISPs laid
# out with im2k-setup under one directory, daemons under daemontools.
# Callers set B (the build dir, e.g. build/std) and T (a private work dir).

: "${B:=build/std}"
TOP=$(pwd)
BIN="$TOP/$B/bin"
IM2K_ACCOUNTS="$(head -n 7 "$TOP/conf-users" | tr '\n' ' ')"

die() { echo "$0: $*" >&2; exit 111; }
# a signal ends the script through its EXIT trap, which stops its daemons
trap 'exit 111' INT TERM HUP PIPE

# accounts: the service accounts from conf-users, made by the script
# make setup uses
accounts() {
  sh "$TOP/im2k-admin/accounts.sh" "$TOP/conf-users" || die "accounts.sh failed"
}

# mailuser NAME HOMEDIR: an ordinary user account for a sender or receiver
mailuser() {
  if getent passwd "$1" >/dev/null; then
    usermod -d "$2" "$1" || die "usermod $1" # left by an interrupted run
  else
    useradd --no-create-home --home-dir "$2" --shell /bin/sh -U "$1" || die "useradd $1"
  fi
  mkdir -p "$2" && chown "$1:" "$2" && chmod 700 "$2"
}

# isp NAME DOMAIN IP: lay out $T/NAME for DOMAIN on IP, and check it.
# Its DNS is $DNSIP, by default a port where nothing answers: a domain
# missing from control/servers is then "DNS failed, try again later",
# whatever the machine's own resolver would say.
isp() {
  "$BIN/im2k-setup" "$T/$1" "$2" "$3" >"$T/$1.server" || die "im2k-setup $1"
  echo "${DNSIP:-127.0.0.1:1}" >"$T/$1/control/dnsip"
  "$BIN/im2k-check" "$T/$1" >&2 || die "im2k-check $1"
}

# peer A B: each ISP learns the other's server line
peer() {
  cat "$T/$2.server" >>"$T/$1/control/servers"
  cat "$T/$1.server" >>"$T/$2/control/servers"
  "$T/$1/bin/im2k-servers" && "$T/$2/bin/im2k-servers" || die "im2k-servers"
}

# receiver ISP USER: USER gets a key; the ISP registers it
receiver() {
  _h=$(getent passwd "$2" | cut -d: -f6)
  if [ -f "$_h/.im2k/secret" ]; then
    _pk=$(tr -d '\n' <"$_h/.im2k/public")
  else
    _pk=$(env HOME="$_h" setuidgid "$2" "$T/$1/bin/im2k-keygen" "$_h/.im2k") || die "im2k-keygen"
  fi
  grep -v "^$2:" "$T/$1/control/users" >"$T/$1/control/users.new"
  echo "$2:$_pk" >>"$T/$1/control/users.new"
  mv "$T/$1/control/users.new" "$T/$1/control/users"
  "$T/$1/bin/im2k-users" || die "im2k-users"
}

# sender ISP USER: USER gets an archive
sender() {
  "$T/$1/bin/im2k-mkarchive" "$2" >/dev/null || die "im2k-mkarchive"
}

# as USER ISP PROG ARGS...: run an ISP's program as USER, in USER's home
as() {
  _u=$1 _i=$2 _p=$3; shift 3
  _h=$(getent passwd "$_u" | cut -d: -f6)
  (cd "$_h" && env HOME="$_h" setuidgid "$_u" "$T/$_i/bin/$_p" "$@")
}

# services NAME...: run the daemons of these ISPs under svscan in $T/svc
services() {
  mkdir -p "$T/svc"
  for _i in "$@"; do
    for _d in im2k-inboxd im2k-fetchd im2k-notifyd; do
      ln -sfn "$T/$_i/service/$_d" "$T/svc/$_i-$_d"
    done
  done
  (cd "$T/svc" && exec env - PATH="$PATH" svscan . >"$T/svscan.log" 2>&1) &
  echo $! >"$T/svscan.pid"
  # wait until every service runs
  _n=0
  while [ $_n -lt 100 ]; do
    _up=1
    for _s in "$T"/svc/*; do
      svstat "$_s" 2>/dev/null | grep -q ': up' || _up=0
    done
    [ $_up = 1 ] && break
    sleep 0.1; _n=$((_n+1))
  done
  [ $_up = 1 ] || { svstat "$T"/svc/* >&2; die "services did not start"; }
  # a daemon that dies at once (a port taken by another run, a bad
  # control file) shows up as a new pid: say which, and why
  _p0=$(svstat "$T"/svc/* | sed 's/ [0-9]* seconds$//')
  sleep 0.5
  _p1=$(svstat "$T"/svc/* | sed 's/ [0-9]* seconds$//')
  if [ "$_p0" != "$_p1" ]; then
    for _s in "$T"/svc/*; do tail -n 2 "$_s/log/main/current" >&2; done
    die "a daemon keeps restarting"
  fi
}

# stop: end svscan, then every supervise under it, and wait for them
stop() {
  [ -f "$T/svscan.pid" ] || return 0
  kill "$(cat "$T/svscan.pid")" 2>/dev/null
  for _s in "$T"/svc/* "$T"/svc/*/log; do svc -dx "$_s" 2>/dev/null; done
  _n=0
  while [ $_n -lt 100 ]; do
    _alive=0
    for _s in "$T"/svc/* "$T"/svc/*/log; do svok "$_s" 2>/dev/null && _alive=1; done
    [ $_alive = 0 ] && break
    sleep 0.1; _n=$((_n+1))
  done
  rm -f "$T/svscan.pid"
}

# waitfor SECONDS CMD...: poll until CMD succeeds
waitfor() {
  _t=$1; shift
  _n=0
  while [ $_n -lt $((_t * 10)) ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1; _n=$((_n+1))
  done
  return 1
}

# pair SENDER RECEIVER: a.example (127.0.0.2) and b.example (127.0.0.3)
# under $T, peered, SENDER with an archive at a, RECEIVER registered at b,
# daemons running; the two test accounts are removed by unpair
pair() {
  accounts
  mailuser "$1" "$T/home/$1"
  mailuser "$2" "$T/home/$2"
  isp a a.example 127.0.0.2
  isp b b.example 127.0.0.3
  peer a b
  receiver b "$2"
  sender a "$1"
  [ -n "$RENOTIFY" ] && echo "$RENOTIFY" >"$T/a/control/renotify"
  services a b
}
unpair() {
  stop
  for _u in "$@"; do userdel "$_u" 2>/dev/null; groupdel "$_u" 2>/dev/null; done
  rm -rf "$T"
}
# listening IP: something listens on IP, TCP port 2525
listening() { ss -ltn | grep -q " $1:2525 "; }
# sink IP DIR [OPTIONS]: Postfix's smtp-sink ($SINK) on IP:2525 as nobody,
# dumping each message into DIR; its pid in SPID and added to PIDS (the
# caller's list of processes to stop)
sink() {
  _ip=$1 _dd=$2; shift 2
  mkdir -p "$_dd" && chown nobody "$_dd"
  "$SINK" -u nobody -d "$_dd/%M." "$@" "$_ip:2525" 10 >>"$T/sink.log" 2>&1 &
  SPID=$!
  PIDS="$PIDS $SPID"
  waitfor 5 listening "$_ip" || die "smtp-sink on $_ip did not start"
}
# pid SERVICE: the pid of a service's daemon
pid() { svstat "$T/svc/$1" | sed -n 's/.*(pid \([0-9]*\)).*/\1/p'; }
# pubkey ISP: the ISP's public key
pubkey() { tr -d '\n' <"$T/$1/keys/public" 2>/dev/null || cut -d: -f5 "$T/$1.server"; }
