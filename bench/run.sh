#!/bin/sh
# run.sh: make bench.  im2k beside the servers people would otherwise
# run, in the same run on the same machine, on loopback only: Postfix
# (local-only, Maildir delivery, private configuration), nginx and curl,
# NSD and dnsperf, and a plain UDP pair (bench/udpbench.c).  Each
# benchmark runs BENCHREPS times (default 3); the table of medians goes to
# stdout and to bench/results.md, each row followed by "ratio NAME VALUE".
# The mail benchmarks run on / and on a loop-mounted journaled ext4.
# Needs root (accounts, daemons that drop privilege, mount).  Uses
# 127.0.1.x and accounts named im2kb*; stops everything it starts.
# BENCHONLY="mail udp inbox" picks groups; BENCHFS="root loop" picks file
# systems; NFAN (1000), NMSG (1000), BIGMB (100), NNOTE (1000000) scale.

: "${B:=build/std}"
REPS=${BENCHREPS:-3}
ONLY=${BENCHONLY:-mail udp inbox}
FSES=${BENCHFS:-root loop}
NFAN=${NFAN:-1000}
NMSG=${NMSG:-1000}
BIGMB=${BIGMB:-100}
NNOTE=${NNOTE:-1000000}
TOP=$(pwd)
BT="$TOP/$B/bench"
W=/var/tmp/im2kb
RAW="$W/raw"
OUT="$TOP/bench/results.md"
PKGS="postfix nginx curl nsd dnsperf valgrind linux-perf daemontools"

[ "$(id -u)" = 0 ] || { echo "bench: needs root (accounts, daemons, mount)" >&2; exit 100; }
sh "$TOP/tests/deps.sh" $PKGS || exit 111
# installing postfix, nginx or nsd may start the system's own copies:
# not ours to stop, but they must not hold our addresses (127.0.1.x)

rm -rf "$W.old"; [ -d "$W" ] && { umount "$W/mnt" 2>/dev/null; mv "$W" "$W.old"; rm -rf "$W.old"; }
mkdir -p "$W" && chmod 755 "$W"
: >"$RAW"

PROF=${BENCHPROFILE:-0}
PROFOUT="$TOP/bench/profile.txt"
[ "$PROF" = 1 ] && : >"$PROFOUT"
log() { echo "bench: $*" >&2; }
# prof_start NAME SECONDS [DELAY] ... prof_end NAME: with BENCHPROFILE=1, perf
# samples the whole machine (cpu-clock) while a load runs; the top
# entries by process and symbol go to bench/profile.txt
prof_start() {
  [ "$PROF" = 1 ] || return 0
  (sleep "${3:-0}"; exec perf record -a -e cpu-clock -F 2000 -o "$W/perf.$1" -- sleep "$2" >/dev/null 2>&1) &
  PERFPID=$!
  [ -n "$3" ] || sleep 0.2
}
prof_end() {
  [ "$PROF" = 1 ] || return 0
  wait "$PERFPID"
  { echo "## $1 (perf record -a -e cpu-clock; share of all samples on both cores)"; echo
    perf report -i "$W/perf.$1" --stdio --sort comm,dso,sym 2>/dev/null | grep '%' | grep -v '^#' | head -n 30
    echo; } >>"$PROFOUT"
}
# prof_strace NAME CMD...: with BENCHPROFILE=1, the system calls of CMD
# and its children (strace -c)
prof_strace() {
  _n=$1; shift
  [ "$PROF" = 1 ] || return 0
  strace -f -c -o "$W/strace.$_n" "$@" >/dev/null 2>&1
  { echo "## $_n (strace -f -c)"; echo; head -n 25 "$W/strace.$_n"; echo; } >>"$PROFOUT"
}
now() { date +%s.%N; }
# record ROW FS IM2K PEER [REF]: one measurement (REF: a reference figure
# beside the peer, or -)
record() { echo "$1 $2 $3 $4 ${5:--}" >>"$RAW"; log "$1 ($2): im2k $3, peer $4, ref ${5:--}"; }
# wio PID...: the sum of write_bytes of these processes (with the children
# each has reaped)
wio() {
  _s=0
  for _p in "$@"; do
    _v=$(awk '/^write_bytes/ {print $2}' "/proc/$_p/io" 2>/dev/null)
    _s=$((_s + ${_v:-0}))
  done
  echo $_s
}
# tree PID: PID and its descendants
tree() {
  echo "$1"
  for _c in $(pgrep -P "$1"); do tree "$_c"; done
}
calc() { awk "BEGIN { printf \"%.6g\", $1 }"; }

