# faults.sh: EIO, ENOSPC and EDQUOT from write, fsync, link and rename,
# at every such call of im2k-inject, im2k-archive and im2k-pickup, one at
# a time (a preloaded library makes the N-th call fail).  A run whose
# call failed exits 111 and says why, leaves no message or job behind in
# the archive and the queue, delivers nothing partial, and confirms
# nothing it has not delivered.  In the end every message accepted is
# delivered once and confirmed.  FAULT_SIZES and FAULT_ROUNDS set the
# depth; make torture raises them.  Sender sa.example on 127.0.2.4,
# receiver sb.example on 127.0.2.5.  Needs root.
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-faults.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
. tests/ledger.sh
trap xcleanup EXIT
SIZES=${FAULT_SIZES:-"100 70000"}
# pickup writes once per block received: its sweep is kept to small
# messages unless asked
PSIZES=${FAULT_PICKUP_SIZES:-"100"}
ROUNDS=${FAULT_ROUNDS:-1}
xpair im2kxfa im2kxfb ${XIP:-127.0.2}.4 ${XIP:-127.0.2}.5
trials=0 fired=0 badrc=0 badmsg=0 leftover=0 badpick=0 badconf=0
: >"$T/log"; chmod 666 "$T/log"
clear='im2k-(inject|archive|pickup): (fatal|warning): .*(input/output error|no space left on device|disk quota exceeded)'

# handles: the names in the archive and in the queue, one a line
handles() {
  { ls -A "$XARCH"; ls -A "$T/a/queue/job/new" "$T/a/queue/job/cur" "$T/a/queue/job/tmp"; } 2>/dev/null |
    sed 's/\.job$//' | sort -u
}

# 1. the sender's side
sender_side() {
  prog=$1 kind=$2 size=$3
  : >"$T/log"
  xmsg "$size"; xsend $XID LD_PRELOAD="$FAULTLIB" IM2K_FAULT_PROG=$prog IM2K_FAULT=$kind IM2K_FAULT_LOG="$T/log"
  calls=$(awk -v p=$prog '$1 == p && NF == 3 { n = $2 } END { print n + 0 }' "$T/log")
  for err in EIO ENOSPC EDQUOT; do
    n=1
    while [ $n -le $calls ]; do
      : >"$T/log"
      handles >"$T/before"
      xmsg "$size"
      : >"$T/inject.err"
      xsend $XID LD_PRELOAD="$FAULTLIB" IM2K_FAULT_PROG=$prog IM2K_FAULT="$kind:$n:$err" IM2K_FAULT_LOG="$T/log"
      trials=$((trials + 1))
      if grep -q ' fired ' "$T/log"; then
        fired=$((fired + 1))
        if [ $XRC != 111 ] && [ $XRC != 0 ]; then
          badrc=$((badrc + 1)); echo "# $prog: $kind call $n failing with $err: exit $XRC"
          sed 's/^/#   /' "$T/inject.err"
        fi
        if [ $XRC = 111 ] && ! grep -i -E -q "$clear" "$T/inject.err"; then
          badmsg=$((badmsg + 1)); echo "# $prog: $kind call $n failing with $err: unclear message:"
          sed 's/^/#   /' "$T/inject.err"
        fi
        if [ $XRC != 0 ]; then
          handles >"$T/after"
          if ! cmp -s "$T/before" "$T/after"; then
            leftover=$((leftover + 1))
            echo "# $prog: $kind call $n failing with $err (exit $XRC) left:" $(comm -13 "$T/before" "$T/after")
          fi
        fi
      fi
      n=$((n + 1))
    done
  done
}

# 2. the receiver's side: notifyd is stopped while pickup runs, so that
# a confirmation stays in queue/confirm/new where the test sees it
newest() { ls -t "$XARCH" | grep -v -e '\.job$' -e '^\.tmp\.' | head -n 1; }
isdown() { svstat "$T/svc/a-im2k-notifyd" | grep -q ': down'; }
receiver_side() {
  kind=$1 size=$2 prog=im2k-pickup
  svc -u "$T/svc/a-im2k-notifyd"
  xpickup_wait
  xmsg "$size"; xsendheld $XID
  : >"$T/log"
  xpickup_wait LD_PRELOAD="$FAULTLIB" IM2K_FAULT_PROG=$prog IM2K_FAULT=$kind IM2K_FAULT_LOG="$T/log"
  calls=$(awk -v p=$prog '$1 == p && NF == 3 { n = $2 } END { print n + 0 }' "$T/log")
  for err in EIO ENOSPC EDQUOT; do
    n=1
    while [ $n -le $calls ]; do
      svc -u "$T/svc/a-im2k-notifyd"
      xmsg "$size"; xsendheld $XID
      h=$(newest)
      svc -d "$T/svc/a-im2k-notifyd"
      waitfor 10 isdown
      : >"$T/log"
      : >"$T/pickup.err"
      xpickup_wait LD_PRELOAD="$FAULTLIB" IM2K_FAULT_PROG=$prog IM2K_FAULT="$kind:$n:$err" IM2K_FAULT_LOG="$T/log"
      rc=$?
      trials=$((trials + 1))
      if grep -q ' fired ' "$T/log"; then
        fired=$((fired + 1))
        if [ $rc != 111 ]; then
          badrc=$((badrc + 1)); echo "# pickup: $kind call $n failing with $err: exit $rc"
        elif ! grep -i -E -q "$clear" "$T/pickup.err"; then
          badmsg=$((badmsg + 1)); echo "# pickup: $kind call $n failing with $err: unclear message:"
          sed 's/^/#   /' "$T/pickup.err"
        fi
        # delivered: whole, or not at all; confirmed: only if delivered
        f=$(ls "$XMD/new" "$XMD/cur" 2>/dev/null | grep "^$h\." | head -n 1)
        if [ -n "$f" ]; then
          p=$(ls "$XMD"/new/$f "$XMD"/cur/$f 2>/dev/null | head -n 1)
          tail -n +3 "$p" | cmp -s - "$T/in/$XID" || {
            badpick=$((badpick + 1)); echo "# pickup: $kind call $n failing with $err: partial $f"; }
        elif ls "$T/a/queue/confirm/new" | grep -q -E "^$h\.[0-9a-f]{32}$"; then
          badconf=$((badconf + 1)); echo "# pickup: $kind call $n failing with $err: confirmed, not delivered"
        fi
      fi
      n=$((n + 1))
    done
  done
  svc -u "$T/svc/a-im2k-notifyd"
}

r=0
while [ $r -lt $ROUNDS ]; do
  for size in $SIZES; do
    for kind in write fsync link rename; do
      sender_side im2k-inject $kind $size
      sender_side im2k-archive $kind $size
    done
  done
  for size in $PSIZES; do
    for kind in write fsync link rename; do
      receiver_side $kind $size
    done
  done
  r=$((r + 1))
done
echo "# $trials fault trials, $fired faults fired"
check "faults fired" [ $fired -gt 0 ]
check "every failing run exits 111 (or 0, when what failed was not needed)" [ $badrc = 0 ]
check "every failing run says why" [ $badmsg = 0 ]
check "no failing run leaves a message or a job behind" [ $leftover = 0 ]
check "no failing pickup delivers part of a message" [ $badpick = 0 ]
check "no confirmation after a failed delivery" [ $badconf = 0 ]
xfinish 120
xverify
xreport faults
echo "# torture fault-trials $trials"
[ $FAILED = 0 ]
