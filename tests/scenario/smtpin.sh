# smtpin.sh: SMTP in.  One ISP, w.example on 127.0.4.2, with im2k-smtpd
# under tcpserver under svscan on port 2525; a raw SMTP client
# (tests/tools/smtpc.py) sends what old-world clients send, well-formed
# or not, then two real clients do: swaks and Postfix's smtp-source.
# Mail for a local user reaches the user's Maildir through im2k-pickup,
# byte for byte after the documented trace fields; what is refused is
# never stored.  Needs root (accounts, tcpserver -U), swaks and postfix.
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-smtpin.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
WR=im2kwrcpt
GW=$(sed -n 7p "$TOP/conf-users")
trap 'unpair $WR' EXIT
accounts
mailuser $WR "$T/home/$WR"
isp w w.example 127.0.4.2
receiver w $WR
sender w "$GW"
echo "127.0.4.2 2525" >"$T/w/control/smtplisten"
mkdir -p "$T/svc"
ln -sfn "$T/w/service/im2k-smtpd" "$T/svc/w-im2k-smtpd"
services w
UG=$(id -u "$GW")
ARC="$T/w/archive/$UG"
MD="$T/home/$WR/Maildir"
smtp() { python3 "$TOP/tests/tools/smtpc.py" 127.0.4.2 2525 "$@"; }
stored() { find "$ARC" -type f ! -name '*.job' | wc -l; }
delivered() { ls "$MD/new" 2>/dev/null | wc -l; }
# pickup_until N: run the user's pickup until N messages are delivered
pickup_until() {
  _k=0
  while [ $_k -lt 50 ]; do
    as $WR w im2k-pickup >/dev/null 2>&1
    [ "$(delivered)" -ge "$1" ] && return 0
    sleep 0.2; _k=$((_k+1))
  done
  return 1
}
waitfor 10 sh -c "printf 'QUIT\r\n' | python3 '$TOP/tests/tools/smtpc.py' 127.0.4.2 2525 | grep -q '^221'"
check "im2k-smtpd answers on 127.0.4.2:2525" [ $? = 0 ]

# the service: tcpserver runs as the gateway account, not root
p=$(pid w-im2k-smtpd)
check "tcpserver runs as $GW" [ "$(ps -o user= -p "$p")" = "$GW" ]

# 1. a message for a local user: in the gateway archive before the 250,
# then in the user's Maildir, byte for byte after the trace fields
printf 'From: someone@old.example\nTo: %s@w.example\nSubject: from the old world\n\nline one\n.leading dot\n..two dots\n.\n\nbytes \303\251\n' $WR >"$T/msg1"
{ printf 'EHLO client.old.example\r\nMAIL FROM:<someone@old.example> BODY=8BITMIME SIZE=200\r\nRCPT TO:<%s@w.example>\r\nDATA\r\n' $WR
  sed 's/^\./../; s/$/\r/' "$T/msg1"
  printf '.\r\n@@PAUSE@@\nQUIT\r\n'; } >"$T/in1"
before=$(stored)
smtp sh -c "[ \$(find '$ARC' -type f ! -name '*.job' | wc -l) = $((before + 1)) ]" <"$T/in1" >"$T/out1"
check "EHLO offers PIPELINING, 8BITMIME and SIZE" \
  sh -c "grep -q '^250-PIPELINING' '$T/out1' && grep -q '^250-8BITMIME' '$T/out1' && grep -q '^250 SIZE 10485760' '$T/out1'"
check "DATA: 354, then 250" sh -c "grep -q '^354 ' '$T/out1' && grep -q '^250 2.0.0 ok: stored' '$T/out1'"
check "the message is in the gateway archive when the 250 comes" grep -qx 'check: 0' "$T/out1"
check "QUIT: 221" grep -q '^221 ' "$T/out1"
f=$(find "$ARC" -type f ! -name '*.job' | head -n 1)
check "the archived file belongs to the gateway account" [ "$(stat -c %U "$f")" = "$GW" ]
pickup_until 1
check "pickup delivers it" [ "$(delivered)" = 1 ]
d="$MD/new/$(ls "$MD/new" | head -n 1)"
check "delivered: Return-Path is the gateway's im2k address" \
  [ "$(sed -n 1p "$d")" = "Return-Path: <$GW@w.example>" ]