PIDS=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null; done
  pf_stop
  [ -n "$T" ] && stop 2>/dev/null
  for u in im2kbs im2kbr; do userdel "$u" 2>/dev/null; groupdel "$u" 2>/dev/null; done
  mountpoint -q "$W/mnt" 2>/dev/null && umount "$W/mnt"
}
trap cleanup EXIT

T=""
. "$TOP/tests/lib.sh"
trap 'exit 111' INT TERM HUP PIPE

# ---------------------------------------------------------------- postfix
PF=""
pf_setup() { # pf_setup DIR: a private Postfix under DIR, stopped
  PF=$1
  rm -rf "$PF"
  mkdir -p "$PF/etc" "$PF/spool" "$PF/data" "$PF/mail"
  chown postfix "$PF/data"
  chown nobody "$PF/mail"
  cat >"$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.pf.example
mydomain = pf.example
myorigin = pf.example
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
relayhost =
alias_maps =
alias_database =
local_recipient_maps =
virtual_mailbox_domains = pf.example
virtual_mailbox_base = $PF/mail
virtual_mailbox_maps = texthash:$PF/etc/vmailbox
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(id -g nobody)
maillog_file_prefixes = $PF, /dev
maillog_file = /dev/null
biff = no
EOF
  cat >"$PF/etc/master.cf" <<'EOF'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
  awk -v n="$NFAN" 'BEGIN { for (i = 1; i <= n; i++) printf "u%d@pf.example u%d/\n", i, i; print "p@pf.example p/" }' >"$PF/etc/vmailbox"
}
pf() { postfix -c "$PF/etc" "$@" >/dev/null 2>&1; }
pf_start() {
  pf start || { postfix -c "$PF/etc" start; die "postfix did not start"; }
  waitfor 10 test -s "$PF/spool/pid/master.pid" || die "postfix master has no pid"
}
pf_stop() { [ -n "$PF" ] && [ -s "$PF/spool/pid/master.pid" ] && pf stop; }
pf_master() { tr -d ' \n' <"$PF/spool/pid/master.pid"; }
pf_io() { wio $(tree "$(pf_master)"); }
pf_count() { find "$PF/mail/$1" -path '*/new/*' -type f 2>/dev/null | wc -l; }
pf_set() { postconf -c "$PF/etc" "$@" >/dev/null && pf reload; }

