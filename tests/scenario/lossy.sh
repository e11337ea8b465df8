# lossy.sh: the network between the ISPs loses 30% of datagrams in each
# direction, duplicates 10% and reorders 10%: notifications, fetches and
# confirmations all cross it.  Every message must still arrive exactly
# once, byte-identical, and be confirmed.  Needs root.
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-lossy.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
SA=im2ktya RB=im2ktyb
RELAY="$TOP/$B/tests/im2k-relay"
LOSS=${LOSS:-30}
trap 'kill $r1 $r2 2>/dev/null; unpair $SA $RB' EXIT
pair $SA $RB
# a reaches b's inbox through 127.0.0.4:2000; b reaches a's fetchd through
# 127.0.0.4:2001: the servers tables say so
"$RELAY" 127.0.0.4 2000 127.0.0.3 2000 $LOSS 10 10 & r1=$!
"$RELAY" 127.0.0.4 2001 127.0.0.2 2001 $LOSS 10 10 & r2=$!
sed -i "s/^b.example:127.0.0.3:/b.example:127.0.0.4:/" "$T/a/control/servers"
sed -i "s/^a.example:127.0.0.2:2000:2001:/a.example:127.0.0.4:2000:2001:/" "$T/b/control/servers"
"$T/a/bin/im2k-servers" && "$T/b/bin/im2k-servers"
UA=$(id -u $SA)
MD="$T/home/$RB/Maildir"
n=0
for size in 0 1 1023 1024 1025 5000 65536 200000; do
  head -c $size /dev/urandom >"$T/m$n"
  chmod 644 "$T/m$n"
  as $SA a im2k-inject $RB@b.example <"$T/m$n" || nok "inject $size bytes"
  n=$((n + 1))
done
all() { [ "$(as $SA a im2k-status -m | grep -c " $1 ")" = $n ]; }
# pickup until everything is in: a run may fail part-way (exit 111), and a
# notification may still be on its way through the loss
runs=0 t0=$(date +%s)
while [ $runs -lt 90 ]; do
  runs=$((runs + 1))
  as $RB b im2k-pickup 2>>"$T/err" && [ "$(ls "$MD/new" | wc -l)" = $n ] && break
  sleep 1
done
echo "# $runs pickup runs in $(( $(date +%s) - t0 )) s; $(grep -c . "$T/err") warnings"
check "$n messages delivered" [ "$(ls "$MD/new" | wc -l)" = $n ]
k=0
for h in $(ls "$T/a/archive/$UA" | grep -v '\.job$'); do
  f=$(ls "$MD/new" | grep "^$h\.")
  if [ "$(echo "$f" | grep -c .)" = 1 ] &&
     tail -c +$(( $(head -n 2 "$MD/new/$f" | wc -c) + 1 )) "$MD/new/$f" | cmp -s - "$T/a/archive/$UA/$h"; then
    k=$((k + 1))
  fi
done
check "each exactly once and byte-identical ($k of $n)" [ $k = $n ]
waitfor 60 all confirmed
check "all confirmed" all confirmed
[ $FAILED = 0 ]