check "delivered: Delivered-To the user" [ "$(sed -n 2p "$d")" = "Delivered-To: $WR@w.example" ]
check "delivered: X-Envelope-From keeps the SMTP sender" \
  [ "$(sed -n 3p "$d")" = "X-Envelope-From: <someone@old.example>" ]
check "delivered: Received names the client and this host" \
  sh -c "sed -n 4p '$d' | grep -q '^Received: from client.old.example (\[127.0.0.1\])\$' &&
         sed -n 5p '$d' | grep -q '^	by w.example (im2k-smtpd) with ESMTP; '"
check "delivered: the rest is the message byte for byte (dots unstuffed, LF)" \
  sh -c "tail -n +6 '$d' | cmp -s - '$T/msg1'"

# 2. refusals of recipients: no open relay
printf 'HELO c\r\nMAIL FROM:<a@old.example>\r\nRCPT TO:<nobody@w.example>\r\nRCPT TO:<%s@elsewhere.example>\r\nRCPT TO:<%s@W.EXAMPLE>\r\nRSET\r\nRCPT TO:<%s@w.example>\r\nDATA\r\nVRFY %s\r\nNOOP\r\nBOGUS\r\nQUIT\r\n' $WR $WR $WR $WR | smtp >"$T/out2"
check "unknown user: 550 5.1.1" grep -q '^550 5.1.1 ' "$T/out2"
check "relay attempt: 550 5.7.1" grep -q '^550 5.7.1 relaying denied' "$T/out2"
check "the domain in any case is local: 250" [ "$(grep -c '^250 2.1.5' "$T/out2")" = 1 ]
check "RCPT after RSET: 503" grep -q '^503 5.5.1 MAIL first' "$T/out2"
check "DATA without MAIL: 503" [ "$(grep -c '^503 ' "$T/out2")" = 2 ]
check "VRFY: 252" grep -q '^252 ' "$T/out2"
check "unknown command: 500" grep -q '^500 5.5.1' "$T/out2"
printf 'HELO c\r\nMAIL FROM:a@b\r\nMAIL FROM:<a b>\r\nMAIL FROM:<a@b> FOO=1\r\nMAIL FROM:<>\r\nDATA\r\nQUIT\r\n' | smtp >"$T/out3"
check "MAIL without brackets: 501" [ "$(grep -c '^501 ' "$T/out3")" = 2 ]
check "MAIL with an unknown parameter: 555" grep -q '^555 ' "$T/out3"
check "the null sender is taken; DATA with no recipient: 554" \
  sh -c "grep -q '^250 2.1.0' '$T/out3' && grep -q '^554 5.5.1 no valid recipients' '$T/out3'"

# 3. pipelining: one write, the replies in order
n0=$(stored)
{ printf 'EHLO p\r\nMAIL FROM:<p@old.example>\r\nRCPT TO:<nobody@w.example>\r\nRCPT TO:<%s@w.example>\r\nDATA\r\nSubject: pipelined\r\n\r\nbody\r\n.\r\nNOOP\r\nQUIT\r\n' $WR; } | smtp >"$T/out4"
check "pipelined: every reply, in order" \
  sh -c "grep '^[0-9][0-9][0-9] ' '$T/out4' | cut -c1-3 | tr '\n' ' ' | grep -qx '220 250 250 550 250 354 250 250 221 '"
check "pipelined: one message stored" [ "$(stored)" = $((n0 + 1)) ]

