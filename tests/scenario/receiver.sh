# receiver.sh: the receiver's side.  Known and unknown senders (hold,
# -l, -A, -a, the Unknown folder), parallel pickup, the inbox's bounds,
# a user who moved (forward to another ISP, alias at the same ISP), and a
# real Maildir reader (Python's mailbox module) opening what pickup wrote.
# Three ISPs: a.example (127.0.0.2) sends, b.example (127.0.0.3) and
# c.example (127.0.0.4) receive.  Needs root.
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-recv.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
SA=im2ktrs RB=im2ktrr RM=im2ktrm RC=im2ktrc RL=im2ktrl
trap 'unpair $SA $RB $RM $RC $RL' EXIT
accounts
for u in $SA $RB $RM $RC $RL; do mailuser $u "$T/home/$u"; done
isp a a.example 127.0.0.2
isp b b.example 127.0.0.3
isp c c.example 127.0.0.4
peer a b; peer a c; peer b c
echo 2 >"$T/a/control/renotify"
receiver b $RB
receiver b $RC
receiver c $RM
sender a $SA
services a b c
MD="$T/home/$RB/Maildir"
KD="$T/home/$RB/.im2k"

# send TO...: one message from SA, its body in $T/sent/HANDLE
mkdir -p "$T/sent"
seqno=0
send() {
  seqno=$((seqno + 1))
  printf 'From: %s@a.example\nSubject: message %s\n\nbody %s\n' $SA $seqno $seqno >"$T/m$seqno"
  as $SA a im2k-inject "$@" <"$T/m$seqno"
}
nfiles() { find "$1" -type f | wc -l; }
st_has() { as $SA a im2k-status -m | grep -q -- "$1"; }
st_count() { [ "$(as $SA a im2k-status -m | grep -c -- "$1")" = "$2" ]; }
listed() { [ "$(as $RB b im2k-pickup -l | wc -l)" = "$1" ]; }

# 1. unknown senders are held: listed, not fetched; the sender sees
# "notified", never "fetched"
echo "friend@elsewhere.example" >"$KD/known"
chown $RB: "$KD/known"
send $RB@b.example
waitfor 5 listed 1
as $RB b im2k-pickup >"$T/out" 2>&1
check "unknown sender: pickup exits 0, quiet" [ $? = 0 -a ! -s "$T/out" ]
check "unknown sender: nothing delivered" [ "$(nfiles "$MD")" = 0 ]
as $RB b im2k-pickup -l >"$T/list"
check "-l lists the held message: handle, sender, size" \
  grep -Eq "^[0-9a-f]{32} $SA@a.example [0-9]+$" "$T/list"
waitfor 5 st_count " notified " 1
check "status at the sender: notified, not fetched" st_count " notified " 1
h=$(cut -d' ' -f1 "$T/list")
as $RB b im2k-pickup -A "$h" >"$T/out" 2>&1
check "-A HANDLE fetches that message" [ $? = 0 -a "$(ls "$MD/new" | wc -l)" = 1 ]
check "-A: delivered under its handle" [ -f "$MD/new/$h.a.example" ]
waitfor 5 st_count " confirmed " 1
check "-A: confirmed" st_count " confirmed " 1
as $RB b im2k-pickup -A nothex >"$T/out" 2>&1
check "-A with a bad handle: exit 100" [ $? = 100 ]
check "-A with a bad handle: says so" grep -q "is not a handle" "$T/out"

send $RB@b.example
waitfor 5 listed 1
as $RB b im2k-pickup -a @A.example
check "-a adds the domain and fetches its mail" [ "$(ls "$MD/new" | wc -l)" = 2 ]
check "-a: the known file has the domain" grep -qx "A.example" "$KD/known"
check "nothing listed any more" listed 0
as $RB b im2k-pickup -a "not an address" 2>"$T/out"
check "-a with junk: exit 100" [ $? = 100 ]

