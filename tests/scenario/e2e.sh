# e2e.sh: two ISPs on 127.0.0.2 and 127.0.0.3 under daemontools; one
# user of each; messages from a.example to b.example, checked on disk at
# every step.  Needs root (accounts, setuidgid).
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-e2e.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
SA=im2ktalice RB=im2ktbob
trap 'unpair $SA $RB' EXIT
RENOTIFY=2 # renotify after 2 s, for the inbox restart case
pair $SA $RB
UA=$(id -u $SA)
MD="$T/home/$RB/Maildir"
st_has() { as $SA a im2k-status -m | grep -q -- "$1"; }
st_count() { [ "$(as $SA a im2k-status -m | grep -c -- "$1")" = "$2" ]; }

# daemons: none runs as root
for s in "$T"/svc/*; do
  pid=$(svstat "$s" | sed -n 's/.*(pid \([0-9]*\)).*/\1/p')
  u=$(ps -o user= -p "$pid")
  check "$(basename "$s") runs as $u, not root" [ -n "$u" -a "$u" != root ]
done

# 1. a message with all its headers is stored byte for byte
msg="$T/msg1"
printf 'From: %s@a.example\nTo: %s@b.example\nDate: Fri, 27 Nov 2026 10:00:00 +0000\nMessage-ID: <t1@a.example>\nSubject: one\n\nfirst line\nsecond line\n' $SA $RB >"$msg"
as $SA a im2k-inject $RB@b.example <"$msg"
check "inject exits 0" [ $? = 0 ]
f=$(ls "$T/a/archive/$UA" | grep -v '\.job$' | head -n 1)
check "archive holds the message" [ -n "$f" ]
check "archived bytes are the message" cmp -s "$msg" "$T/a/archive/$UA/$f"
check "archived file owned by the sender" [ "$(stat -c %U:%G:%a "$T/a/archive/$UA/$f")" = "$SA:im2kr:640" ]
check "job file in the archive is the sender's, 0600" [ "$(stat -c %U:%a "$T/a/archive/$UA/$f.job")" = "$SA:600" ]
check "another user cannot read the archive" sh -c "! setuidgid $RB cat '$T/a/archive/$UA/$f' 2>/dev/null"
waitfor 5 st_has " notified "
check "status: notified once the inbox holds it" st_has "^$f .* $RB@b.example notified "
as $RB b im2k-pickup >"$T/out" 2>&1
check "pickup exits 0 and is quiet" [ $? = 0 -a ! -s "$T/out" ]
n=$(ls "$MD/new" | wc -l)
check "one file in Maildir/new" [ "$n" = 1 ]
d="$MD/new/$(ls "$MD/new" | head -n 1)"
check "delivered file is the sender's bytes after Return-Path and Delivered-To" \
  sh -c "tail -n +3 '$d' | cmp -s - '$msg' && head -n 2 '$d' | grep -q '^Delivered-To: $RB@b.example'"
check "delivered file owned by the receiver" [ "$(stat -c %U "$d")" = "$RB" ]
check "Maildir tmp is empty" [ -z "$(ls "$MD/tmp")" ]
waitfor 5 st_has " confirmed "
check "status: confirmed" st_has "^$f .* $RB@b.example confirmed 1 "
waitfor 5 sh -c "[ -z \"\$(ls '$T/a/queue/job/cur')\" ]"
check "job leaves the queue once confirmed" [ -z "$(find "$T/a/queue/job" -type f)" ]
check "confirmation record consumed" [ -z "$(ls "$T/a/queue/confirm/new")" ]
as $RB b im2k-pickup
check "second pickup: still exactly one message" [ "$(ls "$MD/new" | wc -l)" = 1 ]