# ---------------------------------------------------------------- im2k
# mail_setup: a sender ISP ba (127.0.1.2) and receiver ISPs bb..be
# (127.0.1.3-6) under $T; NFAN mailboxes im2kbuN spread over them, all
# with the one key of im2kbr (who runs their pickups); im2kbp@bb for the
# single-recipient runs; daemons running, inboxd logs in big files
RCV="bb bc bd be"
mail_setup() {
  T=$1/t
  rm -rf "$T"
  mkdir -p "$T" && chmod 755 "$T"
  accounts
  mailuser im2kbs "$T/home/im2kbs"
  mailuser im2kbr "$T/home/im2kbr"
  isp ba ba.example 127.0.1.2
  n=3
  for x in $RCV; do isp $x $x.example 127.0.1.$n; n=$((n + 1)); done
  for x in $RCV; do
    cat "$T/$x.server" >>"$T/ba/control/servers"
    cat "$T/ba.server" >>"$T/$x/control/servers"
    "$T/$x/bin/im2k-servers" || die "im2k-servers $x"
  done
  "$T/ba/bin/im2k-servers" || die "im2k-servers ba"
  sender ba im2kbs
  mkdir -p "$T/rcv" && chown im2kbr "$T/rcv"
  K=$(setuidgid im2kbr "$T/ba/bin/im2k-keygen" "$T/rcv/keys") || die "keygen"
  FANRCPTS=""
  i=1
  while [ $i -le "$NFAN" ]; do
    set -- $RCV
    shift $((i % 4))
    x=$1
    echo "im2kbu$i:$K" >>"$T/$x/control/users"
    FANRCPTS="$FANRCPTS im2kbu$i@$x.example"
    i=$((i + 1))
  done
  echo "im2kbp:$K" >>"$T/bb/control/users"
  for x in $RCV; do "$T/$x/bin/im2k-users" || die "im2k-users $x"; done
  for x in $RCV; do
    sed -i 's/multilog t /multilog t s16777215 n4 /' "$T/$x/service/im2k-inboxd/log/run"
    echo 1 >"$T/$x/control/logheld" # a log line per note: when it became visible
  done
  services ba $RCV
}
held() { # held: "held" lines in every receiver's inbox log
  for x in $RCV; do cat "$T/svc/$x-im2k-inboxd/log/main/"@* "$T/svc/$x-im2k-inboxd/log/main/current" 2>/dev/null; done | grep -c ' held '
}
lastheld() { # lastheld: the time of the last "held" line, in Unix seconds
  for x in $RCV; do grep ' held ' "$T/svc/$x-im2k-inboxd/log/main/current" | tail -n 1; done |
    sort | tail -n 1 | tai64nlocal | cut -d' ' -f1-2 | { read d; date -d "$d" +%s.%N; }
}
sender_pids() { echo "$(pid ba-im2k-notifyd) $(pid ba-im2k-fetchd)"; }
rcv_pids() { for x in $RCV; do pid $x-im2k-inboxd; done; }
notified() { # notified N: N recipients of im2kbs notified or beyond
  [ "$(as im2kbs ba im2k-status -m | grep -c -e ' notified ' -e ' confirmed ' -e ' fetched ')" -ge "$1" ]
}
# asio USER CMD...: run CMD as USER; prints the bytes that it and its
# children wrote, on fd 3
asio() {
  _u=$1; shift
  _h=$(getent passwd "$_u" | cut -d: -f6)
  (cd "$_h" && env HOME="$_h" setuidgid "$_u" sh -c '"$@"; r=$?; awk "/^write_bytes/ {print \$2}" /proc/$$/io >&3; exit $r' sh "$@")
}
pickup() { # pickup MAILBOX MAILDIR
  (cd "$T/rcv" && env HOME="$T/rcv" setuidgid im2kbr "$T/bb/bin/im2k-pickup" -u "$1" -k "$T/rcv/keys" -d "$2")
}

# fanout FS: one 10 KB message to NFAN recipients
fanout() {
  fs=$1
  head -c 10240 /dev/urandom | base64 -w 76 | head -c 10000 >"$T/body"
  { printf 'Subject: fanout\n\n'; cat "$T/body"; } >"$T/fan.msg"
  chmod 644 "$T/fan.msg"
  r=1
  while [ $r -le "$REPS" ]; do
    # im2k
    h0=$(held)
    s0=$(wio $(sender_pids)); v0=$(wio $(rcv_pids))
    t0=$(now)
    asio im2kbs "$T/ba/bin/im2k-inject" $FANRCPTS <"$T/fan.msg" 3>"$T/io.inject" || die "inject to $NFAN failed"
    k=0
    while [ $(($(held) - h0)) -lt "$NFAN" ] && [ $k -lt 600 ]; do sleep 0.05; k=$((k + 1)); done
    [ $(($(held) - h0)) -ge "$NFAN" ] || die "fanout: only $(($(held) - h0)) of $NFAN held"
    t1=$(lastheld)
    sleep 3 # the status of every recipient flushed
    s1=$(wio $(sender_pids)); v1=$(wio $(rcv_pids))
    ti=$(calc "$t1 - $t0")
    sb=$(calc "($s1 - $s0 + $(cat "$T/io.inject")) / $NFAN")
    rb=$(calc "($v1 - $v0) / $NFAN")
    # Postfix
    rm -rf "$PF/mail/u"*
    p0=$(pf_io)
    t0=$(now)
    pfr=$(awk -v n="$NFAN" 'BEGIN { for (i = 1; i <= n; i++) printf " u%d@pf.example", i }')
    sh -c '"$@"; awk "/^write_bytes/ {print \$2}" /proc/$$/io >&3' sh /usr/sbin/sendmail -C "$PF/etc" -f s@pf.example $pfr <"$T/fan.msg" 3>"$T/io.sendmail"
    k=0
    while [ "$(pf_count)" -lt "$NFAN" ] && [ $k -lt 6000 ]; do sleep 0.01; k=$((k + 1)); done
    t1=$(now)
    [ "$(pf_count)" -ge "$NFAN" ] || die "postfix delivered only $(pf_count) of $NFAN"
    waitfor 30 sh -c "[ -z \"\$(find '$PF/spool/active' '$PF/spool/incoming' -type f)\" ]"
    sleep 1
    p1=$(pf_io)
    tp=$(calc "$t1 - $t0")
    pb=$(calc "($p1 - $p0 + $(cat "$T/io.sendmail")) / $NFAN")
    record fanout_visible "$fs" "$ti" "$tp"
    record fanout_receiver_bytes "$fs" "$rb" "$pb"
    record fanout_sender_bytes "$fs" "$sb" "$pb"
    r=$((r + 1))
  done
}

