# remote.sh: im2k-remote, the SMTP client of the sender's ISP, run
# directly as notifyd runs it (as im2kn, IM2K_HOME set, the message on
# stdin) against real servers on 127.0.6.x port 2525: Postfix's smtp-sink
# (dumping what it takes; -f, -r, -q, -Q to refuse or hang up),
# tests/tools/smtpcap.py (the raw bytes of DATA, and replies smtp-sink
# cannot make: too long, mixed codes, several lines, binary, silence), and
# tinydns on 127.0.6.10 for the MX path.  Checked: the one result line
# (K, Z or D and the server's words), the message as it arrives (byte for
# byte on the wire), the envelope, every failure and where it falls, and
# the fatal errors on stderr with their exit codes.  Needs root (accounts,
# setuidgid, smtp-sink -u, tinydns).
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-remote.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
SINK=$(PATH="$PATH:/usr/sbin" command -v smtp-sink) || die "smtp-sink is not installed (make deps: postfix)"
command -v tinydns >/dev/null && command -v tinydns-data >/dev/null || die "tinydns is not installed (make deps)"
NU=$(sed -n 3p "$TOP/conf-users")   # notifyd's account, which runs im2k-remote
PIDS=""
# every process started here is stopped by its pid
cleanup() {
  for _p in $PIDS; do kill "$_p" 2>/dev/null; done
  for _p in $PIDS; do wait "$_p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
# started PID: remember a process to stop
started() { PIDS="$PIDS $1"; }
# halt PID: stop one now
halt() {
  kill "$1" 2>/dev/null; wait "$1" 2>/dev/null
  PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}
# sink and listening: tests/lib.sh
# cap IP DIR MODE: smtpcap.py on IP:2525; its pid in $CPID
cap() {
  mkdir -p "$2"
  python3 "$TOP/tests/tools/smtpcap.py" "$1" 2525 "$2" "$3" >>"$T/cap.log" 2>&1 &
  CPID=$!
  started $CPID
  waitfor 5 listening "$1" || die "smtpcap.py on $1 did not start"
}
# remote DOMAIN SENDER RCPT < MSG: im2k-remote as notifyd runs it; its
# stdout in $T/out, stderr in $T/err, exit code in $RC
remote() {
  setuidgid "$NU" env IM2K_HOME="$T/r" "$T/r/bin/im2k-remote" "$@" >"$T/out" 2>"$T/err"
  RC=$?
  cat "$T/err" >>"$T/allerr"
}
# result PATTERN: exit 0, one line on stdout matching the extended
# regular expression PATTERN, nothing on stderr
result() {
  [ $RC = 0 ] && [ "$(wc -l <"$T/out")" = 1 ] && grep -Eqx "$1" "$T/out" && [ ! -s "$T/err" ] ||
    { echo "# exit $RC, stdout: $(cat "$T/out"), stderr: $(cat "$T/err")"; return 1; }
}
routes() { printf '%s\n' "$@" >"$T/r/control/smtproutes"; }
# dumped DIR: the one file smtp-sink dumped into DIR
dumped() { [ "$(ls "$1" | wc -l)" = 1 ] && echo "$1/$(ls "$1")"; }

accounts
isp r r.example 127.0.6.1
check "im2k-setup installs bin/im2k-remote" [ -x "$T/r/bin/im2k-remote" ]

# the message: a leading dot, a line of one dot, two dots, CR LF, a bare
# CR, an 8-bit byte, and no newline at the end
printf 'From: alice@r.example\nTo: bob@b.example\nSubject: edges\n\n.leading dot\n.\n..two\nwin\r\nbare\rcr\nend\303\251 of line\nno newline' >"$T/msg"
# on the wire: every line end CR LF, the dots doubled, CR LF added, the end
printf 'From: alice@r.example\r\nTo: bob@b.example\r\nSubject: edges\r\n\r\n..leading dot\r\n..\r\n...two\r\nwin\r\nbare\r\ncr\r\nend\303\251 of line\r\nno newline\r\n.\r\n' >"$T/wire"
# as smtp-sink dumps it: LF, the dots taken off again, an empty line after
printf 'From: alice@r.example\nTo: bob@b.example\nSubject: edges\n\n.leading dot\n.\n..two\nwin\nbare\ncr\nend\303\251 of line\nno newline\n\n' >"$T/dumpbody"
printf 'Subject: seven bits\n\nplain\n' >"$T/msg7"
: >"$T/empty"
chmod 644 "$T/msg" "$T/msg7" "$T/empty"

# 1. K: smtp-sink takes it
sink 127.0.6.2 "$T/d2"
routes "b.example:127.0.6.2:2525"
remote b.example alice@r.example bob@b.example <"$T/msg"
check "K: the one result line names the host and its 250" result 'K127\.0\.6\.2 said: 250 2\.0\.0 Ok.*'
f=$(dumped "$T/d2")
check "smtp-sink got one message" [ -n "$f" ]
check "its body, line for line (dots, CR LF, bare CR, no final newline)" \
  sh -c "tail -n +9 '$f' | cmp -s - '$T/dumpbody'"
check "EHLO with control/me" grep -qx 'X-Helo-Args: r.example' "$f"
check "ESMTP" grep -qx 'X-Client-Proto: ESMTP' "$f"
check "MAIL FROM the sender, BODY=8BITMIME for 8-bit bytes" grep -qx 'X-Mail-Args: <alice@r.example> BODY=8BITMIME' "$f"
check "RCPT TO the recipient" grep -qx 'X-Rcpt-Args: <bob@b.example>' "$f"
rm -f "$T/d2"/*

# 2. the bytes on the wire, and SIZE, through smtpcap.py
cap 127.0.6.3 "$T/c3" ok
routes "b.example:127.0.6.3:2525"
remote b.example alice@r.example bob@b.example <"$T/msg"
check "K from smtpcap" result 'K127\.0\.6\.3 said: 250 2\.0\.0 captured'
check "DATA on the wire, byte for byte: CR LF, dots doubled, CR LF added, . CR LF" cmp -s "$T/c3/data.1" "$T/wire"
size=$(($(wc -c <"$T/wire") - 3))
check "MAIL with BODY=8BITMIME and SIZE= the bytes sent ($size)" \
  grep -qx "MAIL FROM:<alice@r.example> BODY=8BITMIME SIZE=$size"$(printf '\r') "$T/c3/cmds"
check "commands in order: EHLO, MAIL, RCPT, DATA, QUIT" \
  sh -c "cut -c1-4 '$T/c3/cmds' | tr '\n' ' ' | grep -qx 'EHLO MAIL RCPT DATA QUIT '"
remote b.example alice@r.example bob@b.example <"$T/empty"
check "an empty message: K" result 'K127\.0\.6\.3 said: 250 2\.0\.0 captured'
check "an empty message is . CR LF alone" sh -c "printf '.\r\n' | cmp -s - '$T/c3/data.2'"
remote b.example alice@r.example bob@b.example <"$T/msg7"
check "7-bit message: K" result 'K.*'
check "7-bit message: no BODY=" grep -qx "MAIL FROM:<alice@r.example> SIZE=30"$(printf '\r') "$T/c3/cmds"
halt $CPID

# 3. the envelope: <> for an empty sender; no 8BITMIME offered, no BODY=
routes "b.example:127.0.6.2:2525"
remote b.example "" bob@b.example <"$T/msg7"
check "empty sender: K" result 'K127\.0\.6\.2 said: 250 .*'
f=$(dumped "$T/d2")
check "empty sender: MAIL FROM:<>" grep -qx 'X-Mail-Args: <>' "$f"
rm -f "$T/d2"/*
sink 127.0.6.8 "$T/d8" -8
routes "b.example:127.0.6.8:2525"
remote b.example alice@r.example bob@b.example <"$T/msg"
check "no 8BITMIME offered: K all the same" result 'K127\.0\.6\.8 said: 250 .*'
f=$(dumped "$T/d8")
check "no 8BITMIME offered: no BODY=" grep -qx 'X-Mail-Args: <alice@r.example>' "$f"
halt $SPID
rm -rf "$T/d8"
sink 127.0.6.8 "$T/d8" -f EHLO
remote b.example alice@r.example bob@b.example <"$T/msg7"
check "EHLO refused: HELO, and K" result 'K127\.0\.6\.8 said: 250 .*'
f=$(dumped "$T/d8")
check "EHLO refused: the message went with HELO" grep -qx 'X-Client-Proto: SMTP' "$f"
halt $SPID

# 4. D: a 5xx to MAIL, RCPT, DATA or the end of the message
for c in MAIL RCPT DATA .; do
  rm -rf "$T/d8"
  sink 127.0.6.8 "$T/d8" -f "$c"
  remote b.example alice@r.example bob@b.example <"$T/msg"
  check "5xx to $c: D with the server's reply" result 'D127\.0\.6\.8 said: 5[0-9][0-9] .*'
  halt $SPID
done

# 5. Z: a 4xx to MAIL, RCPT, DATA or the end of the message
for c in MAIL RCPT DATA .; do
  sink 127.0.6.8 "$T/d8" -r "$c"
  remote b.example alice@r.example bob@b.example <"$T/msg"
  check "4xx to $c: Z with the server's reply" result 'Z127\.0\.6\.8 said: 4[0-9][0-9] .*'
  halt $SPID
done

# the server's words: several lines joined with /, bytes outside ASCII as ?
cap 127.0.6.7 "$T/c7" multi
routes "b.example:127.0.6.7:2525"
remote b.example alice@r.example bob@b.example <"$T/msg7"
check "a two-line 550: D, the lines joined with /" \
  result 'D127\.0\.6\.7 said: 550-5\.1\.1 first line/550 5\.1\.1 second line'
halt $CPID
cap 127.0.6.7 "$T/c7" binary
remote b.example alice@r.example bob@b.example <"$T/msg7"
check "bytes outside printable ASCII: ?" result 'D127\.0\.6\.7 said: 550 5\.1\.1 \?bad\?\?'
halt $CPID

# 6. Z: nobody there, a hang-up after the greeting, a 421 greeting, bad
# replies, silence
routes "b.example:127.0.6.6:2525"
remote b.example alice@r.example bob@b.example <"$T/msg"
check "connection refused: Z" result 'Zconnection to 127\.0\.6\.6:2525 failed: Connection refused'
sink 127.0.6.8 "$T/d8" -q EHLO
routes "b.example:127.0.6.8:2525"
remote b.example alice@r.example bob@b.example <"$T/msg"
check "the server hangs up after the greeting: Z" result 'Z127\.0\.6\.8 closed the connection \(the reply to EHLO\)'
halt $SPID
sink 127.0.6.8 "$T/d8" -Q CONNECT
remote b.example alice@r.example bob@b.example <"$T/msg"
check "a 421 greeting: Z with it" result 'Z127\.0\.6\.8 said: 421 .*'
halt $SPID
routes "b.example:127.0.6.7:2525"
for m in long mixed; do
  cap 127.0.6.7 "$T/c7" $m
  remote b.example alice@r.example bob@b.example <"$T/msg"
  halt $CPID
  case $m in
    long) check "a 2000-byte reply line: Z reply too long" result 'Z127\.0\.6\.7 sent a bad reply: reply too long \(the greeting\)' ;;
    mixed) check "a reply with mixed codes: Z" result 'Z127\.0\.6\.7 sent a bad reply: .*mixed codes.*' ;;
  esac
done
cap 127.0.6.7 "$T/c7" sleep
echo 2 >"$T/r/control/timeoutremote"
t0=$(date +%s)
remote b.example alice@r.example bob@b.example <"$T/msg"
t1=$(date +%s)
check "a server that never speaks: Z timeout" result 'Ztimeout talking to 127\.0\.6\.7 \(the greeting\)'
check "after control/timeoutremote (2 s), not much more ($((t1 - t0)) s)" [ $((t1 - t0)) -ge 1 ] && [ $((t1 - t0)) -le 6 ]
halt $CPID
rm -f "$T/r/control/timeoutremote"

# 7. control/smtproutes: the longest suffix, the smarthost, a bad line
routes ":127.0.6.6:2525" ".example.net:127.0.6.6:2525" ".b.example.net:127.0.6.2:2525"
remote a.b.example.net alice@r.example bob@a.b.example.net <"$T/msg7"
check "the longest .SUFFIX wins" result 'K127\.0\.6\.2 said: .*'
routes ".example.net:127.0.6.6:2525" ":127.0.6.2:2525"
remote z.example alice@r.example bob@z.example <"$T/msg7"
check "the smarthost (empty DOMAIN) for any other domain" result 'K127\.0\.6\.2 said: .*'
routes "b.example:127.0.6.2:2525" "b.example:127.0.6.2:99999"
remote b.example alice@r.example bob@b.example <"$T/msg7"
check "a bad line anywhere: Z control/smtproutes line 2 is bad" result 'Zcontrol/smtproutes line 2 is bad'
rm -f "$T/d2"/*

# 8. the MX path, through tinydns on 127.0.6.10; "::2525" sends every
# domain to its MX (or A) records, on port 2525
sink 127.0.6.4 "$T/d4"
P4=$SPID
sink 127.0.6.5 "$T/d5"
P5=$SPID
mkdir -p "$T/dns"
cat >"$T/dns/data" <<EOF
.test:127.0.6.10:ns:300
@pref.test::mxb.pref.test:20:300
@pref.test::mxa.pref.test:10:300
+mxa.pref.test:127.0.6.4:300
+mxb.pref.test:127.0.6.5:300
@fall.test::dead.fall.test:10:300
@fall.test::live.fall.test:20:300
+dead.fall.test:127.0.6.6:300
+live.fall.test:127.0.6.2:300
+amx.test:127.0.6.5:300
'nomail.test:no mail here:300
@nomx.test::nowhere.nomx.test:10:300
=relay.test:127.0.6.4:300
EOF
(cd "$T/dns" && tinydns-data) || die "tinydns-data"
env - PATH="$PATH" IP=127.0.6.10 ROOT="$T/dns" UID=65534 GID=65534 tinydns >>"$T/dns.log" 2>&1 &
started $!
waitfor 5 sh -c "ss -lun | grep -q '127.0.6.10:53 '" || die "tinydns did not start"
echo 127.0.6.10 >"$T/r/control/dnsip"
routes "::2525"
remote pref.test alice@r.example bob@pref.test <"$T/msg7"
check "MX: the lowest preference first" result 'K127\.0\.6\.4 said: .*'
check "MX: the message is at the preferred host" [ -n "$(dumped "$T/d4")" ]
remote fall.test alice@r.example bob@fall.test <"$T/msg7"
check "MX: the first host refuses connections, the second takes it" result 'K127\.0\.6\.2 said: .*'
remote amx.test alice@r.example bob@amx.test <"$T/msg7"
check "no MX: the domain's own A record" result 'K127\.0\.6\.5 said: .*'
remote nx.test alice@r.example bob@nx.test <"$T/msg7"
check "a domain that does not exist: D no mail exchanger" result 'Dno mail exchanger for nx\.test'
remote nomail.test alice@r.example bob@nomail.test <"$T/msg7"
check "a name with neither MX nor A: D no mail exchanger" result 'Dno mail exchanger for nomail\.test'
remote nomx.test alice@r.example bob@nomx.test <"$T/msg7"
check "an MX whose host has no address: D" result 'Dno address for any mail exchanger of nomx\.test'
routes "named.test:relay.test:2525"
remote named.test alice@r.example bob@named.test <"$T/msg7"
check "a route to a host name: its A record" result 'K127\.0\.6\.4 said: .*'
routes "named.test:norelay.test:2525"
remote named.test alice@r.example bob@named.test <"$T/msg7"
check "a route to a host name with no address: Z (the admin fixes it)" result 'Zno address for norelay\.test \(control/smtproutes\)'
echo 127.0.6.11 >"$T/r/control/dnsip"
routes "::2525"
remote pref.test alice@r.example bob@pref.test <"$T/msg7"
check "no DNS server answers: Z" result 'Ztemporary DNS failure looking up the MX records of pref\.test'
echo "bad" >"$T/r/control/dnsip"
remote pref.test alice@r.example bob@pref.test <"$T/msg7"
check "a bad control/dnsip: Z" result 'Zcontrol/dnsip is bad'
rm -f "$T/r/control/dnsip"

# 9. what is not a result: usage and setup errors on stderr, no line
fatal() { # CODE PATTERN
  [ $RC = $1 ] && [ ! -s "$T/out" ] && grep -Eq "^im2k-remote: fatal: $2" "$T/err" ||
    { echo "# exit $RC, stdout: $(cat "$T/out"), stderr: $(cat "$T/err")"; return 1; }
}
remote <"$T/msg7"
check "no arguments: exit 100, usage" fatal 100 'usage: im2k-remote DOMAIN SENDER RCPT'
remote b.example alice@r.example <"$T/msg7"
check "two arguments: exit 100" fatal 100 'usage'
remote b.example alice@r.example bob <"$T/msg7"
check "a recipient with no domain: exit 100" fatal 100 'bad recipient address'
remote b.example 'alice@r.example> NOTIFY=NEVER' bob@b.example <"$T/msg7"
check "a sender that would change the command: exit 100" fatal 100 'bad sender address'
remote 'b.example:1' alice@r.example bob@b.example <"$T/msg7"
check "a bad domain: exit 100" fatal 100 'bad domain'
echo x | remote b.example alice@r.example bob@b.example
check "stdin a pipe, not the archived file: exit 100" fatal 100 'stdin is not a regular file'
env IM2K_HOME="$T/r" "$T/r/bin/im2k-remote" b.example alice@r.example bob@b.example <"$T/msg7" >"$T/out" 2>"$T/err"
RC=$?
check "as root: exit 111, refused" fatal 111 'refusing to run as root'
setuidgid "$NU" env IM2K_HOME="$T/nohome" "$T/r/bin/im2k-remote" b.example a@r.example bob@b.example <"$T/msg7" >"$T/out" 2>"$T/err"
RC=$?
check "no home: exit 111" fatal 111 'unable to open the home'
echo 0 >"$T/r/control/timeoutconnect"
remote b.example alice@r.example bob@b.example <"$T/msg7"
check "a bad control/timeoutconnect: exit 111" fatal 111 '.*control/timeoutconnect'
rm -f "$T/r/control/timeoutconnect"

check "no sanitizer report from any run" sh -c "! grep -Eq 'Sanitizer|runtime error' '$T/allerr'"
[ $FAILED = 0 ]