# 2. a binary message of many blocks, no headers: headers are added, the
# body arrives intact
head -c 300000 /dev/urandom >"$T/bin"
as $SA a im2k-inject $RB@b.example <"$T/bin"
check "inject of 300 KB binary exits 0" [ $? = 0 ]
waitfor 5 st_count " notified " 1
as $RB b im2k-pickup -v >"$T/out" 2>&1
check "pickup of the large message exits 0" [ $? = 0 ]
check "pickup -v reports the delivery" grep -q '^delivered new/' "$T/out"
big=$(ls -S "$MD/new" | head -n 1)
check "large message body byte-identical" sh -c "tail -c 300000 '$MD/new/$big' | cmp -s - '$T/bin'"
check "added Date, Message-ID and From" sh -c "grep -q '^Date: ' '$MD/new/$big' && grep -q '^Message-ID: <' '$MD/new/$big' && grep -q '^From: $SA@a.example' '$MD/new/$big'"

# 3. refusals
as $SA a im2k-inject 'not an address' <"$msg" 2>"$T/err"
check "bad recipient: exit 100 with a message" [ $? = 100 -a -s "$T/err" ]
c=$(ls "$T/a/archive/$UA" | wc -l)
as $SA a im2k-inject -f someone@else.example $RB@b.example <"$msg" 2>"$T/err"
check "forged sender: exit 100" [ $? = 100 ]
check "nothing left in the archive after a refusal" [ "$(ls "$T/a/archive/$UA" | wc -l)" = "$c" ]
printf 'F\0T%s@b.example\0' $RB >"$T/env.trunc"; chmod 644 "$T/env.trunc"
as $SA a im2k-archive <"$msg" 1<"$T/env.trunc" 2>"$T/err"
check "archive: envelope without its end: exit 100" [ $? = 100 ]
check "archive: and says why" grep -q 'envelope truncated' "$T/err"
printf 'F\0T%s@b.example\0\0T%s@b.example\0' $RB $RB >"$T/env.trail"; chmod 644 "$T/env.trail"
as $SA a im2k-archive <"$msg" 1<"$T/env.trail" 2>"$T/err"
check "archive: data after the envelope's end: exit 100" [ $? = 100 ]
check "archive: nothing stored for refused envelopes" [ "$(ls "$T/a/archive/$UA" | wc -l)" = "$c" ]
as $SA a im2k-inject nobody@b.example <"$msg"
waitfor 10 st_has "nobody@b.example failed"
check "unknown recipient: status failed, no bounce" st_has "nobody@b.example failed"
as $RB b im2k-status -m >"$T/out" 2>&1
check "the receiver sees none of the sender's status" [ ! -s "$T/out" ]

# 4. the receiver's ISP wrote nothing for these messages
check "b's queue holds no file" [ -z "$(find "$T/b/queue" -type f)" ]
check "b's archive holds no file" [ -z "$(find "$T/b/archive" -type f)" ]

# 5. an inbox restart forgets; the sender's renotification brings it back
as $SA a im2k-inject $RB@b.example <"$msg"
waitfor 5 st_has " notified "
svc -t "$T/svc/b-im2k-inboxd"
sleep 0.5
pk_delivers() { as $RB b im2k-pickup -v 2>/dev/null | grep -q '^delivered'; }
waitfor 15 pk_delivers
check "after an inbox restart the message still arrives" [ "$(ls "$MD/new" | wc -l)" = 3 ]
waitfor 5 st_count " confirmed " 3
check "and is confirmed" st_count " confirmed " 3

# 6. a pickup whose key the inbox does not know is refused
mv "$T/home/$RB/.im2k" "$T/home/$RB/.im2k.real"
setuidgid $RB "$T/b/bin/im2k-keygen" "$T/home/$RB/.im2k" >/dev/null
as $RB b im2k-pickup 2>"$T/err"
check "unregistered key: exit 111" [ $? = 111 ]
check "unregistered key: says so" grep -q 'does not know this key' "$T/err"
rm -rf "$T/home/$RB/.im2k"; mv "$T/home/$RB/.im2k.real" "$T/home/$RB/.im2k"
[ $FAILED = 0 ]