# injectpickup FS: NMSG single-recipient 10 KB messages injected (rate),
# then picked up by one run (rate)
injectpickup() {
  fs=$1
  r=1
  while [ $r -le "$REPS" ]; do
    base=$(($(as im2kbs ba im2k-status -m | wc -l) + $([ $r = 1 ] && [ "$PROF" = 1 ] && echo 1 || echo 0)))
    t0=$(now)
    asio im2kbs sh -c 'i=0; while [ $i -lt "$1" ]; do "$2" im2kbp@bb.example <"$3" || exit 1; i=$((i + 1)); done' sh "$NMSG" "$T/ba/bin/im2k-inject" "$T/fan.msg" 3>/dev/null || die "inject failed"
    t1=$(now)
    ri=$(calc "$NMSG / ($t1 - $t0)")
    [ $r = 1 ] && prof_strace "im2k-inject-$fs" setuidgid im2kbs "$T/ba/bin/im2k-inject" im2kbp@bb.example <"$T/fan.msg"
    # Postfix: sendmail until queued; virtual delivery held back
    pf_set defer_transports=virtual
    t0=$(now)
    sh -c 'i=0; while [ $i -lt "$1" ]; do /usr/sbin/sendmail -C "$2" -f s@pf.example p@pf.example <"$3" || exit 1; i=$((i + 1)); done' sh "$NMSG" "$PF/etc" "$T/fan.msg" || die "sendmail failed"
    t1=$(now)
    rp=$(calc "$NMSG / ($t1 - $t0)")
    [ $r = 1 ] && prof_strace "postfix-sendmail-$fs" /usr/sbin/sendmail -C "$PF/etc" -f s@pf.example p@pf.example <"$T/fan.msg"
    record inject_rate "$fs" "$ri" "$rp"
    # pickup: every message held by the inbox first
    waitfor 120 notified $((base + NMSG)) || die "not all $NMSG notified"
    rm -rf "$T/rcv/p.md"
    [ $r = 1 ] && prof_start "pickup-$fs" 2
    t0=$(now)
    pickup im2kbp "$T/rcv/p.md" || die "pickup failed"
    t1=$(now)
    [ $r = 1 ] && prof_end "pickup-$fs"
    got=$(ls "$T/rcv/p.md/new" | wc -l)
    [ "$got" -ge "$NMSG" ] || die "pickup delivered $got of $NMSG"
    ri=$(calc "$got / ($t1 - $t0)")
    # Postfix: the queued messages delivered once let go
    waitfor 60 sh -c "[ -z \"\$(find '$PF/spool/incoming' '$PF/spool/active' -type f)\" ]"
    rm -rf "$PF/mail/p"
    postconf -c "$PF/etc" -X defer_transports >/dev/null
    t0=$(now)
    pf reload
    postqueue -c "$PF/etc" -f
    k=0
    # the reload is not finished when it returns: a flush the old queue
    # manager takes defers the messages again, for minutes; flush again
    # every 2 s until they go
    while [ "$(pf_count p)" -lt "$NMSG" ] && [ $k -lt 12000 ]; do
      sleep 0.01; k=$((k + 1))
      [ $((k % 200)) = 0 ] && postqueue -c "$PF/etc" -f
    done
    t1=$(now)
    [ "$(pf_count p)" -ge "$NMSG" ] || die "postfix delivered $(pf_count p) of $NMSG"
    rp=$(calc "$NMSG / ($t1 - $t0)")
    record pickup_rate "$fs" "$ri" "$rp"
    r=$((r + 1))
  done
}

