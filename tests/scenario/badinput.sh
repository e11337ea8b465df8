# badinput.sh: everything parsed that is not a packet.  Malformed
# messages to im2k-inject, malformed control files and cdb files,
# malformed records on disk (jobs, status records, confirmations),
# hostile command lines.  Each gets a clear message and exit 100 or 111
# (or is taken as it is, and then delivered byte for byte); nothing
# crashes, no daemon dies, and every message accepted around them is
# delivered once and confirmed.  Sender sa.example on 127.0.2.6,
# receiver sb.example on 127.0.2.7.  Needs root.
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-badin.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
. tests/ledger.sh
trap xcleanup EXIT
xpair im2kxba im2kxbb ${XIP:-127.0.2}.6 ${XIP:-127.0.2}.7

# refused DESC CODES CMD...: CMD exits with one of CODES (e.g. "100
# 111") and says "fatal:" why
refused() {
  _d=$1 _c=$2; shift 2
  "$@" >"$T/out" 2>"$T/err" </dev/null
  _rc=$?
  case " $_c " in
  *" $_rc "*) if grep -q 'fatal: ' "$T/err"; then ok "$_d: exit $_rc, says why"; return; fi ;;
  esac
  nok "$_d: exit $_rc (want $_c)"; head -c 600 "$T/err" | sed 's/^/#   /'
}
# asx USER PROG ARGS...: a program of a or b as USER, input from $XIN
asx() {
  _u=$1 _p=$2; shift 2
  _h=$(getent passwd "$_u" | cut -d: -f6)
  case $_p in im2k-pickup|im2k-keygen) _i=b ;; *) _i=a ;; esac
  (cd "$_h" && env HOME="$_h" setuidgid "$_u" "$T/$_i/bin/$_p" "$@" <"${XIN:-/dev/null}")
}
up_pids() { svstat "$T"/svc/* | sed -n 's/.*(pid \([0-9]*\)).*/\1/p' | sort | tr '\n' ' '; }
pids0=$(up_pids)
arch_count() { ls -A "$XARCH" | wc -l; }

# 1. messages
# takes MSGFILE DESC: inject takes it whole or refuses it cleanly
takes() {
  _c=$(arch_count)
  xsend "$1" 2>/dev/null
  case $XRC in
  0) ok "$2: accepted" ;;
  100|111)
    if grep -q 'fatal: ' "$T/inject.err" && [ "$(arch_count)" = "$_c" ]; then ok "$2: refused (exit $XRC), nothing stored"
    else nok "$2: refused (exit $XRC) without a clear message, or left something"; fi ;;
  *) nok "$2: exit $XRC" ;;
  esac
}
hdr() { printf 'From: %s@sa.example\nTo: %s@sb.example\nDate: Fri, 27 Nov 2026 10:00:00 +0000\nMessage-ID: <%s@sa.example>\nX-Torture-Id: %s\n' "$XS" "$XR" "$1" "$1"; }
newid() { XSEQ=$((XSEQ + 1)); XID="b$XSEQ"; }
# mk: a message of the headers and $T/raw
mk() { newid; { hdr $XID; cat "$T/raw"; } >"$T/in/$XID"; chmod 644 "$T/in/$XID"; }
: >"$T/inject.err"
printf 'Subject: nul\n\nbody \000 with \000 NULs\n' >"$T/raw"; mk; takes $XID "NUL bytes in the body"
: >"$T/inject.err"
printf 'Subject: a\000b\n\nx\n' >"$T/raw"; mk; takes $XID "a NUL byte in the header"
check "a NUL byte in the header is refused" [ $XRC = 100 ]
: >"$T/inject.err"
printf 'Subject: bare\rCR\nX-A: b\r\n\nline\rwith\rCRs\r\n' >"$T/raw"; mk; takes $XID "bare CR in header and body"
: >"$T/inject.err"
{ printf 'Subject: long\n\n'; head -c 1100000 /dev/zero | tr '\0' x; printf '\n'; } >"$T/raw"; mk; takes $XID "a 1 MB body line"
: >"$T/inject.err"
{ printf 'Subject: '; head -c 1100000 /dev/zero | tr '\0' y; printf '\n\nbody\n'; } >"$T/raw"; mk; takes $XID "a 1 MB header line"
check "a header over 1 MiB is refused (exit 100)" [ $XRC = 100 ]
check "and says so" grep -q 'header over' "$T/inject.err"
: >"$T/inject.err"
{ i=0; while [ $i -lt 20000 ]; do printf 'X-F%d: %s\n' $i "$(printf '%060d' $i)"; i=$((i + 1)); done; printf '\nbody\n'; } >"$T/raw"; mk
takes $XID "20,000 header fields (1.4 MB)"
check "a huge header is refused (exit 100)" [ $XRC = 100 ]
: >"$T/inject.err"
{ printf 'Subject: folded\n'; i=0; while [ $i -lt 5000 ]; do printf ' continuation %d\n' $i; i=$((i + 1)); done; printf '\nb\n'; } >"$T/raw"; mk
takes $XID "5,000 continuation lines"
: >"$T/inject.err"
printf 'To: "unterminated <%s@sb.example\n\nx\n' "$XR" >"$T/in/tq"; chmod 644 "$T/in/tq"
XIN="$T/in/tq" refused "-t with a broken To field" "100" asx "$XS" im2k-inject -t
# no header at all: the added fields come first, the bytes follow
printf 'just a body line\nand another\n' >"$T/in/nohdr"; chmod 644 "$T/in/nohdr"
XIN="$T/in/nohdr" asx "$XS" im2k-inject "$XR@sb.example"
check "no header: accepted" [ $? = 0 ]
h=$(ls -t "$XARCH" | grep -v -e '\.job$' -e '^\.tmp' | head -n 1)
echo "$h" >>"$T/skip"
check "no header: stored with Date, Message-ID, From, a blank line, then the bytes" \
  sh -c "grep -q '^Date: ' '$XARCH/$h' && tail -c $(wc -c <"$T/in/nohdr") '$XARCH/$h' | cmp -s - '$T/in/nohdr' && grep -q '^\$' '$XARCH/$h'"
