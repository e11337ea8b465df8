# large.sh: a 100 MiB message from a.example to b.example through the
# windowed fetch, byte-identical; a corrupted and a truncated archive
# copy are never delivered.  Needs root.  SIZE_MB overrides the size.
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-large.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
SA=im2ktla RB=im2ktlb
trap 'unpair $SA $RB' EXIT
pair $SA $RB
MB=${SIZE_MB:-100}
UA=$(id -u $SA)
MD="$T/home/$RB/Maildir"
notified() { [ "$(as $SA a im2k-status -m | grep -c ' notified ')" = "$1" ]; }

head -c $((MB * 1048576)) /dev/urandom >"$T/big"
chmod 644 "$T/big"
as $SA a im2k-inject $RB@b.example <"$T/big"
check "inject of $MB MiB exits 0" [ $? = 0 ]
waitfor 20 notified 1
t0=$(date +%s.%N)
as $RB b im2k-pickup >"$T/out" 2>&1
rc=$?
t1=$(date +%s.%N)
echo "# $MB MiB fetched and delivered in $(awk "BEGIN { printf \"%.2f s, %.1f MiB/s\", $t1 - $t0, $MB / ($t1 - $t0) }")"
check "pickup of $MB MiB exits 0" [ $rc = 0 ]
f=$(ls "$MD/new" | head -n 1)
a=$(ls "$T/a/archive/$UA" | grep -v '\.job$')
same() { tail -c +$(( $(head -n 2 "$MD/new/$f" | wc -c) + 1 )) "$MD/new/$f" | cmp -s - "$T/a/archive/$UA/$a"; }
check "$MB MiB delivered byte-identical to the archived copy" same
check "whose tail is the $MB MiB sent" sh -c "tail -c $((MB * 1048576)) '$MD/new/$f' | cmp -s - '$T/big'"
rm -f "$MD/new/$f" "$T/a/archive/$UA/$a" "$T/a/archive/$UA/$a.job"

# the archive copy changes after the notification: same size, one byte
# different; then cut short.  Neither may be delivered, or confirmed.
printf 'Subject: two\n\n%s\n' "$(head -c 30000 /dev/urandom | od -An -tx1 | tr -d ' \n')" | as $SA a im2k-inject $RB@b.example
waitfor 10 notified 1
h=$(ls "$T/a/archive/$UA" | grep -v '\.job$')
printf 'X' | dd of="$T/a/archive/$UA/$h" bs=1 seek=20000 conv=notrunc 2>/dev/null
as $RB b im2k-pickup 2>"$T/err"
check "corrupted copy: pickup exits 111" [ $? = 111 ]
check "corrupted copy: says the hash does not match" grep -q 'does not match its hash' "$T/err"
check "corrupted copy: nothing delivered, tmp empty" [ -z "$(ls "$MD/new" "$MD/tmp" | grep -v ':$' | grep .)" ]
truncate -s 10000 "$T/a/archive/$UA/$h"
as $RB b im2k-pickup 2>"$T/err"
check "truncated copy: pickup exits 111" [ $? = 111 ]
check "truncated copy: nothing delivered, tmp empty" [ -z "$(ls "$MD/new" "$MD/tmp" | grep -v ':$' | grep .)" ]
confirmed() { as $SA a im2k-status -m | grep -q ' confirmed '; }
unconfirmed() { ! confirmed; }
check "neither was confirmed" unconfirmed
[ $FAILED = 0 ]
