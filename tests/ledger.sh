# ledger.sh: two ISPs and a ledger of every message sent, shared by the
# crash, fault, bad-input, bound and network scenario tests (which make
# torture runs deeper).  Sourced after tests/tap.sh and tests/lib.sh, with T set.  Each
# test lays out its own two ISPs on its own 127.0.2.x addresses, with
# accounts named im2kx*, so that it can run beside the other scenario
# tests.  Every message a test sends carries an X-Torture-Id field; the
# ledger $T/ledger says, per message, whether im2k-inject accepted it
# (exit 0), and keeps the bytes given to it in $T/in/ID.

FAULTLIB="$TOP/$B/tests/im2k-fault.so"
# a sanitizer build checks the order of its runtime among the libraries;
# the fault library comes first by design
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# xrand MAX: a random number from 0 to MAX-1
xrand() { echo $(( $(od -An -N4 -tu4 /dev/urandom) % $1 )); }
# xsleep MS: sleep MS milliseconds
xsleep() { sleep "$(printf '0.%03d' "$1")"; }

# xuser NAME [GROUP]: an account for a test, its home under $T/home;
# with GROUP, that is its primary group (see xpair)
xuser() {
  _xh="$T/home/$1"
  userdel "$1" 2>/dev/null; groupdel "$1" 2>/dev/null
  if [ -n "$2" ]; then
    useradd --no-create-home --home-dir "$_xh" --shell /bin/sh -g "$2" "$1" || die "useradd $1"
  else
    useradd --no-create-home --home-dir "$_xh" --shell /bin/sh -U "$1" || die "useradd $1"
  fi
  mkdir -p "$_xh" && chown "$1:" "$_xh" && chmod 700 "$_xh"
  XUSERS="$XUSERS $1"
}
XUSERS=
xcleanup() {
  stop
  for _u in $XUSERS; do userdel "$_u" 2>/dev/null; groupdel "$_u" 2>/dev/null; done
  rm -rf "$T"
}

# xpair SENDER RECEIVER IPA IPB: ISPs a (sa.example on IPA) and b
# (sb.example on IPB), peered, daemons running.  A preloaded library is
# ignored by a set-group-id program, so the sender's primary group is
# the queue group and a's im2k-archive is not set-group-id: the same ids
# and the same files as the installed program, and the fault library
# reaches it.
xpair() {
  accounts
  # XSUF: a suffix for the account names, so that two runs can share a
  # machine (with XIP, another 127.0.x for the addresses)
  XS=$1$XSUF XR=$2$XSUF
  xuser "$XS" "$(sed -n 1p "$TOP/conf-users")"
  xuser "$XR"
  isp a sa.example "$3"
  isp b sb.example "$4"
  chmod 0755 "$T/a/bin/im2k-archive"
  peer a b
  receiver b "$XR"
  sender a "$XS"
  echo "${RENOTIFY:-1}" >"$T/a/control/renotify"
  echo 1 >"$T/b/control/logheld" # a "held" line per note, for xsendheld
  # IM2K_VALGRIND=1: the daemons run under valgrind memcheck, each
  # writing its reports to $T/vg.PID (checked by xvalgrind)
  if [ -n "$IM2K_VALGRIND" ]; then
    for _r in "$T"/a/service/*/run "$T"/b/service/*/run; do
      sed -i "s|softlimit \(-o [0-9]*\) |softlimit \1 valgrind -q --vgdb=no --leak-check=full --errors-for-leak-kinds=definite --log-file=$T/vg.%p |" "$_r"
    done
  fi
  services a b
  XUID=$(id -u "$XS")
  XH=$(getent passwd "$XS" | cut -d: -f6)
  XRH=$(getent passwd "$XR" | cut -d: -f6)
  XMD="$XRH/Maildir"
  XARCH="$T/a/archive/$XUID"
  mkdir -p "$T/in" && chmod 755 "$T/in"
  : >"$T/ledger"
  XSEQ=0
}

# xmsg SIZE: a new message of about SIZE random body bytes in $T/in/ID,
# with every header inject would add, so that the bytes stored are the
# bytes given; its ID in XID
xmsg() {
  XSEQ=$((XSEQ + 1))
  _id="m$XSEQ"
  XID=$_id
  {
    printf 'From: %s@sa.example\nTo: %s@sb.example\nDate: Fri, 27 Nov 2026 10:00:00 +0000\n' "$XS" "$XR"
    printf 'Message-ID: <%s.%s@sa.example>\nX-Torture-Id: %s\nSubject: %s\n\n' "$_id" "$$" "$_id" "$_id"
    head -c "$1" /dev/urandom | od -An -tx1 -v | tr -d ' \n' | fold -w 76
    printf '\nend of %s\n' "$_id"
  } >"$T/in/$_id"
  chmod 644 "$T/in/$_id"
}

# xinject ID [ENV...]: im2k-inject as the sender, in the background;
# its pid in XPID.  xinjected ID RC: into the ledger.
xinject() {
  _id=$1; shift
  env HOME="$XH" "$@" setuidgid "$XS" "$T/a/bin/im2k-inject" "$XR@sb.example" \
    <"$T/in/$_id" >/dev/null 2>>"$T/inject.err" &
  XPID=$!
}
xinjected() { echo "$1 $2" >>"$T/ledger"; }
# xsend ID [ENV...]: inject in the foreground, ledger it; exit code in XRC
xsend() {
  _id=$1
  xinject "$@"
  wait $XPID
  XRC=$?
  xinjected "$_id" $XRC
}

# xpickup [ENV...]: im2k-pickup as the receiver in the background (XPID)
xpickup() {
  (cd "$XRH" && exec env HOME="$XRH" "$@" setuidgid "$XR" "$T/b/bin/im2k-pickup") \
    >/dev/null 2>>"$T/pickup.err" &
  XPID=$!
}
xpickup_wait() { xpickup "$@"; wait $XPID; }

