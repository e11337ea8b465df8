# protocol.sh: the wire protocol's safety properties against real daemons
# on loopback: no amplification, no answer to garbage, a bounded state,
# unique nonces across restarts, tokens checked before any disk access,
# and a flood of 100,000 hostile datagrams per daemon.  Needs root.
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-proto.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
SA=im2ktpa RB=im2ktpb
trap 'unpair $SA $RB' EXIT
pair $SA $RB
PROBE="$TOP/$B/tests/im2k-probe"
PA=$(pubkey a) PB=$(pubkey b)
KD="$T/home/$RB/.im2k"
FLOOD=${FLOOD:-100000}

# two messages waiting for the receiver: tokens to play with
printf 'Subject: p1\n\none\n' | as $SA a im2k-inject $RB@b.example
head -c 5000 /dev/urandom | as $SA a im2k-inject $RB@b.example
held() { [ "$(as $SA a im2k-status -m | grep -c ' notified ')" = 2 ]; }
waitfor 10 held
check "two notifications held" held

# no amplification, every kind and size, valid and broken, as a stranger
# and as the user with real tokens, and replayed from another address
"$PROBE" amp 127.0.0.3 2000 "$PB" >"$T/out" 2>&1
check "inboxd, stranger: no answer longer than its request ($(tail -n 1 "$T/out"))" grep -q ', 0 answers longer' "$T/out"
FETCH_IP=127.0.0.2 FETCH_PORT=2001 FETCH_PK=$PA "$PROBE" amp 127.0.0.3 2000 "$PB" "$KD" $RB >"$T/out" 2>&1
check "inboxd and fetchd, as the user: no answer longer than its request ($(tail -n 1 "$T/out"))" grep -q ', 0 answers longer' "$T/out"
check "fetches with real tokens were answered" grep -q '^amp: 2 listed messages' "$T/out"
"$PROBE" amp 127.0.0.2 2001 "$PA" >"$T/out" 2>&1
check "fetchd, stranger: no answer longer than its request" grep -q ', 0 answers longer' "$T/out"

# tokens: wrong token, wrong recipient, wrong handle: all refused, and the
# refusal touches no file
if command -v strace >/dev/null; then
  fp=$(pid a-im2k-fetchd)
  strace -q -p "$fp" -e trace=%file,%desc,%network -o "$T/strace" &
  sp=$!
  sleep 0.5
  FETCH_IP=127.0.0.2 FETCH_PORT=2001 FETCH_PK=$PA "$PROBE" badtoken 127.0.0.3 2000 "$PB" "$KD" $RB >"$T/out" 2>&1
  check "wrong tokens, recipients, handles: refused ($(cat "$T/out"))" grep -q '2 messages, 6 wrong requests, 6 refused' "$T/out"
  sleep 0.3
  kill $sp; wait $sp 2>/dev/null
  check "checking those tokens opened no file" sh -c "! grep -E 'open|stat|pread' '$T/strace'"
  check "the strace saw the 6 requests" [ "$(grep -cE '(recvfrom|recvmmsg).*= [1-9]' "$T/strace")" -ge 6 ]
else
  nok "strace is not installed (apt-get install strace)"
fi

# nonces: unique across many answers and across a restart
"$PROBE" nonces 127.0.0.3 2000 "$PB" 2000 >"$T/n1"
svc -t "$T/svc/b-im2k-inboxd"
waitfor 5 sh -c "svstat '$T/svc/b-im2k-inboxd' | grep -q 'up.*[1-9] seconds'"
sleep 0.3
"$PROBE" nonces 127.0.0.3 2000 "$PB" 2000 >"$T/n2"
check "4000 response nonces collected ($(cat "$T/n1" "$T/n2" | wc -l))" [ "$(cat "$T/n1" "$T/n2" | wc -l)" = 4000 ]
check "no response nonce repeats, across a restart" [ "$(sort "$T/n1" "$T/n2" | uniq -d | wc -l)" = 0 ]
check "every response nonce carries the response label" [ "$(grep -vc '^494d324b2d525350' "$T/n1")" = 0 ]
# the restart emptied the inbox; the senders' retransmission refills it
refilled() { FETCH_IP=127.0.0.2 FETCH_PORT=2001 FETCH_PK=$PA "$PROBE" badtoken 127.0.0.3 2000 "$PB" "$KD" $RB | grep -q '^badtoken: 2 '; }
echo 1 >"$T/a/control/renotify"; svc -t "$T/svc/a-im2k-notifyd"
waitfor 10 refilled
check "after the inbox restart, renotification refills it" refilled