: >"$T/in/empty"; chmod 644 "$T/in/empty"
XIN="$T/in/empty" asx "$XS" im2k-inject "$XR@sb.example"
check "an empty message: accepted" [ $? = 0 ]
ls -t "$XARCH" | grep -v -e '\.job$' -e '^\.tmp' | head -n 1 >>"$T/skip"

# 2. command lines
long=$(head -c 100000 /dev/zero | tr '\0' a)
refused "inject: a 100 kB recipient" "100" asx "$XS" im2k-inject "$long@sb.example"
refused "inject: a recipient with a newline" "100" asx "$XS" im2k-inject "$(printf 'a\nb@sb.example')"
refused "inject: -f with no value" "100" asx "$XS" im2k-inject -f
refused "inject: an unknown option" "100" asx "$XS" im2k-inject -Z x@sb.example
refused "inject: --long option" "100" asx "$XS" im2k-inject --help
refused "inject: -bs" "100" asx "$XS" im2k-inject -bs
refused "inject: a forged -f" "100" asx "$XS" im2k-inject -f "root@sa.example" "$XR@sb.example"
refused "inject: no recipient" "100" asx "$XS" im2k-inject
set -- ; i=0; while [ $i -lt 3000 ]; do set -- "$@" "r$i@sb.example"; i=$((i + 1)); done
XIN="$T/in/nohdr" asx "$XS" im2k-inject "$@" >/dev/null 2>"$T/err"
rc=$?
check "inject: 3,000 recipients: accepted or refused, not crashed (exit $rc)" [ $rc = 0 -o $rc = 100 ]
set --
refused "archive: an argument" "100" asx "$XS" im2k-archive x
refused "archive -c: not a handle" "100" asx "$XS" im2k-archive -c "../../etc/passwd"
refused "archive -c: a long handle" "100" asx "$XS" im2k-archive -c "$long"
refused "archive -c: someone else's handle" "100" asx "$XS" im2k-archive -c 00000000000000000000000000000000
refused "pickup: a mailbox with a slash" "100" asx "$XR" im2k-pickup -u ../x
refused "pickup: an unknown option" "100" asx "$XR" im2k-pickup -Z
refused "pickup: an argument" "100" asx "$XR" im2k-pickup extra
refused "pickup: a missing key directory" "111" asx "$XR" im2k-pickup -k /nonexistent
refused "pickup: a Maildir it cannot make" "111" asx "$XR" im2k-pickup -d /proc/x/Maildir
refused "status: an unknown option" "100" asx "$XS" im2k-status -Z
refused "mkarchive: no such user" "100" "$T/a/bin/im2k-mkarchive" nosuchuser-im2kx
refused "mkarchive: root" "100" "$T/a/bin/im2k-mkarchive" root
refused "setup: a relative home" "100" "$T/a/bin/im2k-setup" relative sa.example 127.0.0.1
refused "setup: a home with a space" "100" "$T/a/bin/im2k-setup" "/tmp/a b" sa.example 127.0.0.1