# download FS: a BIGMB MiB message fetched into a Maildir; beside it the
# plain UDP pair and nginx+curl, each into a file on the same file system
download() {
  fs=$1
  head -c $((BIGMB * 1048576)) /dev/urandom >"$T/big"
  chmod 644 "$T/big"
  mkdir -p "$T/www" && ln -f "$T/big" "$T/www/big"
  cat >"$T/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $T/nginx.pid;
error_log $T/nginx.err;
events { worker_connections 64; }
http {
  access_log off;
  sendfile on;
  server { listen 127.0.1.30:8080; root $T/www; }
}
EOF
  nginx -c "$T/nginx.conf" -e "$T/nginx.err" &
  NGX=$!; PIDS="$PIDS $NGX"
  waitfor 10 curl -s -o /dev/null http://127.0.1.30:8080/ || true
  r=1
  while [ $r -le "$REPS" ]; do
    base=$(as im2kbs ba im2k-status -m | wc -l)
    as im2kbs ba im2k-inject im2kbp@bb.example <"$T/big" || die "inject of $BIGMB MiB failed"
    waitfor 60 notified $((base + 1)) || die "big message not notified"
    rm -rf "$T/rcv/p.md"
    t0=$(now)
    pickup im2kbp "$T/rcv/p.md" || die "pickup of $BIGMB MiB failed"
    t1=$(now)
    mi=$(calc "$BIGMB / ($t1 - $t0)")
    rm -f "$T/sink"
    taskset -c 1 "$BT/udpbench" sink 127.0.1.31 4001 "$T/sink" >"$T/sink.out" &
    sp=$!
    sleep 0.2
    taskset -c 0 "$BT/udpbench" blast 127.0.1.31 4001 $((BIGMB * 1048576))
    wait $sp
    mu=$(awk '{print $4}' "$T/sink.out")
    rm -f "$T/curl.out"
    t0=$(now)
    curl -s -o "$T/curl.out" http://127.0.1.30:8080/big && sync "$T/curl.out"
    t1=$(now)
    mn=$(calc "$BIGMB / ($t1 - $t0)")
    record download_100m "$fs" "$mi" "$mu" "$mn"
    rm -f "$T/sink" "$T/curl.out"
    r=$((r + 1))
  done
  kill "$NGX" 2>/dev/null; wait "$NGX" 2>/dev/null
}

mail_run() { # mail_run FS DIR
  mail_setup "$2"
  pf_setup "$2/pf"
  pf_start
  fanout "$1"
  injectpickup "$1"
  download "$1"
  pf_stop
  stop
  for u in im2kbs im2kbr; do userdel "$u" 2>/dev/null; groupdel "$u" 2>/dev/null; done
  rm -rf "$T" "$PF"
  T=""
}

# ---------------------------------------------------------------- udp
# fetchd_rps: FETCH requests answered per second by one fetchd on one
# core, beside the plain UDP echo pair
udp_run() {
  mail_setup "$W/root"
  head -c 1048576 /dev/urandom >"$T/mb"; chmod 644 "$T/mb"
  as im2kbs ba im2k-inject im2kbp@bb.example <"$T/mb" || die "inject failed"
  UA=$(id -u im2kbs)
  h=$(ls "$T/ba/archive/$UA" | grep -v '\.job$' | head -n 1)
  fp=$(pid ba-im2k-fetchd)
  taskset -p -c 1 "$fp" >/dev/null
  r=1
  while [ $r -le "$REPS" ]; do
    [ $r = 1 ] && prof_start fetchd 3
    fi=$(taskset -c 0 "$BT/im2kb-load" fetch 127.0.1.2 2001 "$(pubkey ba)" "$T/ba/keys/token" "$h" im2kbp@bb.example 1048576 5 64 | awk '{print $5}')
    [ $r = 1 ] && prof_end fetchd
    taskset -c 1 "$BT/udpbench" echo 127.0.1.32 4002 &
    ep=$!
    sleep 0.2
    fu=$(taskset -c 0 "$BT/udpbench" rr 127.0.1.32 4002 5 64 | awk '{print $4}')
    kill $ep; wait $ep 2>/dev/null
    record fetchd_rps root "$fi" "$fu"
    r=$((r + 1))
  done
  stop
  for u in im2kbs im2kbr; do userdel "$u" 2>/dev/null; groupdel "$u" 2>/dev/null; done
  T=""
}