# the flood: random noise, fresh keys, mutated and cut requests
for s in b-im2k-inboxd:127.0.0.3:2000:$PB a-im2k-fetchd:127.0.0.2:2001:$PA; do
  svcname=${s%%:*}; r=${s#*:}; ip=${r%%:*}; r=${r#*:}; port=${r%%:*}; key=${r#*:}
  p0=$(pid $svcname)
  rss0=$(awk '/VmRSS/ {print $2}' /proc/$p0/status)
  hexport=$(echo $ip | awk -F. -v p=$port '{ printf "%02X%02X%02X%02X:%04X", $4, $3, $2, $1, p }')
  drops0=$(awk -v p="$hexport" '$2 == p { print $NF }' /proc/net/udp)
  start=$(date +%s.%N)
  "$PROBE" flood $ip $port $FLOOD 7 "$key" >"$T/out" 2>&1
  rc=$?
  end=$(date +%s.%N)
  rss1=$(awk '/VmRSS/ {print $2}' /proc/$p0/status)
  drops1=$(awk -v p="$hexport" '$2 == p { print $NF }' /proc/net/udp)
  echo "# $svcname: $(cat "$T/out"), $(awk "BEGIN { printf \"%.2f\", $end - $start }") s, $((drops1 - drops0)) dropped by the kernel for a full socket buffer, RSS ${rss0} kB -> ${rss1} kB"
  check "$svcname: $FLOOD hostile datagrams got 0 bytes back" [ $rc = 0 ]
  check "$svcname: still the same process" [ "$(pid $svcname)" = "$p0" ]
  check "$svcname: memory bounded (RSS $rss0 -> $rss1 kB)" [ $((rss1 - rss0)) -lt 4096 ]
done
# notifyd listens on no port, but its socket for answers is bound: find it
# through /proc and flood it too
np=$(pid a-im2k-notifyd)
ino=$(ls -l /proc/$np/fd 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p' | head -n 1)
nport=$(awk -v ino="$ino" '$10 == ino { split($2, a, ":"); print a[2] }' /proc/net/udp)
if [ -n "$nport" ]; then
  nport=$(printf '%d' 0x$nport)
  "$PROBE" flood 127.0.0.2 $nport $FLOOD 9 "$PB" >"$T/out" 2>&1
  rc=$?
  echo "# a-im2k-notifyd: $(cat "$T/out")"
  check "a-im2k-notifyd: $FLOOD hostile datagrams got 0 bytes back" [ $rc = 0 ]
  check "a-im2k-notifyd: still the same process" [ "$(pid a-im2k-notifyd)" = "$np" ]
else
  nok "could not find a-im2k-notifyd's socket"
fi
printf 'Subject: after\n\nafter the flood\n' | as $SA a im2k-inject $RB@b.example
if command -v strace >/dev/null; then
  # the control: a real fetch does open the archive, and strace sees it
  strace -q -p "$(pid a-im2k-fetchd)" -e trace=%file -o "$T/strace2" &
  sp=$!
  sleep 0.5
fi
waitfor 10 sh -c "[ \$(ls '$T/home/$RB/Maildir/new' 2>/dev/null | wc -l) -ge 3 ] || (cd '$T/home/$RB' && env HOME='$T/home/$RB' setuidgid $RB '$T/b/bin/im2k-pickup' >/dev/null 2>&1; [ \$(ls '$T/home/$RB/Maildir/new' | wc -l) -ge 3 ])"
check "after the flood, a new message is delivered" [ "$(ls "$T/home/$RB/Maildir/new" | wc -l)" -ge 3 ]
if [ -n "$sp" ]; then
  kill $sp; wait $sp 2>/dev/null
  check "control: a fetch with a right token opens the archive (strace sees it)" grep -q 'openat.*archive' "$T/strace2"
fi
[ $FAILED = 0 ]
