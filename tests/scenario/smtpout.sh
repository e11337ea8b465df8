# smtpout.sh: SMTP out, through the whole sender's side: im2k-inject,
# im2k-notifyd under daemontools, im2k-remote, and Postfix's smtp-sink as
# the old world's servers on 127.0.9.3-5 port 2525 (control/smtproutes).
# Checked: a relayed message (the server's bytes, im2k-status's relayed
# state with the server's reply), a 5xx (failed, with the reply, no
# bounce), a 4xx (queued with the reply, retried after control/smtpretry,
# relayed once the server takes it), and that a relayed message can no
# longer be withdrawn.  Needs root (accounts, smtp-sink -u).
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-smtpout.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
SA=im2kzsoa
SINK=$(PATH="$PATH:/usr/sbin" command -v smtp-sink) || die "smtp-sink is not installed (make deps: postfix)"
PIDS=""
halt() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
trap 'for p in $PIDS; do halt $p; done; unpair $SA' EXIT
# sink and listening: tests/lib.sh
accounts
mailuser $SA "$T/home/$SA"
isp o o.example 127.0.9.2
sender o $SA
printf '%s\n' "old.example:127.0.9.3:2525" "hard.example:127.0.9.4:2525" \
  "soft.example:127.0.9.5:2525" "slow.example:127.0.9.6:2525" >"$T/o/control/smtproutes"
echo 1 >"$T/o/control/smtpretry"
sink 127.0.9.3 "$T/d3"
sink 127.0.9.4 "$T/d4" -f RCPT
sink 127.0.9.5 "$T/d5" -r RCPT
SOFT=$SPID
services o
stm() { as $SA o im2k-status -m; }
line() { stm | awk -v h="$1" -v r="$2" '$1 == h && $4 == r'; }
state() { line "$1" "$2" | cut -d' ' -f5; }
is() { [ "$(state "$1" "$2")" = "$3" ]; }
hof() { stm | awk -v r="$1" '$4 == r { print $1 }' | tail -n 1; }

# 1. relayed: smtp-sink takes it
printf 'From: %s@o.example\nTo: carol@old.example\nSubject: to the old world\n\n.a dot\nhello\n' $SA >"$T/m1"
as $SA o im2k-inject carol@old.example <"$T/m1"
check "inject to an SMTP domain exits 0" [ $? = 0 ]
h1=$(hof carol@old.example)
waitfor 15 is $h1 carol@old.example relayed
check "status: relayed" is $h1 carol@old.example relayed
check "status: the server's reply after the state" \
  sh -c "echo '$(line $h1 carol@old.example)' | grep -Eq ' carol@old.example relayed 1 [0-9]+ 127.0.9.3 said: 250 '"
f=$(ls "$T/d3" | head -n 1)
check "smtp-sink got one message" [ "$(ls "$T/d3" | wc -l)" = 1 ]
check "its envelope: our sender and the recipient" \
  sh -c "grep -qx 'X-Mail-Args: <$SA@o.example>' '$T/d3/$f' && grep -qx 'X-Rcpt-Args: <carol@old.example>' '$T/d3/$f'"
check "its body: the message, the dot line intact" grep -q '^\.a dot$' "$T/d3/$f"
check "it came from the ISP's own address" grep -qx 'X-Client-Addr: 127.0.9.2' "$T/d3/$f"
check "human form: an SMTP line under the recipient" \
  sh -c "cd / && setuidgid $SA '$T/o/bin/im2k-status' | grep -q '^ *SMTP: 127.0.9.3 said: 250 '"
waitfor 5 sh -c "[ -z \"\$(ls '$T/o/queue/job/cur')\" ]"
check "the job leaves the queue once relayed" [ -z "$(ls "$T/o/queue/job/cur")" ]
check "no bounce: nothing in the sender's Maildir" [ ! -d "$T/home/$SA/Maildir/new" ] || [ -z "$(ls "$T/home/$SA/Maildir/new")" ]