# 2. policy folder: unknown senders' mail goes to the Unknown folder
echo "friend@elsewhere.example" >"$KD/known"
echo folder >"$KD/unknown"
send $RB@b.example
waitfor 5 st_count " notified " 1
as $RB b im2k-pickup
check "folder policy: delivered into .Unknown/new" [ "$(ls "$MD/.Unknown/new" | wc -l)" = 1 ]
check "folder policy: the folder is marked (maildirfolder)" [ -f "$MD/.Unknown/maildirfolder" ]
check "folder policy: not in the main new/" [ "$(ls "$MD/new" | wc -l)" = 2 ]
echo whatever >"$KD/unknown"
as $RB b im2k-pickup 2>"$T/out"
check "a bad policy: exit 111, says so" sh -c "[ $? = 111 ] && grep -q 'want hold or folder' '$T/out'"
rm -f "$KD/known" "$KD/unknown"

# 3. parallel pickup: 40 messages, 4 workers
for i in $(seq 1 40); do send $RB@b.example; done
waitfor 20 st_count " notified " 40
as $RB b im2k-pickup -j 4 >"$T/out" 2>&1
check "40 messages with 4 workers: exit 0, quiet" [ $? = 0 -a ! -s "$T/out" ]
check "40 more files in new/" [ "$(ls "$MD/new" | wc -l)" = 42 ]
waitfor 10 st_count " confirmed " 43
check "all confirmed" st_count " confirmed " 43
as $RB b im2k-pickup -j 0 2>/dev/null
check "-j 0: exit 100" [ $? = 100 ]

# 4. a real reader: Python's mailbox module opens every message, and its
# bytes are what the sender injected after the two trace lines
cat >"$T/read.py" <<'EOF'
import mailbox, sys
md = mailbox.Maildir(sys.argv[1], factory=None, create=False)
n = 0
for key, m in md.items():
    raw = md.get_bytes(key)
    lines = raw.split(b"\n", 2)
    assert lines[0].startswith(b"Return-Path: <"), lines[0]
    assert lines[1].startswith(b"Delivered-To: "), lines[1]
    assert m["Subject"].startswith("message "), m["Subject"]
    n += 1