# ---------------------------------------------------------------- inbox
# inbox_rps and inbox_bytes_per_notification: NNOTE distinct notifications
# from ba to 1000 mailboxes at bi (127.0.1.10), inboxd on one core; then
# NSD answering dnsperf on one core
inbox_run() {
  T=$W/inbox
  rm -rf "$T"
  mkdir -p "$T" && chmod 755 "$T"
  accounts
  isp ba ba.example 127.0.1.9
  isp bi bi.example 127.0.1.10
  peer ba bi
  K=$(cut -d: -f5 "$T/bi.server")
  awk -v k="$K" 'BEGIN { for (i = 1; i <= 1000; i++) printf "im2kbu%d:%s\n", i, k }' >>"$T/bi/control/users"
  "$T/bi/bin/im2k-users" || die "im2k-users"
  echo "10000000 100000000" >"$T/bi/control/keyrate" # one sender key sends them all
  sed -i 's/multilog t /multilog t s16777215 n4 /' "$T/bi/service/im2k-inboxd/log/run"
  services bi
  # NSD: one zone, one server process
  mkdir -p "$T/nsd"
  {
    printf '$ORIGIN bench.example.\n$TTL 3600\n@ IN SOA ns hostmaster 1 3600 600 86400 3600\n@ IN NS ns\nns IN A 127.0.1.20\n'
    awk 'BEGIN { for (i = 1; i <= 1000; i++) printf "h%d IN A 192.0.2.%d\n", i, i % 250 + 1 }'
  } >"$T/nsd/bench.zone"
  cat >"$T/nsd/nsd.conf" <<EOF
server:
  ip-address: 127.0.1.20
  port: 53
  server-count: 1
  username: ""
  zonesdir: "$T/nsd"
  pidfile: "$T/nsd/nsd.pid"
  xfrdfile: "$T/nsd/xfrd.state"
  zonelistfile: "$T/nsd/zone.list"
  database: ""
  logfile: "$T/nsd/nsd.log"
  verbosity: 0
remote-control:
  control-enable: no
zone:
  name: bench.example
  zonefile: bench.zone
EOF
  awk 'BEGIN { for (i = 1; i <= 1000; i++) printf "h%d.bench.example A\n", i }' >"$T/nsd/queries"
  r=1
  while [ $r -le "$REPS" ]; do
    svc -t "$T/svc/bi-im2k-inboxd"
    sleep 1
    ip=$(pid bi-im2k-inboxd)
    taskset -p -c 1 "$ip" >/dev/null
    [ $r = 1 ] && prof_start inboxd 5 $((NNOTE / 50000 + 3))
    out=$(taskset -c 0 "$BT/im2kb-load" notify 127.0.1.10 2000 "$K" "$T/ba/keys" im2kbs@ba.example bi.example 1000 "$NNOTE" 64)
    log "$out"
    [ $r = 1 ] && prof_end inboxd
    ok=$(echo "$out" | awk '{print $3}')
    ri=$(echo "$out" | awk '{print $6}')
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$ip/status")
    bpn=$(calc "$rss * 1024 / $ok")
    taskset -c 1 nsd -d -c "$T/nsd/nsd.conf" 2>"$T/nsd/err" &
    np=$!
    sleep 1
    rn=$(taskset -c 0 dnsperf -s 127.0.1.20 -d "$T/nsd/queries" -l 10 -c 1 -q 64 2>/dev/null | awk '/Queries per second/ {print $4}')
    kill "$np"; wait "$np" 2>/dev/null
    record inbox_rps root "$ri" "${rn:-0}"
    record inbox_bytes_per_notification root "$bpn" - "$rss"
    r=$((r + 1))
  done
  stop
  T=""
}

# ---------------------------------------------------------------- run
for g in $ONLY; do
  case $g in
    mail)
      for fs in $FSES; do
        case $fs in
          root) mkdir -p "$W/root" && chmod 755 "$W/root"; mail_run root "$W/root" ;;
          loop)
            truncate -s 8G "$W/ext4.img"
            mkfs.ext4 -q -F -j "$W/ext4.img" || die "mkfs.ext4"
            mkdir -p "$W/mnt" && mount -o loop "$W/ext4.img" "$W/mnt" || die "mount -o loop"
            chmod 755 "$W/mnt"
            mail_run ext4j "$W/mnt"
            umount "$W/mnt"; rm -f "$W/ext4.img" ;;
        esac
      done ;;
    udp) udp_run ;;
    inbox) inbox_run ;;
  esac
done

sh "$TOP/bench/report.sh" "$RAW" "$OUT"