# 2. 5xx at RCPT: failed, with the reply; nothing stored by the server
as $SA o im2k-inject dave@hard.example <"$T/m1"
h2=$(hof dave@hard.example)
waitfor 15 is $h2 dave@hard.example failed
check "5xx: failed" is $h2 dave@hard.example failed
check "5xx: the server's reply in the status" sh -c "echo '$(line $h2 dave@hard.example)' | grep -q ' 127.0.9.4 said: 5[0-9][0-9] '"
check "5xx: the server stored nothing" [ -z "$(ls "$T/d4")" ]

# 3. 4xx at RCPT: queued with the reply, tried again; relayed once the
# server takes it
as $SA o im2k-inject erin@soft.example <"$T/m1"
h3=$(hof erin@soft.example)
twice() { [ "$(line $h3 erin@soft.example | cut -d' ' -f6)" -ge 2 ]; }
waitfor 15 twice
check "4xx: tried again (control/smtpretry 1)" twice
check "4xx: still queued, with the 4xx reply" sh -c "echo '$(line $h3 erin@soft.example)' | grep -q ' queued .* 127.0.9.5 said: 4[0-9][0-9] '"
halt $SOFT
sink 127.0.9.5 "$T/d5"
waitfor 30 is $h3 erin@soft.example relayed
check "4xx, then the server takes it: relayed" is $h3 erin@soft.example relayed
check "4xx: the server has it once" [ "$(ls "$T/d5" | wc -l)" = 1 ]

# 4. im2k-remote killed in the middle of a session (the server waits 30 s
# before answering DATA): no result is no success; the recipient stays
# queued, with the reason, and is relayed on the next try (the server may
# then have it twice: documented in im2k-notifyd(8))
sink 127.0.9.6 "$T/d6" -w 30
SLOW=$SPID
as $SA o im2k-inject frank@slow.example <"$T/m1"
h4=$(hof frank@slow.example)
remoterunning() { pgrep -f "im2k-remote slow.example" >/dev/null; }
waitfor 10 remoterunning
sleep 0.5
pkill -KILL -f "im2k-remote slow.example"
killed() { line $h4 frank@slow.example | grep -q ' queued .*im2k-remote gave no result (signal 9)'; }
waitfor 10 killed
check "im2k-remote killed: queued, and the status says why" killed
# the whole message had gone out before the kill: the server keeps it
# without our having read its 250 (the duplicate window of RFC 1047)
n6=$(ls "$T/d6" | wc -l)
halt $SLOW
sink 127.0.9.6 "$T/d6"
waitfor 15 is $h4 frank@slow.example relayed
check "im2k-remote killed: relayed on the next try" is $h4 frank@slow.example relayed
check "im2k-remote killed: the server has it, at most once more than before the retry" \
  [ "$(ls "$T/d6" | wc -l)" = $((n6 + 1)) ]

# 5. notifyd killed while im2k-remote waits for the server: the message
# is relayed after the restart (the server may see it twice: documented)
sink 127.0.9.7 "$T/d7" -w 3
echo "late.example:127.0.9.7:2525" >>"$T/o/control/smtproutes"
sleep 1.2
as $SA o im2k-inject gina@late.example <"$T/m1"
h5=$(hof gina@late.example)
lateremote() { pgrep -f "im2k-remote late.example" >/dev/null; }
waitfor 10 lateremote
svc -k "$T/svc/o-im2k-notifyd"
waitfor 20 is $h5 gina@late.example relayed
check "notifyd killed while relaying: relayed after its restart" is $h5 gina@late.example relayed
n7=$(ls "$T/d7" | wc -l)
check "notifyd killed while relaying: the server has it once or twice, never lost" [ "$n7" -ge 1 -a "$n7" -le 2 ]

# 6. a relayed message cannot be withdrawn (it is out of our hands)
as $SA o im2k-archive -c "$h1" >"$T/out" 2>&1
rc=$?
check "withdrawing a relayed message is refused (exit 100)" [ $rc = 100 ]
check "and says why" grep -q 'relayed to carol@old.example over SMTP' "$T/out"
[ "$FAILED" = 0 ] || { tail -n 20 "$T/svc/o-im2k-notifyd/log/main/current" | sed "s/^/# /"; stm | sed "s/^/# /"; false; }
