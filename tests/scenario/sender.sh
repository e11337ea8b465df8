# sender.sh: the sender's side: withdrawing a message, "fetched", a
# restart of im2k-notifyd in the middle of a run (nothing lost, nothing
# twice), the lifetime, privilege separation with real accounts, and a
# full disk.  Needs root.
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-snd.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
SA=im2ktsa RB=im2ktsb OU=im2ktso
trap 'umount "$T/a/archive/$UA" 2>/dev/null; unpair $SA $RB $OU' EXIT
RENOTIFY=2
pair $SA $RB
mailuser $OU "$T/home/$OU"
sender a $OU
UA=$(id -u $SA)
MD="$T/home/$RB/Maildir"
stm() { as $SA a im2k-status -m; }
newest() { ls -t "$T/a/archive/$UA" | grep -v '\.job$' | head -n 1; }
state_of() { stm | awk -v h="$1" -v r="$2" '$1 == h && $4 == r { print $5 }'; }
is_state() { [ "$(state_of "$1" "$2")" = "$3" ]; }

# 1. withdraw before any fetch
printf 'Subject: oops\n\nnever mind\n' | as $SA a im2k-inject $RB@b.example
h=$(newest)
waitfor 10 is_state $h $RB@b.example notified
as $SA a im2k-archive -c $h
check "withdraw: exit 0" [ $? = 0 ]
check "withdraw: the message left the archive" [ ! -e "$T/a/archive/$UA/$h" ]
waitfor 10 is_state $h $RB@b.example canceled
check "withdraw: status canceled" is_state $h $RB@b.example canceled
as $RB b im2k-pickup 2>"$T/err"
check "withdraw: nothing delivered" [ -z "$(ls "$MD/new" 2>/dev/null)" ]
as $RB b im2k-pickup 2>"$T/err2"
check "withdraw: the inbox forgot it (second pickup quiet)" [ ! -s "$T/err2" ]
as $SA a im2k-archive -c $h 2>"$T/err"
check "withdraw twice: exit 100" [ $? = 100 ]
as $OU a im2k-archive -c $h 2>"$T/err"
check "withdraw someone else's message: exit 100" [ $? = 100 ]
check "withdraw someone else's message: not yours" grep -q 'not yours' "$T/err"

# 2. fetched, then no withdrawal
printf 'Subject: kept\n\nkept\n' | as $SA a im2k-inject $RB@b.example
h=$(newest)
waitfor 10 is_state $h $RB@b.example notified
as $RB b im2k-pickup
waitfor 10 is_state $h $RB@b.example confirmed
check "delivered and confirmed" is_state $h $RB@b.example confirmed
as $SA a im2k-archive -c $h 2>"$T/err"
check "withdraw after the fetch: exit 100" [ $? = 100 ]
check "withdraw after the fetch: says so" grep -q 'already fetched' "$T/err"
check "withdraw after the fetch: the message stays" [ -e "$T/a/archive/$UA/$h" ]

# 3. notifyd restarted (SIGKILL) in the middle of 20 messages: each
# delivered once, each confirmed
rm -f "$MD/new/"*
svc -d "$T/svc/b-im2k-inboxd"
i=0
while [ $i -lt 20 ]; do
  printf 'Subject: r%d\n\nrestart %d\n' $i $i | as $SA a im2k-inject $RB@b.example
  i=$((i + 1))
  [ $i = 10 ] && svc -k "$T/svc/a-im2k-notifyd"
done
svc -k "$T/svc/a-im2k-notifyd"
svc -u "$T/svc/b-im2k-inboxd"
twenty() { [ "$(stm | grep -c ' notified ')" -ge 20 ]; }
waitfor 30 twenty
k=0
while [ $k -lt 10 ] && [ "$(ls "$MD/new" | wc -l)" -lt 20 ]; do as $RB b im2k-pickup 2>/dev/null; k=$((k + 1)); sleep 1; done
check "after notifyd restarts: 20 delivered" [ "$(ls "$MD/new" | wc -l)" = 20 ]
check "each once" [ "$(cat "$MD/new/"* | grep -c '^restart ')" = 20 ] 
check "each different" [ "$(cat "$MD/new/"* | grep '^restart ' | sort -u | wc -l)" = 20 ]
all22() { [ "$(stm | grep -c ' confirmed ')" = 21 ]; }
waitfor 20 all22
check "all confirmed" all22

