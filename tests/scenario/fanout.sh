# fanout.sh: one message to 2,000 recipients on three receiver ISPs
# (b, c, d on 127.0.0.3-5); b's inbox is killed in the middle and the
# sender's renotification finishes the job.  One archive file; every
# recipient delivered once and confirmed; im2k-status lists each.
# Needs root.  NRCPT overrides the number of recipients.
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-fan.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
SA=im2ktfa RU=im2ktfr
NRCPT=${NRCPT:-2000}
trap 'unpair $SA $RU' EXIT
accounts
mailuser $SA "$T/home/$SA"
mailuser $RU "$T/home/$RU"
isp a a.example 127.0.0.2
isp b b.example 127.0.0.3
isp c c.example 127.0.0.4
isp d d.example 127.0.0.5
for x in b c d; do
  cat "$T/$x.server" >>"$T/a/control/servers"
  cat "$T/a.server" >>"$T/$x/control/servers"
  cat "$T/$x.server" >>"$T/$x/control/servers.tmp" 2>/dev/null; rm -f "$T/$x/control/servers.tmp"
  "$T/$x/bin/im2k-servers" || die "im2k-servers $x"
done
"$T/a/bin/im2k-servers" || die "im2k-servers a"
sender a $SA
echo 2 >"$T/a/control/renotify"

# N mailboxes, spread over the three receivers; one Unix account runs all
# their pickups (-u mailbox -k keys -d Maildir)
mkdir -p "$T/rcv" && chown $RU "$T/rcv"
rcpts=""
i=1
while [ $i -le $NRCPT ]; do
  m=$(printf 'm%04d' $i)
  case $((i % 3)) in 0) x=b;; 1) x=c;; 2) x=d;; esac
  k=$(setuidgid $RU "$T/a/bin/im2k-keygen" "$T/rcv/$m.keys") || die "keygen"
  echo "$m:$k" >>"$T/$x/control/users"
  echo "$m $x" >>"$T/rcv/list"
  rcpts="$rcpts $m@$x.example"
  i=$((i + 1))
done
for x in b c d; do "$T/$x/bin/im2k-users" || die "im2k-users $x"; done
services a b c d

printf 'Subject: to many\n\nOne copy, %s readers.\n' $NRCPT >"$T/msg"
chmod 644 "$T/msg"
t0=$(date +%s.%N)
as $SA a im2k-inject $rcpts <"$T/msg"
check "inject to $NRCPT recipients exits 0" [ $? = 0 ]
UA=$(id -u $SA)
check "one archive file for $NRCPT recipients" [ "$(ls "$T/a/archive/$UA" | grep -vc '\.job$')" = 1 ]
st() { as $SA a im2k-status -m | grep -c " $1 "; }
half() { [ "$(st notified)" -ge $((NRCPT / 2)) ]; }
waitfor 60 half
# b's inbox dies in the middle: what it held is gone
svc -k "$T/svc/b-im2k-inboxd"
all_notified() { [ "$(st notified)" = $NRCPT ]; }
waitfor 120 all_notified
t1=$(date +%s.%N)
echo "# $NRCPT notified in $(awk "BEGIN { printf \"%.2f s, %.0f notifications/s\", $t1 - $t0, $NRCPT / ($t1 - $t0) }") (b's inbox killed half-way)"
check "all $NRCPT notified" all_notified

# every mailbox picks up until it has its copy
round=0
while [ $round -lt 30 ]; do
  round=$((round + 1))
  missing=0
  while read m x; do
    [ -n "$(ls "$T/rcv/$m.md/new" 2>/dev/null)" ] && continue
    missing=$((missing + 1))
    (cd "$T/rcv" && env HOME="$T/rcv" setuidgid $RU "$T/$x/bin/im2k-pickup" -u $m -k "$T/rcv/$m.keys" -d "$T/rcv/$m.md") 2>>"$T/err"
  done <"$T/rcv/list"
  [ $missing = 0 ] && break
  sleep 1
done
echo "# $round pickup rounds"
got=0 bad=0
while read m x; do
  c=$(ls "$T/rcv/$m.md/new" 2>/dev/null | wc -l)
  [ "$c" = 1 ] && got=$((got + 1)) || bad=$((bad + 1))
done <"$T/rcv/list"
check "each of the $NRCPT mailboxes has exactly one copy ($got, $bad not)" [ $got = $NRCPT ]
one=$(ls "$T/rcv/m0001.md/new")
check "a copy holds the message" grep -q "^One copy, $NRCPT readers" "$T/rcv/m0001.md/new/$one"
all_confirmed() { [ "$(st confirmed)" = $NRCPT ]; }
waitfor 60 all_confirmed
check "im2k-status shows all $NRCPT confirmed" all_confirmed
check "im2k-status lists each recipient once" [ "$(as $SA a im2k-status -m | awk '{print $4}' | sort -u | wc -l)" = $NRCPT ]
for x in b c d; do
  check "$x's ISP wrote no file for the message" [ -z "$(find "$T/$x/queue" "$T/$x/archive" -type f)" ]
done
[ $FAILED = 0 ]