# 4. bare LF, bare CR, smuggling: refused, nothing stored, in step after
data_of() { printf 'HELO c\r\nMAIL FROM:<x@old.example>\r\nRCPT TO:<%s@w.example>\r\nDATA\r\n' $WR; }
n0=$(stored)
{ data_of; printf 'Subject: lf\r\n\r\nbare\nlf\r\n.\r\nNOOP\r\nQUIT\r\n'; } | smtp >"$T/out5"
check "bare LF: 554, then the session goes on" \
  sh -c "grep -q '^554 5.6.0 bare CR or bare LF' '$T/out5' && grep -q '^221' '$T/out5'"
{ data_of; printf 'Subject: cr\r\n\r\nbare\rcr\r\n.\r\nQUIT\r\n'; } | smtp >"$T/out6"
check "bare CR: 554" grep -q '^554 5.6.0 bare CR or bare LF' "$T/out6"
{ data_of; printf 'Subject: smuggle\r\n\r\nfirst\n.\nMAIL FROM:<evil@old.example>\r\nRCPT TO:<%s@w.example>\r\nDATA\r\nSubject: smuggled\r\n\r\nsecond\r\n.\r\nQUIT\r\n' $WR; } | smtp >"$T/out7"
check "smuggling with LF.LF: one 354, one 554, no second message" \
  sh -c "[ \$(grep -c '^354' '$T/out7') = 1 ] && grep -q '^554 5.6.0' '$T/out7' && [ \$(grep -c '^250 2.1.0' '$T/out7') = 1 ]"
{ data_of; printf 'Subject: smuggle\r\n\r\nfirst\r\n.\nMAIL FROM:<evil@old.example>\r\nRCPT TO:<%s@w.example>\r\nDATA\r\nsecond\r\n.\r\nQUIT\r\n' $WR; } | smtp >"$T/out8"
check "smuggling with CRLF.LF: one 354, one 554" \
  sh -c "[ \$(grep -c '^354' '$T/out8') = 1 ] && grep -q '^554 5.6.0' '$T/out8'"
{ data_of; printf 'Subject: smuggle\r\n\r\nfirst\r\n.\rMAIL FROM:<evil@old.example>\r\n.\r\nQUIT\r\n'; } | smtp >"$T/out9"
check "smuggling with CRLF.CR: 554" grep -q '^554 5.6.0' "$T/out9"
check "none of them stored" [ "$(stored)" = "$n0" ]

# 5. bounds: lines and size
long=$(head -c 1100 /dev/zero | tr '\0' a)
printf 'HELO c\r\nNOOP %s\r\nQUIT\r\n' "$long" | smtp >"$T/out10"
check "command line over 1000 bytes: 500, then in step" \
  sh -c "grep -q '^500 5.5.2 line too long' '$T/out10' && grep -q '^221' '$T/out10'"
l998=$(head -c 998 /dev/zero | tr '\0' b)
{ data_of; printf 'Subject: long\r\n\r\n%s\r\n.\r\nQUIT\r\n' "$l998"; } | smtp >"$T/out11"
check "a line of 1000 bytes with CRLF: taken" grep -q '^250 2.0.0 ok: stored' "$T/out11"
n0=$(stored)
{ data_of; printf 'Subject: long\r\n\r\n%sb\r\n.\r\nQUIT\r\n' "$l998"; } | smtp >"$T/out12"
check "a line of 1001 bytes: 500, not stored" \
  sh -c "grep -q '^500 5.5.2 a line of the message' '$T/out12' && [ \$(find '$ARC' -type f ! -name '*.job' | wc -l) = $n0 ]"
echo 1000 >"$T/w/control/databytes"
printf 'EHLO c\r\nMAIL FROM:<x@old.example> SIZE=1001\r\nQUIT\r\n' | smtp >"$T/out13"
check "databytes 1000: EHLO says SIZE 1000, MAIL SIZE=1001: 552" \
  sh -c "grep -q '^250 SIZE 1000' '$T/out13' && grep -q '^552 5.3.4' '$T/out13'"
{ data_of; printf 'Subject: big\r\n\r\n'; i=0; while [ $i -lt 30 ]; do printf '%s\r\n' "$(head -c 60 /dev/zero | tr '\0' c)"; i=$((i+1)); done; printf '.\r\nNOOP\r\nQUIT\r\n'; } | smtp >"$T/out14"
check "a message over databytes: 552, then in step" \
  sh -c "grep -q '^552 5.3.4 message over 1000 bytes' '$T/out14' && grep -q '^221' '$T/out14'"
check "and not stored" [ "$(stored)" = "$n0" ]
rm -f "$T/w/control/databytes"