# 4. lifetime: a recipient whose ISP never answers is given up
echo 3 >"$T/a/control/lifetime"
echo "nowhere.example:127.0.0.9:2000:2001:$(pubkey b)" >>"$T/a/control/servers"
"$T/a/bin/im2k-servers"
svc -t "$T/svc/a-im2k-notifyd"
printf 'Subject: lost\n\nlost\n' | as $SA a im2k-inject someone@nowhere.example
h=$(newest)
waitfor 15 is_state $h someone@nowhere.example gaveup
check "lifetime: gaveup after 3 s" is_state $h someone@nowhere.example gaveup
check "lifetime: tried more than once" [ "$(stm | awk -v h=$h '$1 == h { print $6 }')" -ge 2 ]
rm -f "$T/a/control/lifetime"; svc -t "$T/svc/a-im2k-notifyd"

# 5. privilege separation
check "a user cannot write the job queue" sh -c "! setuidgid $OU sh -c 'echo x > $T/a/queue/job/new/x' 2>/dev/null"
check "a user cannot list the status records" sh -c "! setuidgid $OU ls $T/a/queue/status >/dev/null 2>&1"
check "a user cannot read another's archive" sh -c "! setuidgid $OU ls $T/a/archive/$UA >/dev/null 2>&1"
check "a user sees only their own messages" [ -z "$(as $OU a im2k-status -m)" ]
check "im2k-archive is setgid im2kq, not setuid" [ "$(stat -c %A:%U:%G "$T/a/bin/im2k-archive")" = "-rwxr-sr-x:root:im2kq" ]
# a job forged by root in the name of another uid is refused by notifyd
printf 'Subject: forged\n\nx\n' | as $OU a im2k-inject $RB@b.example
fj=$(ls "$T/a/archive/$(id -u $OU)" | grep '\.job$' | head -n 1)
f=${fj%.job}
svc -d "$T/svc/a-im2k-notifyd"
sleep 0.3
sed "s/^\(.*\)/\1/" "$T/a/archive/$(id -u $OU)/$fj" >"$T/forged"
new=$(printf '%08x' $UA)${f#????????}
python3 - "$T/forged" "$UA" "$f" "$new" <<'PY' 2>/dev/null || sed -i "s/$f/$new/" "$T/forged"
import sys
p, uid, old, new = sys.argv[1:]
s = open(p).read().replace(old, new)
open(p, 'w').write(s)
PY
cp "$T/forged" "$T/a/queue/job/new/$new"
chown $OU "$T/a/queue/job/new/$new"
svc -u "$T/svc/a-im2k-notifyd"
waitfor 5 test -e "$T/a/queue/job/bad/$new"
check "a job owned by one user naming another's uid goes to queue/job/bad" [ -e "$T/a/queue/job/bad/$new" ]

# 6. a full disk: nothing half-written, exit 111
if mount -t tmpfs -o size=64k,mode=2750 tmpfs "$T/a/archive/$UA" 2>/dev/null; then
  chown $SA:im2kr "$T/a/archive/$UA"
  head -c 200000 /dev/urandom >"$T/big"; chmod 644 "$T/big"
  as $SA a im2k-inject $RB@b.example <"$T/big" 2>"$T/err"
  check "disk full: exit 111" [ $? = 111 ]
  check "disk full: says so" grep -q 'no space left' "$T/err"
  check "disk full: nothing left in the archive" [ -z "$(ls -A "$T/a/archive/$UA")" ]
  umount "$T/a/archive/$UA"
else
  echo "# skipped the full-disk case: this machine does not let the test mount a tmpfs"
fi
[ $FAILED = 0 ]
