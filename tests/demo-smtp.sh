#!/bin/sh
# demo-smtp.sh: one im2k ISP and the old world, on loopback.  new.example
# on 127.0.7.2 runs the im2k daemons and im2k-smtpd (port 2525).  The old
# world: swaks, an SMTP client, and Postfix's smtp-sink on 127.0.7.3:2525,
# the mail server of old.example, which has no im2k server.  (a) swaks
# sends bob@new.example a message through im2k-smtpd; bob's im2k-pickup
# delivers it.  (b) alice@new.example sends carol@old.example a message
# with im2k-inject; old.example has a line in control/smtproutes, so
# im2k-notifyd hands the message to im2k-remote, which delivers it over
# SMTP to smtp-sink; smtp-sink dumps it; alice's im2k-status shows it
# relayed, with the server's reply.  All of it is laid out under
# demo-run/, as for make demo (and in its place: a demo left running is
# stopped first).  KEEP=1 leaves it running (demo-run/env has shell
# functions to play with); "demo-smtp.sh stop" or make demo-stop stops
# it.  No DNS: the ISP's control/dnsip is the tests' resolver that never
# answers (tests/lib.sh).
: "${B:=build/std}"
TOP=$(pwd)
say() { echo "demo: $*"; }
[ "$(id -u)" = 0 ] || { echo "make demo-smtp: run as root: it creates accounts and runs daemons under their own accounts" >&2; exit 111; }
ISPIP=127.0.7.2
SINKIP=127.0.7.3

. tests/demolib.sh
[ "$1" = stop ] && demo_place stop
SWAKS=$(command -v swaks) && SINK=$(PATH="$PATH:/usr/sbin" command -v smtp-sink) ||
  { echo "make demo-smtp: needs swaks and smtp-sink (Debian: swaks, postfix); make demo-smtp installs them" >&2; exit 111; }
demo_place
GW=$(sed -n 7p "$TOP/conf-users")
# on the way out, whatever happened: stop what runs (KEEP=1 keeps it
# when the demo got to its end)
trap 'stop' EXIT

say "accounts: $IM2K_ACCOUNTS alice bob"
accounts
demouser alice
demouser bob
say "new.example on $ISPIP (im2k, and im2k-smtpd on port 2525), under $D"
isp new new.example $ISPIP
receiver new bob
sender new alice
sender new "$GW"
echo "$ISPIP 2525" >"$T/new/control/smtplisten"
echo "old.example:$SINKIP:2525" >>"$T/new/control/smtproutes"
say "new.example's control/smtproutes:"
sed 's/^/demo:   | /' "$T/new/control/smtproutes"

say "old.example: Postfix's smtp-sink on $SINKIP:2525, dumping what it takes into $D/sink"
mkdir -p "$D/sink" "$T/svc/old-smtp-sink" && chown nobody "$D/sink" || die "mkdir sink"
cat >"$T/svc/old-smtp-sink/run" <<EOT
#!/bin/sh
exec 2>&1
exec $SINK -u nobody -h mx.old.example -d $D/sink/msg. $SINKIP:2525 10
EOT
chmod 755 "$T/svc/old-smtp-sink/run"
# every service the ISP has: inboxd, fetchd, notifyd, smtpd
mkdir -p "$T/svc"
for s in "$T"/new/service/*; do ln -sfn "$s" "$T/svc/new-${s##*/}"; done
services new
for s in "$T"/svc/*; do svstat "$s"; done | sed 's/^/demo: /'
waitfor 10 sh -c "$SWAKS --server $ISPIP --port 2525 --quit-after CONNECT >/dev/null 2>&1" ||
  die "im2k-smtpd does not answer on $ISPIP:2525"

say "(a) carol@old.example sends bob@new.example a message with swaks"
"$SWAKS" --server $ISPIP --port 2525 --helo mail.old.example --from carol@old.example \
  --to bob@new.example --header 'Subject: Hello from the old world' \
  --body 'Hello Bob,

this came over SMTP, into the SMTP gateway archive of new.example.

Carol' >"$D/swaks.out" 2>&1 || { sed 's/^/demo:   | /' "$D/swaks.out"; die "swaks failed"; }
sed 's/^/demo:   | /' "$D/swaks.out"
say "bob runs im2k-pickup"
delivered() { [ -n "$(ls "$D/home/bob/Maildir/new" 2>/dev/null)" ]; }
n=0
while [ $n -lt 20 ]; do # until the notification has reached bob's inbox
  as bob new im2k-pickup -v | sed 's/^/demo: /'
  delivered && break
  sleep 0.5; n=$((n + 1))
done
f=$(ls "$D/home/bob/Maildir/new" 2>/dev/null | head -n 1)
[ -n "$f" ] || die "nothing delivered to bob"
say "delivered: $D/home/bob/Maildir/new/$f"
say "  $(grep -m 1 '^Subject:' "$D/home/bob/Maildir/new/$f")"

say "(b) alice@new.example sends carol@old.example a message with im2k-inject"
printf 'To: carol@old.example\nSubject: Hello from IM2000\n\nHello Carol,\n\nold.example has no im2k server, so new.example passed this on over SMTP.\n\nAlice\n' |
  as alice new im2k-inject carol@old.example || die "im2k-inject failed"
# the 250 to the end of DATA comes after smtp-sink has written its dump
relayed() { as alice new im2k-status -m | grep -q ' relayed '; }
waitfor 30 relayed || { as alice new im2k-status | sed 's/^/demo: /'; die "the status never said relayed"; }
dump=$(ls "$D/sink" | head -n 1)
[ -n "$dump" ] || die "relayed, but smtp-sink dumped nothing"
say "smtp-sink's dump: $D/sink/$dump"
sed 's/^/demo:   | /' "$D/sink/$dump"
say "alice's status:"
as alice new im2k-status | sed 's/^/demo: /'

if [ "$KEEP" = 1 ]; then
  cat >"$D/env" <<EOT
# source this file: . demo-run/env
im2k_send() { (cd "$D/home/alice" && env HOME="$D/home/alice" setuidgid alice "$D/new/bin/im2k-inject" "\$@"); }
im2k_status() { (cd "$D/home/alice" && env HOME="$D/home/alice" setuidgid alice "$D/new/bin/im2k-status" "\$@"); }
im2k_pickup() { (cd "$D/home/bob" && env HOME="$D/home/bob" setuidgid bob "$D/new/bin/im2k-pickup" "\$@"); }
old_send() { $SWAKS --server $ISPIP --port 2525 --from carol@old.example "\$@"; }
BOB_MAILDIR="$D/home/bob/Maildir"
SINK="$D/sink"
EOT
  trap - EXIT
  say "new.example and smtp-sink keep running; . demo-run/env for im2k_send, im2k_status, im2k_pickup (bob), old_send (swaks --to ...), \$SINK; make demo-stop ends them"
else
  stop
  say "stopped new.example and smtp-sink (make demo-smtp KEEP=1 leaves them running)"
fi
