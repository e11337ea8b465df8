# network.sh: a bad network between two ISPs, and many messages across
# it.  Every datagram between sa.example (127.0.2.10) and sb.example
# (127.0.2.11) goes through im2k-relay on 127.0.2.12, which loses 30% in
# each direction, duplicates 10% and reorders 10%; while pickups run,
# the inbox and fetchd are also restarted now and then.  Every message
# accepted arrives exactly once, byte for byte, and is confirmed.
# NET_MESSAGES sets the count; make torture raises it.  Needs root.
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-net.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
. tests/ledger.sh
RELAY="$TOP/$B/tests/im2k-relay"
trap 'kill $r1 $r2 2>/dev/null; xcleanup' EXIT
X=${XIP:-127.0.2}
xpair im2kxna im2kxnb $X.10 $X.11
"$RELAY" $X.12 2000 $X.11 2000 30 10 10 & r1=$!
"$RELAY" $X.12 2001 $X.10 2001 30 10 10 & r2=$!
sed -i "s/^sb.example:$X.11:/sb.example:$X.12:/" "$T/a/control/servers"
sed -i "s/^sa.example:$X.10:2000:2001:/sa.example:$X.12:2000:2001:/" "$T/b/control/servers"
"$T/a/bin/im2k-servers" && "$T/b/bin/im2k-servers" || die "im2k-servers"
COUNT=${NET_MESSAGES:-24}
i=0
while [ $i -lt $COUNT ]; do
  xmsg "$(xrand 30000)"; xsend $XID
  i=$((i + 1))
  if [ $((i % 8)) = 0 ]; then
    xpickup
    case $((i / 8 % 3)) in
    1) svc -k "$T/svc/b-im2k-inboxd" ;;
    2) svc -k "$T/svc/a-im2k-fetchd" ;;
    esac
    wait $XPID
  fi
done
xfinish 300
xverify
xreport network
echo "# $(grep -c . "$T/pickup.err") pickup warnings on the way"
xvalgrind
[ $FAILED = 0 ]