print(n)
EOF
check "python mailbox reads all 42 messages" [ "$(python3 "$T/read.py" "$MD")" = 42 ]
f=$(grep -l "^Subject: message 5$" "$MD"/new/* | head -n 1)
a="$T/a/archive/$(id -u $SA)/$(basename "$f" .a.example)"
check "bytes after the trace lines are the archived message" sh -c "tail -n +3 '$f' | cmp -s - '$a'"

# 5. the inbox's bounds: 5 notifications per user; the rest wait at the
# sender (TEMP) and come later; none lost, none twice
echo 5 >"$T/b/control/usernotes"
svc -t "$T/svc/b-im2k-inboxd"
sleep 1
echo "friend@elsewhere.example" >"$KD/known"   # hold them, to count them
for i in $(seq 1 8); do send $RB@b.example; done
waitfor 10 listed 5
sleep 2
check "the inbox holds 5, its bound" listed 5
rm -f "$KD/known"
k=0
while [ $k -lt 30 ] && [ "$(ls "$MD/new" | wc -l)" != 50 ]; do
  as $RB b im2k-pickup; sleep 1; k=$((k + 1))
done
check "all 8 arrive in the end, each once" [ "$(ls "$MD/new" | wc -l)" = 50 ]
rm -f "$T/b/control/usernotes"

# 6. rate per sender key: a burst of 3, then 2 a second; all 10 arrive
echo "2 3" >"$T/b/control/keyrate"
svc -t "$T/svc/b-im2k-inboxd"
sleep 1
for i in $(seq 1 10); do send $RB@b.example; done
k=0
while [ $k -lt 40 ] && [ "$(ls "$MD/new" | wc -l)" != 60 ]; do
  as $RB b im2k-pickup; sleep 1; k=$((k + 1))
done
check "rate-limited sender: all 10 arrive, each once" [ "$(ls "$MD/new" | wc -l)" = 60 ]
rm -f "$T/b/control/keyrate"
svc -t "$T/svc/b-im2k-inboxd"
sleep 1

# 7. moving: RM used to be RB2@b.example ("moved" below) and now lives at
# c.example; b passes the notifications on, the sender changes nothing
echo "moved:$RM@c.example" >"$T/b/control/forwards"
echo "alias:$RC@b.example" >>"$T/b/control/forwards"
"$T/b/bin/im2k-users"
check "im2k-users compiles forwards.cdb" [ -f "$T/b/control/forwards.cdb" ]
send moved@b.example
MM="$T/home/$RM/Maildir"
k=0
while [ $k -lt 20 ] && [ "$(nfiles "$MM/new" 2>/dev/null)" != 1 ]; do
  as $RM c im2k-pickup; sleep 0.5; k=$((k + 1))
done
check "forward: the moved user's new ISP delivers it" [ "$(ls "$MM/new" | wc -l)" = 1 ]
f=$(ls "$MM/new" | head -n 1)
check "forward: Delivered-To is the old address" grep -q "^Delivered-To: moved@b.example$" "$MM/new/$f"
waitfor 10 st_has " moved@b.example confirmed "
check "forward: the sender sees the old address confirmed" st_has " moved@b.example confirmed "
send alias@b.example
MC="$T/home/$RC/Maildir"
k=0
while [ $k -lt 20 ] && [ "$(nfiles "$MC/new" 2>/dev/null)" != 1 ]; do
  as $RC b im2k-pickup; sleep 0.5; k=$((k + 1))
done
check "alias at the same ISP: delivered to its user" [ "$(ls "$MC/new" | wc -l)" = 1 ]
echo "bad line" >"$T/b/control/forwards"
"$T/b/bin/im2k-users" 2>"$T/out"
check "a bad forwards line: exit 100, names the line" sh -c "[ $? = 100 ] && grep -q 'forwards line 1' '$T/out'"
rm "$T/b/control/forwards"
"$T/b/bin/im2k-users"
check "no forwards file: no forwards.cdb" [ ! -f "$T/b/control/forwards.cdb" ]

# 8. a pickup killed (SIGKILL, the whole process group) at random
# moments of a 200-message run, and run again until one run finishes:
# exactly 200 files, each the archived message after the trace lines.
# The moments are drawn from the first W ms of each run, W = 40 to begin
# with; a run killed before it delivered anything doubles W (up to 5 s)
# and one that delivered halves it again (down to 40), so that a slow
# build (the sanitizers) still gets past its start-up, killed at moments
# around it, instead of being killed before every first message forever.
KM="$T/home/$RB/KillMaildir"
before=$(as $SA a im2k-status -m | grep -c " $RB@b.example confirmed ")
i=0
while [ $i -lt 200 ]; do
  i=$((i + 1))
  head -c $((5000 + $(od -An -N2 -tu2 /dev/urandom))) /dev/urandom | base64 >"$T/k"
  as $SA a im2k-inject $RB@b.example <"$T/k" || nok "inject $i"
done
waitfor 30 sh -c "[ \$(ls '$T/a/archive/$(id -u $SA)' | grep -vc '\\.job\$') -ge 300 ]"
waitfor 30 st_count " notified " 200
kills=0 runs=0 t0=$(date +%s.%N) W=40
while [ $runs -lt 200 ]; do
  runs=$((runs + 1))
  h=$(getent passwd $RB | cut -d: -f6)
  had=$(ls "$KM/new" 2>/dev/null | wc -l)
  (cd "$h" && exec setsid env HOME="$h" setuidgid $RB "$T/b/bin/im2k-pickup" -j 4 -d "$KM") >/dev/null 2>&1 &
  p=$!
  sleep "$(awk -v ms=$(($(od -An -N2 -tu2 /dev/urandom) % W)) 'BEGIN { printf "%.3f", ms / 1000 }')"
  n=$(ls "$KM/new" 2>/dev/null | wc -l)
  echo "# run $runs: $n delivered (kill within $W ms)"
  if kill -0 $p 2>/dev/null; then
    kill -KILL -$p 2>/dev/null && kills=$((kills + 1))
    wait $p 2>/dev/null
    while pgrep -s $p >/dev/null; do sleep 0.05; done
    if [ "$n" = "$had" ]; then [ $W -lt 5000 ] && W=$((W * 2)); elif [ $W -gt 40 ]; then W=$((W / 2)); fi
  else
    wait $p && [ "$(ls "$KM/new" | wc -l)" = 200 ] && break
  fi
done
echo "# pickup killed $kills times in $runs runs, $(echo "$(date +%s.%N) - $t0" | bc) s in all"
check "killed pickups: some runs were killed" [ $kills -gt 0 ]
check "killed pickups: exactly 200 files" [ "$(ls "$KM/new" | wc -l)" = 200 ]
check "killed pickups: tmp/ empty" [ -z "$(ls "$KM/tmp")" ]
bad=0
for f in "$KM"/new/*; do
  a="$T/a/archive/$(id -u $SA)/$(basename "$f" .a.example)"
  tail -n +3 "$f" | cmp -s - "$a" || bad=$((bad + 1))
done
check "killed pickups: each file is its archived message, byte for byte" [ $bad = 0 ]
waitfor 20 st_count " $RB@b.example confirmed " $((before + 200))
check "killed pickups: all 200 confirmed, once each" st_count " $RB@b.example confirmed " $((before + 200))

# 9. a list: a public archive at a.example that RB follows; pickup
# fetches what is new since its last run into the list's folder
"$T/a/bin/im2k-mkarchive" -p $RL >/dev/null || nok "mkarchive -p"
post() {
  printf 'From: %s@a.example\nSubject: post %s\n\npost body %s\n' $RL "$1" "$1" >"$T/p$1"
  as $RL a im2k-inject <"$T/p$1" || nok "post $1"
}
post 1; post 2; post 3
echo "$RL@A.example news  # the list" >"$KD/lists"
as $RB b im2k-pickup >"$T/out" 2>&1
check "list: pickup exits 0, quiet" [ $? = 0 -a ! -s "$T/out" ]
check "list: 3 posts in the folder .news" [ "$(ls "$MD/.news/new" | wc -l)" = 3 ]
check "list: the folder is marked" [ -f "$MD/.news/maildirfolder" ]
check "list: the cursor is 3" [ "$(cat "$KD/cursors/$RL@a.example")" = 3 ]
post 4; post 5
as $RB b im2k-pickup -v >"$T/out" 2>&1
check "list: the next run fetches only the 2 new posts" [ "$(grep -c '^delivered' "$T/out")" = 2 ]
check "list: 5 posts, each once" [ "$(ls "$MD/.news/new" | wc -l)" = 5 ]
bad=0
for f in "$MD"/.news/new/*; do
  a="$T/a/archive/$(id -u $RL)/$(basename "$f" .a.example)"
  { head -n 2 "$f" | grep -q "^Delivered-To: $RL@a.example$" && tail -n +3 "$f" | cmp -s - "$a"; } || bad=$((bad + 1))
done
check "list: each post is its archived bytes after the trace lines" [ $bad = 0 ]
rm "$KD/cursors/$RL@a.example"
as $RB b im2k-pickup >"$T/out" 2>&1
check "list: a lost cursor fetches again but delivers nothing twice" [ "$(ls "$MD/.news/new" | wc -l)" = 5 ]
check "list: no record of any fetch at the list's ISP" [ -z "$(ls "$T/a/queue/confirm/new")" ]
echo "not-an-address" >"$KD/lists"
as $RB b im2k-pickup 2>"$T/out"
check "list: a bad lists line: exit 111, names the line" sh -c "[ $? = 111 ] && grep -q 'lists line 1' '$T/out'"
echo "$SA@a.example" >"$KD/lists"
as $RB b im2k-pickup 2>"$T/out"
check "list: an archive that is not public: exit 111, says so" sh -c "[ $? = 111 ] && grep -q 'not a public list' '$T/out'"
# the list's server silent: a failure for now (exit 111), never "all read"
echo "$RL@a.example news" >"$KD/lists"
svc -d "$T/svc/a-im2k-fetchd"
waitfor 10 sh -c "svstat '$T/svc/a-im2k-fetchd' | grep -q ': down '"
as $RB b im2k-pickup 2>"$T/out"
check "list: its server silent: exit 111, says so" sh -c "[ $? = 111 ] && grep -q 'no answer from a.example for the list' '$T/out'"
check "list: the cursor stays where it was" [ "$(cat "$KD/cursors/$RL@a.example")" = 5 ]
svc -u "$T/svc/a-im2k-fetchd"
rm "$KD/lists"

# 10. nothing was written by the receiving ISPs' daemons about a message
check "b's queue holds no file" [ -z "$(find "$T/b/queue" -type f)" ]
check "c's queue holds no file" [ -z "$(find "$T/c/queue" -type f)" ]
[ $FAILED = 0 ]