# 3. control files
cp "$T/a/control/servers" "$T/servers.good"
cp "$T/a/control/servers.cdb" "$T/servers.cdb.good"
for bad in 'no colons at all' 'x.example:127.0.0.1:2000:2001:zz' 'x.example:1.2.3:2000:2001:00' \
    "x.example:127.0.0.1:99999:2001:$(pubkey b)" ":127.0.0.1:2000:2001:$(pubkey b)" \
    "$(head -c 5000 /dev/zero | tr '\0' d).example:127.0.0.1:2000:2001:$(pubkey b)"; do
  cp "$T/servers.good" "$T/a/control/servers"
  printf '%s\n' "$bad" >>"$T/a/control/servers"
  refused "im2k-servers: bad line '$(echo "$bad" | cut -c1-40)'" "100" "$T/a/bin/im2k-servers"
  check "im2k-servers: the old cdb stays" cmp -s "$T/a/control/servers.cdb" "$T/servers.cdb.good"
done
printf '\000\001\002binary' >"$T/a/control/servers"
refused "im2k-servers: a binary file" "100" "$T/a/bin/im2k-servers"
cp "$T/servers.good" "$T/a/control/servers"
cp "$T/b/control/users" "$T/users.good"
for bad in 'nokey' "$XR:zz" "bad user:$(pubkey b)" "$XR:$(pubkey b)$(pubkey b)"; do
  cp "$T/users.good" "$T/b/control/users"
  printf '%s\n' "$bad" >>"$T/b/control/users"
  refused "im2k-users: bad line '$(echo "$bad" | cut -c1-30)'" "100" "$T/b/bin/im2k-users"
done
cp "$T/users.good" "$T/b/control/users"
cp "$T/a/control/me" "$T/me.good"
for bad in '' 'bad domain' "$(head -c 3000 /dev/zero | tr '\0' m)"; do
  printf '%s\n' "$bad" >"$T/a/control/me"
  XIN="$T/in/nohdr" refused "inject: control/me '$(echo "$bad" | cut -c1-20)'" "100 111" asx "$XS" im2k-inject "$XR@sb.example"
done
rm -f "$T/a/control/me"
XIN="$T/in/nohdr" refused "inject: no control/me" "111" asx "$XS" im2k-inject "$XR@sb.example"
cp "$T/me.good" "$T/a/control/me"
# damaged cdb files: garbage, truncated, empty, each written in place
# (not by rename, as im2k-servers and im2k-users do)
bip=$(pid b-im2k-inboxd)
cp "$T/b/control/servers.cdb" "$T/bserv.good"
cp "$T/b/control/users.cdb" "$T/busers.good"
for how in garbage truncated empty; do
  for f in servers.cdb users.cdb; do
    case $how in
    garbage) head -c 5000 /dev/urandom >"$T/b/control/$f" ;;
    truncated) head -c $(( $(wc -c <"$T/b/control/$f") / 2 )) "$T/b/control/$f" >"$T/cut"; cp "$T/cut" "$T/b/control/$f" ;;
    empty) : >"$T/b/control/$f" ;;
    esac
    chmod 644 "$T/b/control/$f"
    sleep 1.2 # inboxd looks at its tables once a second
    refused "pickup with a $how $f" "111" asx "$XR" im2k-pickup
    cp "$T/bserv.good" "$T/b/control/servers.cdb"; cp "$T/busers.good" "$T/b/control/users.cdb"
  done
done
# im2k-inboxd keeps private copies of its tables: a file rewritten in
# place cannot pull them away
check "inboxd survives its tables rewritten in place" [ "$(pid b-im2k-inboxd)" = "$bip" ]
for how in garbage empty; do
  case $how in
  garbage) head -c 5000 /dev/urandom >"$T/a/control/servers.cdb" ;;
  empty) : >"$T/a/control/servers.cdb" ;;
  esac
  chmod 644 "$T/a/control/servers.cdb"
  xmsg 100; xsend $XID
  sleep 1.5
  cp "$T/servers.cdb.good" "$T/a/control/servers.cdb"
done
# numbers: renotify and lifetime that are not numbers stop notifyd at
# start with a message; it comes back once they are fixed
for bad in abc -5 99999999999999999999 ''; do
  printf '%s\n' "$bad" >"$T/a/control/renotify"
  svc -t "$T/svc/a-im2k-notifyd"
  sleep 1.5
  check "control/renotify '$bad': notifyd says why" grep -q 'control/renotify' "$T/svc/a-im2k-notifyd/log/main/current"
