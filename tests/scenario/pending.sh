# pending.sh: 100,000 recipients at a domain whose ISP never answers stay
# pending in im2k-notifyd, which keeps retransmitting to them; meanwhile a
# message to a live ISP is still notified, delivered and confirmed.  The
# figures (load time, first round of sendings) are printed, not asserted.
# Needs root.  NPEND overrides the number.
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-pend.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
SA=im2ktqa RB=im2ktqb
NPEND=${NPEND:-100000}
trap 'unpair $SA $RB' EXIT
pair $SA $RB
echo "dead.example:127.0.0.9:2000:2001:$(pubkey b)" >>"$T/a/control/servers"
"$T/a/bin/im2k-servers"
UA=$(id -u $SA)

# the envelope, straight to im2k-archive (too many for a command line)
awk -v n=$NPEND 'BEGIN { printf "F%c", 0; for (i = 1; i <= n; i++) printf "Tr%06d@dead.example%c", i, 0; printf "%c", 0 }' >"$T/env"
chmod 644 "$T/env"
printf 'Subject: to nobody\n\nnobody answers\n' >"$T/msg"; chmod 644 "$T/msg"
t0=$(date +%s.%N)
as $SA a im2k-archive <"$T/msg" 1<"$T/env"
check "archive takes $NPEND recipients" [ $? = 0 ]
h=$(ls "$T/a/archive/$UA" | grep -v '\.job$')
tried() { [ "$(as $SA a im2k-status -m | awk '$6 >= 1' | wc -l)" -ge $NPEND ]; }
k=0; while [ $k -lt 150 ] && ! tried; do sleep 2; k=$((k + 1)); done
t1=$(date +%s.%N)
check "every one of the $NPEND was sent a notification" tried
echo "# $NPEND recipients loaded and each notified once in $(awk "BEGIN { printf \"%.1f s, %.0f notifications/s\", $t1 - $t0, $NPEND / ($t1 - $t0) }")"

# a live message goes through while they wait
t2=$(date +%s.%N)
printf 'Subject: live\n\nstill moving\n' | as $SA a im2k-inject $RB@b.example
live() { as $SA a im2k-status -m | grep -q " $RB@b.example notified "; }
waitfor 60 live
as $RB b im2k-pickup
confirmed() { as $SA a im2k-status -m | grep -q " $RB@b.example confirmed "; }
waitfor 60 confirmed
t3=$(date +%s.%N)
check "with $NPEND pending, a live message is delivered and confirmed" confirmed
echo "# live message notified, fetched and confirmed in $(awk "BEGIN { printf \"%.2f s\", $t3 - $t2 }") with $NPEND pending"
check "the $NPEND are still pending, retried" [ "$(as $SA a im2k-status -m | awk -v h=$h '$1 == h && $5 == "queued" && $6 >= 2' | wc -l)" -ge 1 ]
np=$(pid a-im2k-notifyd)
echo "# notifyd: RSS $(awk '/VmRSS/ {print $2}' /proc/$np/status) kB, CPU $(awk '{print ($14 + $15) / 100}' /proc/$np/stat) s"
[ $FAILED = 0 ]
