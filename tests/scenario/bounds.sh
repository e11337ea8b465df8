# bounds.sh: each daemon at its documented limits.  The inbox's 10,000
# notifications per user, the key caches under a flood of fresh keys,
# every daemon with only a few descriptors (softlimit -o in its run
# script), im2k-archive's 100,000 recipients.  Each refuses what is over
# its limit (a temporary refusal, or no answer) and goes on: no daemon
# dies, and every message accepted is delivered once and confirmed.
# Sender sa.example on 127.0.2.8, receiver sb.example on 127.0.2.9.
# Needs root.
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-bounds.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
. tests/ledger.sh
trap xcleanup EXIT
IPA=${XIP:-127.0.2}.8 IPB=${XIP:-127.0.2}.9
xpair im2kxda im2kxdb $IPA $IPB
NOTES="$TOP/$B/tests/im2k-notes"
PROBE="$TOP/$B/tests/im2k-probe"
noerrs() { ! grep -l -E 'AddressSanitizer|runtime error|LeakSanitizer' "$T"/svc/*/log/main/current >/dev/null 2>&1; }
for s in "$T"/svc/*/run; do
  check "$(basename "$(dirname "$s")") runs under softlimit" grep -q 'softlimit -o ' "$s"
done

# 1. the inbox holds at most 10,000 notifications per user
ip=$(pid b-im2k-inboxd)
"$NOTES" $IPB 2000 "$(pubkey b)" "$T/a/keys/secret" "$XS@sa.example" "$XR@sb.example" 10050 >"$T/notes"
echo "# inbox: $(cat "$T/notes")"
check "inbox: takes 10,000 notifications for one user" grep -q '^ok 10000 ' "$T/notes"
check "inbox: refuses the rest for now (temp)" grep -q ' temp 50 ' "$T/notes"
check "inbox: still the same process" [ "$(pid b-im2k-inboxd)" = "$ip" ]
"$NOTES" $IPB 2000 "$(pubkey b)" "$T/a/keys/secret" "$XS@sa.example" "nobody@sb.example" 10 >"$T/notes"
check "inbox: a user it does not know: noent" grep -q ' noent 10 ' "$T/notes"
# a real message waits while the box is full, and arrives once it is not
xmsg 500; xsend $XID
sleep 1
svc -t "$T/svc/b-im2k-inboxd"
sleep 1.5

# 2. the key caches under a flood of fresh keys
ip=$(pid b-im2k-inboxd) fp=$(pid a-im2k-fetchd)
"$PROBE" flood $IPB 2000 ${FLOOD:-20000} 7 "$(pubkey b)" >"$T/flood1" 2>&1 &
f1=$!
"$PROBE" flood $IPA 2001 ${FLOOD:-20000} 8 "$(pubkey a)" >"$T/flood2" 2>&1 &
f2=$!
i=0
while [ $i -lt 5 ]; do xmsg 3000; xsend $XID; i=$((i + 1)); done
xpickup_wait
wait $f1 $f2
check "flood: the inbox did not answer it" grep -q 'received 0 bytes' "$T/flood1"
check "flood: the inbox is the same process" [ "$(pid b-im2k-inboxd)" = "$ip" ]
check "flood: fetchd is the same process" [ "$(pid a-im2k-fetchd)" = "$fp" ]

# 3. few descriptors: every daemon restarted with softlimit -o 12
for s in "$T"/a/service/*/run "$T"/b/service/*/run; do sed -i 's/softlimit -o [0-9]*/softlimit -o 12/' "$s"; done
for s in "$T"/svc/*; do case $s in */log) ;; *) svc -t "$s" ;; esac; done
sleep 1.5
i=0
while [ $i -lt 10 ]; do xmsg 2000; xsend $XID; i=$((i + 1)); done
xpickup & p1=$!
xpickup & p2=$!
wait $p1 $p2
sleep 2
xpickup_wait
xverify
echo "# few descriptors: $XLOST accepted messages not yet delivered; the daemons said:"
cat "$T"/svc/*/log/main/current | grep -i -E 'fatal|warning|descriptor|too many' | cut -c 26- | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/#   /'
check "no sanitizer report in any daemon's log" noerrs
for s in "$T"/a/service/*/run "$T"/b/service/*/run; do sed -i 's/softlimit -o [0-9]*/softlimit -o 1024/' "$s"; done
for s in "$T"/svc/*; do case $s in */log) ;; *) svc -t "$s" ;; esac; done
sleep 1.5

# 4. im2k-archive: at most 100,000 recipients
{ printf 'F\0'; i=0; while [ $i -le 100000 ]; do printf 'Tr%d@sb.example\0' $i; i=$((i + 1)); done; printf '\0'; } >"$T/env.big"
chmod 644 "$T/env.big"
c=$(ls "$XARCH" | wc -l)
(cd "$XH" && env HOME="$XH" setuidgid "$XS" "$T/a/bin/im2k-archive" <"$T/in/m1" 1<"$T/env.big") 2>"$T/err"
check "archive: 100,001 recipients: exit 100" [ $? = 100 ]
check "archive: and says the limit" grep -q 'at most 100000' "$T/err"
check "archive: nothing stored" [ "$(ls "$XARCH" | wc -l)" = "$c" ]

# 5. nothing lost
xfinish 60
xverify
xreport bounds
for s in "$T"/svc/*; do
  check "$(basename "$s") up at the end" sh -c "svstat '$s' | grep -q ': up'"
done
xvalgrind
[ $FAILED = 0 ]