# xheld: the last "held" line of b's inbox log (one for each new
# notification, each with its own time stamp; multilog may have started
# a new file since); xsendheld ID: xsend, then wait until the inbox holds
# the notification
xheld() { grep ' held ' "$T/svc/b-im2k-inboxd/log/main/current" 2>/dev/null | tail -n 1; }
xheldnew() { _l=$(xheld); [ -n "$_l" ] && [ "$_l" != "$1" ]; }
xsendheld() {
  _held=$(xheld)
  xsend "$@"
  waitfor 10 xheldnew "$_held"
}

# xstatus: the sender's im2k-status -m
xstatus() { (cd "$XH" && env HOME="$XH" setuidgid "$XS" "$T/a/bin/im2k-status" -m); }

# xfinish SECONDS: run pickup until every accepted message is delivered
# and confirmed, or SECONDS pass.  notifyd is restarted first: a restart
# sends every pending notification at once, whatever its backoff.
xfinish() {
  svc -t "$T/svc/a-im2k-notifyd"
  _end=$(( $(date +%s) + $1 ))
  while [ "$(date +%s)" -lt $_end ]; do
    xpickup_wait
    xverify quiet && break
    sleep 0.3
  done
}

# xverify [quiet]: compare the ledger with the receiver's Maildir and the
# sender's status.  Sets XLOST (accepted, not delivered), XDUP (delivered
# more than once), XPARTIAL (delivered not byte for byte, or unknown),
# XUNCONF (accepted, not confirmed), XSTRAY (not accepted, delivered
# once: allowed).  0 when the first four are 0.
xverify() {
  _v="$T/verify"
  mkdir -p "$_v"
  : >"$_v/deliv"
  for _f in "$XMD"/new/* "$XMD"/cur/*; do
    [ -f "$_f" ] || continue
    # messages a test checks itself (no X-Torture-Id): $T/skip
    _b=${_f##*/}
    grep -q -x "${_b%%.*}" "$T/skip" 2>/dev/null && continue
    _id=$(sed -n '3,40{s/^X-Torture-Id: //p}' "$_f" | head -n 1)
    if [ -n "$_id" ] && [ -f "$T/in/$_id" ] &&
       sed -n '1{/^Return-Path: </!q1};2{/^Delivered-To: /!q1}' "$_f" &&
       tail -n +3 "$_f" | cmp -s - "$T/in/$_id"; then
      echo "$_id ok" >>"$_v/deliv"
    else
      echo "${_id:-?} bad $_f" >>"$_v/deliv"
    fi
  done
  # handles of the messages in the archive, by id, and their states
  : >"$_v/arch"
  for _f in "$XARCH"/*; do
    case $_f in *.job|*/.tmp.*) continue ;; esac
    [ -f "$_f" ] || continue
    _id=$(sed -n '1,40{s/^X-Torture-Id: //p}' "$_f" | head -n 1)
    echo "${_f##*/} $_id" >>"$_v/arch"
  done
  xstatus >"$_v/status" 2>/dev/null
  set -- $(awk -v vf="$_v" '
    FILENAME == vf "/deliv" { n[$1]++; if ($2 == "bad") bad++; next }
    FILENAME == vf "/arch" { h2id[$1] = $2; next }
    FILENAME == vf "/status" { if ($5 == "confirmed") conf[h2id[$1]] = 1; next }
    { acc[$1] = ($2 == 0) }
    END {
      for (i in acc) {
        if (acc[i] && !n[i]) lost++
        if (acc[i] && !conf[i]) unconf++
        if (!acc[i] && n[i] == 1) stray++
      }
      for (i in n) if (n[i] > 1 && i != "?") dup++
      printf "%d %d %d %d %d\n", lost, dup, bad, unconf, stray
    }' "$_v/deliv" "$_v/arch" "$_v/status" "$T/ledger")
  XLOST=$1 XDUP=$2 XPARTIAL=$3 XUNCONF=$4 XSTRAY=$5
  [ "$1$2$3$4" = 0000 ]
}

# xreport WHAT: the verdict line for WHAT, and the checks
xreport() {
  _acc=$(awk '$2 == 0' "$T/ledger" | wc -l)
  _all=$(wc -l <"$T/ledger")
  echo "# $1: $_all messages, $_acc accepted: $XLOST lost, $XDUP duplicated, $XPARTIAL partial, $XUNCONF unconfirmed ($XSTRAY not accepted but delivered once)"
  check "$1: 0 lost" [ "$XLOST" = 0 ]
  check "$1: 0 duplicated" [ "$XDUP" = 0 ]
  check "$1: 0 partial" [ "$XPARTIAL" = 0 ]
  check "$1: every accepted message confirmed" [ "$XUNCONF" = 0 ]
  if [ "$XPARTIAL" != 0 ]; then grep ' bad ' "$T/verify/deliv" | head -n 5 | sed 's/^/# /'; fi
}

# xvalgrind: with IM2K_VALGRIND, stop the daemons and check that
# valgrind reported nothing
xvalgrind() {
  [ -n "$IM2K_VALGRIND" ] || return 0
  stop
  sleep 1
  _vg=$(cat "$T"/vg.* 2>/dev/null | grep '^==[0-9]*== .' | grep -v -c 'Warning: ')
  echo "# valgrind: $(ls "$T"/vg.* 2>/dev/null | wc -l) daemon runs checked"
  check "valgrind: no reports from the daemons" [ "$_vg" = 0 ]
  [ "$_vg" = 0 ] || cat "$T"/vg.* | head -n 40 | sed 's/^/# /'
}
