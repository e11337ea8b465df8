# crash.sh: SIGKILL anywhere.  Messages flow from sa.example (127.0.2.2)
# to sb.example (127.0.2.3) while, trial after trial, one of
# im2k-inject, im2k-archive, im2k-notifyd, im2k-inboxd, im2k-fetchd and
# im2k-pickup is killed at a random moment (daemontools restarts the
# daemons); then im2k-inject, im2k-archive and im2k-pickup are killed
# after their k-th call into the C library, for every k.  In the end
# every message im2k-inject accepted is delivered exactly once, byte for
# byte, and confirmed; none other is delivered twice or in part.
# CRASH_TRIALS (random kills) and CRASH_SWEEPS (rounds of the k sweep)
# set the depth; make torture raises them.  Needs root.
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-crash.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
. tests/ledger.sh
trap xcleanup EXIT
TRIALS=${CRASH_TRIALS:-48}
SWEEPS=${CRASH_SWEEPS:-1}
xpair im2kxca im2kxcb ${XIP:-127.0.2}.2 ${XIP:-127.0.2}.3

# 1. random moments
victims="inject archive notifyd inboxd fetchd pickup"
hits=0 i=0
while [ $i -lt $TRIALS ]; do
  set -- $victims
  shift $((i % 6))
  v=$1
  i=$((i + 1))
  d=$(xrand 40)
  case $v in
  inject|archive)
    xmsg "$(xrand 150000)"; id=$XID
    xinject "$id"
    p=$XPID
    xsleep "$d"
    if [ $v = inject ]; then
      kill -KILL $p 2>/dev/null && hits=$((hits + 1))
    else
      c=$(pgrep -P $p -x im2k-archive) # by name: under SAN the sanitizer has helper processes of its own
      [ -n "$c" ] && kill -KILL $c 2>/dev/null && hits=$((hits + 1))
    fi
    wait $p
    xinjected "$id" $?
    ;;
  pickup)
    xmsg "$(xrand 20000)"; xsend $XID
    xpickup
    p=$XPID
    xsleep "$d"
    kill -KILL $p 2>/dev/null && hits=$((hits + 1))
    wait $p
    ;;
  *)
    case $v in
    inboxd) s=b-im2k-inboxd ;;
    *) s=a-im2k-$v ;;
    esac
    xmsg "$(xrand 20000)"; xsend $XID
    xpickup
    p=$XPID
    xmsg "$(xrand 20000)"; xsend $XID
    xsleep "$d"
    svc -k "$T/svc/$s" && hits=$((hits + 1))
    wait $p
    ;;
  esac
done
echo "# random: $TRIALS trials, $hits kills landed while the program ran"

# 2. the k-th call: a run of each program counted first, then one run
# per k, killed right after its k-th call
newest() { ls -t "$XARCH" | grep -v -e '\.job$' -e '^\.tmp\.' | head -n 1; }
notified() { xstatus | awk -v h="$1" '$1 == h && $5 == "notified" { f = 1 } END { exit !f }'; }
# pickup's waits (poll) are left out: their number follows the timing
sweep() {
  prog=$1 size=$2 kinds=all
  [ $prog = im2k-pickup ] && kinds=write,fsync,link,rename,open,read,close,unlink,mkdir,chmod,net,lock
  : >"$T/count"; chmod 666 "$T/count"
  if [ "$prog" = im2k-pickup ]; then
    xpickup_wait # what is still pending, out of the count
    xmsg "$size"; xsendheld $XID
    xpickup_wait LD_PRELOAD="$FAULTLIB" IM2K_FAULT_PROG=$prog IM2K_FAULT=$kinds IM2K_FAULT_LOG="$T/count"
  else
    xmsg "$size"; xsend $XID LD_PRELOAD="$FAULTLIB" IM2K_FAULT_PROG=$prog IM2K_FAULT=$kinds IM2K_FAULT_LOG="$T/count"
  fi
  calls=$(awk -v p=$prog '$1 == p && NF == 3 { n = $2 } END { print n + 0 }' "$T/count")
  k=1
  while [ $k -le $calls ]; do
    : >"$T/klog"; chmod 666 "$T/klog"
    if [ "$prog" = im2k-pickup ]; then
      xmsg "$size"; xsendheld $XID
      xpickup_wait LD_PRELOAD="$FAULTLIB" IM2K_FAULT_PROG=$prog IM2K_FAULT="$kinds:$k:KILL" IM2K_FAULT_LOG="$T/klog"
      rc=$?
    else
      xmsg "$size"; xsend $XID LD_PRELOAD="$FAULTLIB" IM2K_FAULT_PROG=$prog IM2K_FAULT="$kinds:$k:KILL" IM2K_FAULT_LOG="$T/klog"
      rc=$XRC
    fi
    if grep -q killed "$T/klog" 2>/dev/null; then killed=$((killed + 1)); fi
    [ "$prog" = im2k-archive ] && [ $rc = 0 ] && grep -q killed "$T/klog" 2>/dev/null &&
      echo "# $prog killed after call $k, and still exit 0" && bad=$((bad + 1))
    k=$((k + 1))
  done
  sweeps=$((sweeps + calls))
  echo "# $prog ($size bytes): $calls calls, each one the last ($(date +%s))"
}
killed=0 sweeps=0 bad=0 r=0
# the fault library must be loaded, or the sweep proves nothing
: >"$T/probe"; chmod 666 "$T/probe"
xmsg 10; xsend $XID LD_PRELOAD="$FAULTLIB" IM2K_FAULT_PROG=im2k-archive IM2K_FAULT_LOG="$T/probe"
check "the fault library reaches im2k-archive" grep -q '^im2k-archive [1-9]' "$T/probe"
while [ $r -lt $SWEEPS ]; do
  for s in ${CRASH_SIZES:-100 70000}; do
    sweep im2k-inject $s
    sweep im2k-archive $s
  done
  for s in ${CRASH_PICKUP_SIZES:-100}; do
    sweep im2k-pickup $s
  done
  r=$((r + 1))
done
check "a killed im2k-inject never reports success" [ $bad = 0 ]
echo "# k sweep: $sweeps runs, $killed killed"

# 3. every daemon still up; everything accepted arrives once, confirmed
xfinish 120
xverify
xreport crash
for s in "$T"/svc/*; do
  check "$(basename "$s") up at the end" sh -c "svstat '$s' | grep -q ': up'"
done
echo "# torture crash-trials $((TRIALS + sweeps))"
[ $FAILED = 0 ]