done
echo 1 >"$T/a/control/renotify"
svc -t "$T/svc/a-im2k-notifyd"
sleep 1.5
# the other files the daemons read at start: each bad value stops the
# daemon with the file's name in the log
# badctl SERVICE FILE VALUE...: each VALUE in FILE makes SERVICE say FILE
badctl() {
  _s=$1 _f=$2; shift 2
  _i=${_s%%-*} _log="$T/svc/$_s/log/main/current"
  rm -f "$T/ctl.saved"; [ -f "$T/$_i/control/$_f" ] && cp "$T/$_i/control/$_f" "$T/ctl.saved"
  for _v in "$@"; do
    printf '%s\n' "$_v" >"$T/$_i/control/$_f"
    _n0=$(grep -c "control/$_f" "$_log")
    svc -t "$T/svc/$_s"
    said() { [ "$(grep -c "control/$_f" "$_log")" -gt "$_n0" ]; }
    waitfor 5 said
    check "control/$_f '$_v': ${_s#*-} stops and says why" said
  done
  rm -f "$T/$_i/control/$_f"
  [ -f "$T/ctl.saved" ] && mv "$T/ctl.saved" "$T/$_i/control/$_f"
  svc -t "$T/svc/$_s"
  sleep 1.2
}
badctl a-im2k-notifyd dnsip 'not an address' '127.0.0.1:0' '127.0.0.1:65536' '1.2.3'
badctl a-im2k-notifyd concurrencyremote 0 1001 x
badctl a-im2k-notifyd smtpretry 0 3601 -1
badctl a-im2k-notifyd postagemax 41 x
badctl b-im2k-inboxd dnsip '::1' 'x:53'
badctl b-im2k-inboxd postage 0 41 abc

# 4. records on disk
isup() { svstat "$T/svc/$1" | grep -q ': up'; }
waitfor 10 isup a-im2k-notifyd
np=$(pid a-im2k-notifyd)
for i in 1 2 3; do
  case $i in
  1) head -c 300 /dev/urandom ;;
  2) printf 'not a job\n' ;;
  3) head -c 40 "$(ls "$XARCH"/*.job | head -n 1)" ;;
  esac >"$T/junk"
  name=$(printf '%08x' "$XUID")$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  cp "$T/junk" "$T/a/queue/job/new/$name"
  chown "$XS:im2kq" "$T/a/queue/job/new/$name"; chmod 640 "$T/a/queue/job/new/$name"
  echo x >"$T/a/queue/trigger"
  waitfor 5 test -e "$T/a/queue/job/bad/$name"
  check "a damaged job ($i) goes to queue/job/bad" [ -e "$T/a/queue/job/bad/$name" ]
done
check "notifyd did not restart for them" [ "$(pid a-im2k-notifyd)" = "$np" ]
[ "$(pid a-im2k-notifyd)" = "$np" ] || tail -n 8 "$T/svc/a-im2k-notifyd/log/main/current" | sed 's/^/#   /' 
# junk in queue/confirm/new
head -c 100 /dev/urandom >"$T/a/queue/confirm/new/junk"
printf 'x\n' >"$T/a/queue/confirm/new/$(printf '%032x' 7).$(printf '%032x' 9)"
chown im2kf "$T/a/queue/confirm/new/"*
echo x >"$T/a/queue/trigger"
sleep 1.5
check "notifyd survives junk confirmations" [ "$(pid a-im2k-notifyd)" = "$np" ]
# a damaged status record and a damaged job copy in the archive
j=$(ls "$XARCH"/*.job | head -n 1)
cp "$j" "$T/job.good"
printf 'garbage' >"$j"
asx "$XS" im2k-status >/dev/null 2>"$T/err"
check "im2k-status with a damaged job: exit 0 or 111, no crash ($?)" [ $? = 0 -o $? = 111 ]
check "im2k-status with a damaged job: says which" grep -q 'damaged' "$T/err"
h=$(basename "$j" .job)
refused "withdraw with a damaged job" "100 111" asx "$XS" im2k-archive -c "$h"
cp "$T/job.good" "$j"; chown "$XS" "$j"; chmod 600 "$j"

# 5. nothing lost, nothing crashed
check "no daemon restarted by the bad input" sh -c "for s in '$T'/svc/b-*; do svstat \$s | grep -q ': up'; done"
[ "$(up_pids)" = "$pids0" ] || echo "# daemons restarted (some on purpose above)"
xfinish 60
xverify
xreport badinput
xvalgrind
[ $FAILED = 0 ]