# 6. tcprules: a denied client gets no greeting
printf '127.0.4.9:deny\n:allow\n' | tcprules "$T/w/control/smtp.cdb" "$T/w/control/smtp.tmp"
printf 'QUIT\r\n' | SRC=127.0.4.9 smtp >"$T/out15" 2>&1
check "tcprules deny: no 220" sh -c "! grep -q '^220' '$T/out15'"
printf 'QUIT\r\n' | SRC=127.0.4.8 smtp >"$T/out16" 2>&1
check "another client is still served" grep -q '^220 w.example' "$T/out16"

# everything accepted reaches the user: messages 1, the pipelined one
# and the 1000-byte line
pickup_until 3
check "pickup: three messages in all" [ "$(delivered)" = 3 ]
check "the long line arrived whole" grep -qx "$l998" "$MD"/new/*
check "nothing refused arrived" sh -c "! grep -l 'smuggled\|^evil\|bare' '$MD'/new/* >/dev/null 2>&1"
LOG="$T/w/service/im2k-smtpd/log/main/current"
check "the log: one line per accepted message" [ "$(grep -c 'im2k-smtpd: .*: accepted from <' "$LOG")" = 3 ]
check "the log: the refusals, with the reason" grep -q 'refused: bare CR or LF' "$LOG"
check "the log: no sanitizer report" sh -c "! grep -q 'Sanitizer\|runtime error' '$LOG'"

# 7. real clients.  swaks: a message from a file (swaks sends each LF as
# CRLF, stuffs dots and ends the data with one more CRLF: the file plus a
# final LF arrives), a relay attempt, pipelining.
SW="swaks --server 127.0.4.2 --port 2525"
# bysubject SUBJECT: the delivered files with that Subject line
bysubject() { grep -lx "Subject: $1" "$MD"/new/* 2>/dev/null; }
printf 'From: someone@old.example\nTo: %s@w.example\nSubject: from swaks\nMessage-Id: <sw1@old.example>\n\nfirst line\n.a leading dot\n..two dots\n\nbytes \303\251\nno LF after this line' $WR >"$T/sw1"
n0=$(delivered)
$SW --helo swaks.old.example --from someone@old.example --to $WR@w.example --data @"$T/sw1" >"$T/sw1.out" 2>&1
rc=$?
check "swaks: exit 0, the data taken with 250" \
  sh -c "[ $rc = 0 ] && grep -q '^<-  250 2.0.0 ok: stored' '$T/sw1.out'"
pickup_until $((n0 + 1))
check "swaks: one more message delivered" [ "$(delivered)" = $((n0 + 1)) ]
d=$(bysubject 'from swaks')
check "swaks: the delivered file is the one with its Subject" [ "$(echo "$d" | grep -c .)" = 1 ]
check "swaks: X-Envelope-From is its MAIL FROM" [ "$(sed -n 3p "$d")" = "X-Envelope-From: <someone@old.example>" ]
check "swaks: Received names its EHLO" \
  sh -c "sed -n 4p '$d' | grep -q '^Received: from swaks.old.example (\[127.0.0.1\])\$' &&
         sed -n 5p '$d' | grep -q '^	by w.example (im2k-smtpd) with ESMTP; '"
{ cat "$T/sw1"; echo; } >"$T/sw1.want"
check "swaks: headers and body byte for byte (dots unstuffed, 8-bit kept)" \
  sh -c "tail -n +6 '$d' | cmp -s - '$T/sw1.want'"

n0=$(stored)
$SW --helo swaks.old.example --from someone@old.example --to $WR@elsewhere.example --data @"$T/sw1" >"$T/sw2.out" 2>&1
rc=$?
check "swaks to another domain: exit 24 (no recipient taken)" [ $rc = 24 ]
check "swaks to another domain: 550 5.7.1 in its transcript" \
  grep -q '^<\*\* 550 5.7.1 relaying denied' "$T/sw2.out"
check "swaks to another domain: nothing stored" [ "$(stored)" = "$n0" ]

printf 'From: p@old.example\nSubject: swaks pipelined\n\npipelined body\n.\nafter a lone dot\n' >"$T/sw3"
n0=$(delivered)
$SW --pipeline --helo p.old.example --from p@old.example --to $WR@w.example,nobody@w.example --data @"$T/sw3" >"$T/sw3.out" 2>&1
rc=$?
check "swaks --pipeline: exit 0, the data taken with 250" \
  sh -c "[ $rc = 0 ] && grep -q '^<-  250 2.0.0 ok: stored' '$T/sw3.out'"
# its transcript in the order of the wire: all four commands, then the replies
printf ' -> MAIL FROM:<p@old.example>\n -> RCPT TO:<%s@w.example>\n -> RCPT TO:<nobody@w.example>\n -> DATA\n<-  250 2.1.0 ok\n<-  250 2.1.5 ok\n<** 550 5.1.1 no such user here\n<-  354 go ahead: end with <CRLF>.<CRLF>\n' $WR >"$T/sw3.order"
check "swaks --pipeline: MAIL, both RCPTs and DATA in one go, the replies in order" \
  sh -c "sed -n '/^ -> MAIL/,/^<-  354/p' '$T/sw3.out' | cmp -s - '$T/sw3.order'"
pickup_until $((n0 + 1))
d=$(bysubject 'swaks pipelined')
{ cat "$T/sw3"; echo; } >"$T/sw3.want"
check "swaks --pipeline: delivered once, byte for byte" \
  sh -c "[ \$(echo '$d' | grep -c .) = 1 ] && tail -n +6 '$d' | cmp -s - '$T/sw3.want'"

# Postfix's smtp-source: 20 messages over 4 parallel sessions (HELO, no
# pipelining), each its own Message-Id; then one over databytes
n0=$(delivered)
a0=$(stored)
smtp-source -c -m 20 -s 4 -M src.old.example -S 'from smtp-source' -f sender@x.example \
  -t $WR@w.example 127.0.4.2:2525 >"$T/ss1.out" 2>&1
rc=$?
check "smtp-source: exit 0, its counter at 20" \
  sh -c "[ $rc = 0 ] && tr '\r' '\n' <'$T/ss1.out' | grep -v '^\$' | tail -n 1 | grep -qx 20"
check "smtp-source: 20 messages in the gateway archive" [ "$(stored)" = $((a0 + 20)) ]
pickup_until $((n0 + 20))
check "smtp-source: exactly 20 more delivered" [ "$(delivered)" = $((n0 + 20)) ]
check "smtp-source: 20 files with its Subject, 20 distinct Message-Ids" \
  sh -c "[ \$(grep -lx 'Subject: from smtp-source' '$MD'/new/* | wc -l) = 20 ] &&
         [ \$(grep -lx 'Subject: from smtp-source' '$MD'/new/* | xargs grep -h '^Message-Id: ' | sort -u | wc -l) = 20 ]"
check "smtp-source: each with its sender and HELO in the trace fields" \
  sh -c "for f in \$(grep -lx 'Subject: from smtp-source' '$MD'/new/*); do
           sed -n 3p \$f | grep -qx 'X-Envelope-From: <sender@x.example>' &&
           sed -n 4p \$f | grep -q '^Received: from src.old.example ' &&
           sed -n 5p \$f | grep -q ' with SMTP; ' || exit 1; done"
echo 1000 >"$T/w/control/databytes"
a0=$(stored)
smtp-source -m 1 -l 2000 -M src.old.example -f sender@x.example -t $WR@w.example 127.0.4.2:2525 >"$T/ss2.out" 2>&1
rc=$?
check "smtp-source -l 2000 over databytes 1000: refused with 552" \
  sh -c "[ $rc != 0 ] && grep -q '552 5.3.4 message over 1000 bytes' '$T/ss2.out'"
check "smtp-source -l 2000: not stored" [ "$(stored)" = "$a0" ]
rm -f "$T/w/control/databytes"
check "the log: 25 messages accepted in all (3, swaks 2, smtp-source 20)" \
  [ "$(grep -c 'im2k-smtpd: .*: accepted from <' "$LOG")" = 25 ]
check "the log: still no sanitizer report" sh -c "! grep -q 'Sanitizer\|runtime error' '$LOG'"
[ $FAILED = 0 ]
