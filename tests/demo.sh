#!/bin/sh
# demo.sh: two ISPs, a.example on 127.0.0.2 and b.example on 127.0.0.3,
# laid out under demo-run/ and run under daemontools; alice@a.example
# sends bob@b.example a message; bob's pickup delivers it; alice's status
# shows it confirmed.  KEEP=1 leaves both running (demo-run/env has shell
# functions to play with); "demo.sh stop" stops them.
: "${B:=build/std}"
TOP=$(pwd)
say() { echo "demo: $*"; }
[ "$(id -u)" = 0 ] || { echo "make demo: run as root: it creates accounts and runs daemons under their own accounts" >&2; exit 111; }

. tests/demolib.sh
demo_place "$1"

say "accounts: $IM2K_ACCOUNTS alice bob"
accounts
demouser alice
demouser bob
say "a.example on 127.0.0.2, b.example on 127.0.0.3, under $D"
isp a a.example 127.0.0.2
isp b b.example 127.0.0.3
peer a b
receiver b bob
sender a alice
services a b
for s in "$T"/svc/*; do svstat "$s"; done | sed 's/^/demo: /'

say "alice@a.example sends bob@b.example a message"
printf 'To: bob@b.example\nSubject: Hello from IM2000\n\nHello Bob,\n\nThis message is stored once, in my archive at a.example.\nYour ISP only held a notification, in memory.\n\nAlice\n' |
  as alice a im2k-inject bob@b.example || die "im2k-inject failed"
notified() { as alice a im2k-status -m | grep -q ' notified '; }
waitfor 10 notified || die "b.example never acknowledged the notification"
as alice a im2k-status | sed 's/^/demo: /'

say "bob runs im2k-pickup"
as bob b im2k-pickup -v | sed 's/^/demo: /' || die "im2k-pickup failed"
f=$(ls "$D/home/bob/Maildir/new" | head -n 1)
[ -n "$f" ] || die "nothing delivered"
say "delivered: $D/home/bob/Maildir/new/$f"
sed 's/^/demo:   | /' "$D/home/bob/Maildir/new/$f"
confirmed() { as alice a im2k-status -m | grep -q ' confirmed '; }
waitfor 10 confirmed || die "the confirmation never reached a.example"
say "alice's status:"
as alice a im2k-status | sed 's/^/demo: /'

if [ "$KEEP" = 1 ]; then
  cat >"$D/env" <<EOT
# source this file: . demo-run/env
im2k_send() { (cd "$D/home/alice" && env HOME="$D/home/alice" setuidgid alice "$D/a/bin/im2k-inject" "\$@"); }
im2k_pickup() { (cd "$D/home/bob" && env HOME="$D/home/bob" setuidgid bob "$D/b/bin/im2k-pickup" "\$@"); }
im2k_status() { (cd "$D/home/alice" && env HOME="$D/home/alice" setuidgid alice "$D/a/bin/im2k-status" "\$@"); }
BOB_MAILDIR="$D/home/bob/Maildir"
EOT
  say "both ISPs keep running; . demo-run/env for im2k_send, im2k_pickup, im2k_status; make demo-stop ends them"
else
  stop
  say "stopped both ISPs (make demo KEEP=1 leaves them running)"
fi
