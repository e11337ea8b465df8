# inject.sh: im2k-inject as the sendmail of mail user agents and scripts,
# from a.example to two receivers at b.example, checked on disk after
# real pickups: -t with To, Cc and Bcc (Bcc recipients get the message,
# no copy holds a Bcc field), groups and folded fields, the flags mutt
# and git send-email pass, a symlink named sendmail, the refused modes
# and messages (nothing stored), a 2 MB line without a newline, all 256
# byte values.  Needs root (accounts, setuidgid).
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-inject.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
SA=im2ktia RB=im2ktib RC=im2ktic
trap 'unpair $SA $RB $RC' EXIT
pair $SA $RB
mailuser $RC "$T/home/$RC"
receiver b $RC
UA=$(id -u $SA)
AR="$T/a/archive/$UA"
B1=$RB@b.example C1=$RC@b.example

# send NAME ARGS...: im2k-inject ARGS as the sender, message $T/NAME;
# sets rc, the new archive file arch ("" if none), stderr in $T/err
send() {
  _m=$1; shift
  ls "$AR" | grep -v '\.job$' | sort >"$T/before"
  as $SA a im2k-inject "$@" <"$T/$_m" 2>"$T/err"
  rc=$?
  arch=$(ls "$AR" | grep -v '\.job$' | sort | comm -13 "$T/before" -)
  [ -n "$arch" ] && arch="$AR/$arch"
}
nstored() { ls "$AR" | wc -l; }
# got USER: one pickup; true once USER's Maildir/new holds a message
got() { as $1 b im2k-pickup >/dev/null 2>&1; [ -n "$(ls "$T/home/$1/Maildir/new" 2>/dev/null)" ]; }
# fetch USER: wait for USER's message; its file in d ("" if none), after
# which it is moved out of new/ so that the next test starts empty
fetch() {
  d=""
  waitfor 15 got $1 || return 0
  sleep 0.2; as $1 b im2k-pickup >/dev/null 2>&1 # a second copy would show now
  mkdir -p "$T/seen/$1"
  set -- "$1" $(ls "$T/home/$1/Maildir/new")
  [ $# = 2 ] || { echo "# $1: $(($# - 1)) messages in new/"; return 0; }
  mv "$T/home/$1/Maildir/new/$2" "$T/seen/$1/$2"
  d="$T/seen/$1/$2"
}
# nobcc FILE: no Bcc field (any case, blanks before the colon) and none
# of the test's Bcc comments in FILE
nobcc() { [ -f "$1" ] && ! grep -qiE '^bcc[[:blank:]]*:|bcc-marker' "$1"; }
# delivered FILE: the message just sent, as pickup delivered it in FILE:
# the archived copy after pickup's Return-Path and Delivered-To
delivered() { [ -n "$1" ] && tail -n +3 "$1" | cmp -s - "$arch"; }
# rcpts: the recipients of the last message, as im2k-status lists them
rcpts() { as $SA a im2k-status -m | awk -v h="$(basename "$arch")" '$1 == h { print $4 }' | sort | tr '\n' ' '; }

# 1. -t: To (quoted name with a comma), Cc (comment), two Bcc fields, one
# folded, naming the same two again: each gets one copy, none a Bcc field
printf 'From: %s@a.example\nTo: "Ib, Test" <%s>\nCc: %s (Test Ic)\nSubject: one\nBcc: %s,\n  %s (bcc-marker-1)\nBCC :<%s>\n\t(bcc-marker-2)\n\nbody one\n' \
  $SA $B1 $C1 $B1 $C1 $C1 >"$T/m1"
send m1 -t
check "-t To/Cc/Bcc: exit 0" [ $rc = 0 -a -n "$arch" ]
check "-t: every Bcc field left out of the archived copy" nobcc "$arch"
grep -v -e '^Bcc' -e '^  '$C1 -e '^BCC' -e 'bcc-marker-2' "$T/m1" >"$T/m1.want"
check "-t: the archived copy is Date, Message-ID, then the message less its Bcc fields" \
  sh -c "tail -n +3 '$arch' | cmp -s - '$T/m1.want' && head -n 2 '$arch' | grep -q '^Message-ID: <'"
check "-t: each recipient once in the envelope" [ "$(rcpts)" = "$B1 $C1 " ]
fetch $RB
check "-t: To recipient has it: the archived copy" delivered "$d"
check "-t: To recipient's copy has no Bcc" nobcc "$d"
fetch $RC
check "-t: Cc recipient has it, once: the archived copy" delivered "$d"
check "-t: Cc recipient's copy has no Bcc" nobcc "$d"

# 2. -t with an empty group in To and the recipients only in Bcc
printf 'To: undisclosed-recipients:;\nSubject: two\nBcc: "Test, Ib" <%s>,\n Test Ic <%s>\n\nbody two\n' $B1 $C1 >"$T/m2"
send m2 -t
check "-t Bcc only: exit 0" [ $rc = 0 -a -n "$arch" ]
check "-t Bcc only: both recipients in the envelope" [ "$(rcpts)" = "$B1 $C1 " ]
check "-t Bcc only: no Bcc field nor Bcc address in the archived copy" \
  sh -c "[ -f '$arch' ] && ! grep -q -e '$RB' -e '$RC' '$arch' && grep -q '^To: undisclosed-recipients:;' '$arch'"
check "-t Bcc only: and no Bcc field" nobcc "$arch"
fetch $RB
check "-t Bcc only: first Bcc recipient has it: the archived copy" delivered "$d"
check "-t Bcc only: it names neither the other nor a Bcc" sh -c "[ -f '$d' ] && ! grep -q '$RC' '$d' && ! grep -qi '^bcc' '$d'"
fetch $RC
check "-t Bcc only: second Bcc recipient has it: the archived copy" delivered "$d"
check "-t Bcc only: it names neither the other nor a Bcc" sh -c "[ -f '$d' ] && ! grep -q '$RB' '$d' && ! grep -qi '^bcc' '$d'"

# 3. -t with a group and a folded To (CR LF line ends), and the header
# fields im2k-inject would add already there: stored byte for byte
printf 'Date: Fri, 27 Nov 2026 10:00:00 +0000\r\nMessage-ID: <t3@a.example>\r\nFrom: %s@a.example\r\nTo: friends: %s,\r\n\t"Ic, Test" <%s>;,\r\n  (and nobody else)\r\nSubject: three\r\n\r\nbody three\r\n' \
  $SA $B1 $C1 >"$T/m3"
send m3 -t
check "-t group and folded To: exit 0" [ $rc = 0 -a -n "$arch" ]
check "-t group and folded To: both members in the envelope" [ "$(rcpts)" = "$B1 $C1 " ]
check "-t group and folded To: archived byte for byte" cmp -s "$T/m3" "$arch"
fetch $RB
check "-t group: first member has it, byte for byte" delivered "$d"
fetch $RC
check "-t group: second member has it, byte for byte" delivered "$d"

# 4. mutt: -oi -oem -f SENDER -- RECIPIENTS, the Bcc written into the
# header (write_bcc); without -t the header's To is not read
printf 'From: "Test Ia" <%s@a.example>\nTo: nobody@b.example\nBcc: %s\nSubject: four\n\nbody four\n.\nafter a lone dot\n' $SA $C1 >"$T/m4"
send m4 -oi -oem -f $SA@a.example -- $B1 $C1
check "mutt-like -oi -oem -f ... -- rcpts: exit 0" [ $rc = 0 -a -n "$arch" ]
check "mutt-like: the arguments are the recipients, not To" [ "$(rcpts)" = "$B1 $C1 " ]
grep -v '^Bcc:' "$T/m4" >"$T/m4.want"
check "mutt-like: Bcc left out without -t too, the rest (a lone dot too) kept" \
  sh -c "tail -n +3 '$arch' | cmp -s - '$T/m4.want' && head -n 1 '$arch' | grep -q '^Date: '"
fetch $RB
check "mutt-like: To argument has it: the archived copy" delivered "$d"
fetch $RC
check "mutt-like: Bcc argument has it: the archived copy" delivered "$d"
check "mutt-like: with no Bcc field" nobcc "$d"

# 5. git send-email: -i -t, plus a recipient argument (added, as Postfix
# does), the header complete: stored byte for byte
printf 'From: Test Ia <%s@a.example>\nTo: %s\nDate: Fri, 27 Nov 2026 10:05:00 +0000\nMessage-ID: <20261127100500.1-1-t5@a.example>\nSubject: [PATCH] five\nX-Mailer: git-send-email 2.39.2\nMIME-Version: 1.0\nContent-Transfer-Encoding: 8bit\n\n---\n a | 1 +\n' \
  $SA $B1 >"$T/m5"
send m5 -i -t $C1
check "git-send-email-like -i -t: exit 0" [ $rc = 0 -a -n "$arch" ]
check "-i -t: header and argument recipients" [ "$(rcpts)" = "$B1 $C1 " ]
check "-i -t: archived byte for byte" cmp -s "$T/m5" "$arch"
fetch $RB
check "-i -t: To recipient has it, byte for byte" delivered "$d"
fetch $RC
check "-i -t: argument recipient has it, byte for byte" delivered "$d"

# 6. a symlink named sendmail (as /usr/sbin/sendmail would be), absolute
# and relative: im2k-archive and the home are found beside the real file
mkdir -p "$T/usr/sbin" "$T/usr/lib"
ln -s "$T/a/bin/im2k-inject" "$T/usr/sbin/sendmail"
ln -s ../../a/bin/im2k-inject "$T/usr/lib/sendmail"
ln -s "$T/a/bin/im2k-inject" "$T/usr/sbin/mailq"
printf 'To: %s\nSubject: six\n\nbody six\n' $B1 >"$T/m6"
for s in "$T/usr/sbin/sendmail" "$T/usr/lib/sendmail"; do
  ls "$AR" | grep -v '\.job$' | sort >"$T/before"
  (cd "$T/home/$SA" && env - PATH=/usr/bin:/bin HOME="$T/home/$SA" setuidgid $SA "$s" -oi -t <"$T/m6" 2>"$T/err")
  rc=$?
  arch=$(ls "$AR" | grep -v '\.job$' | sort | comm -13 "$T/before" -)
  n=${s#$T/}
  check "$n -oi -t: exit 0, stored in a's archive" [ $rc = 0 -a -n "$arch" ]
  arch="$AR/$arch"
  check "$n: From added with the sender's address" grep -q "^From: $SA@a.example\$" "$arch"
  fetch $RB
  check "$n: delivered" delivered "$d"
done
(cd "$T/home/$SA" && setuidgid $SA "$T/usr/sbin/mailq" </dev/null 2>"$T/err")
check "a symlink named mailq: exit 100" [ $? = 100 ]
check "mailq: says it is not supported" grep -q 'mailq (-bp' "$T/err"

# 7. refusals: exit 100, a message naming the flag or the fault, nothing
# stored
c0=$(nstored)
printf 'To: %s\nSubject: no\n\nno\n' $B1 >"$T/mno"
for f in -bs -bd -bp -bi -bv -bt -bD -bP -q -q30m -qf -I; do
  send mno $f $B1
  check "$f: exit 100" [ $rc = 100 ]
  case $f in -q*) fl=-q ;; *) fl=$f ;; esac
  check "$f: says what is refused" grep -q -- "fatal: .*${fl}.* not supported" "$T/err"
done
send mno -b s $B1
check "-b s (value apart): exit 100, names -bs" sh -c "[ $rc = 100 ] && grep -q -- '-bs' '$T/err'"
send mno -x $B1
check "unknown option: exit 100" sh -c "[ $rc = 100 ] && grep -q 'unknown option -x' '$T/err'"
send mno -N
check "-N without its value: exit 100" sh -c "[ $rc = 100 ] && grep -q 'option -N needs a value' '$T/err'"
printf 'Subject: nobody\n\nbody\n' >"$T/m7a"
send m7a -t
check "-t and no recipient at all: exit 100" [ $rc = 100 ]
check "-t and no recipient: says so" grep -q 'no recipients' "$T/err"
printf 'To: undisclosed-recipients:;\nBcc:\nSubject: nobody\n\nbody\n' >"$T/m7b"
send m7b -t
check "-t with empty To and Bcc: exit 100" sh -c "[ $rc = 100 ] && grep -q 'no recipients' '$T/err'"
printf 'To: Doe, John <%s>\n\nbody\n' $B1 >"$T/m7c"
send m7c -t
check "-t, To with an unquoted comma: exit 100" [ $rc = 100 ]
check "-t, bad To: says which field and why" grep -q 'unable to parse the To field (an address without @domain)' "$T/err"
printf 'To: %s\nCc: "unterminated <%s>\n\nbody\n' $B1 $C1 >"$T/m7d"
send m7d -t
check "-t, bad Cc: exit 100 and says so" sh -c "[ $rc = 100 ] && grep -q 'unable to parse the Cc field' '$T/err'"
printf 'To: %s, user@[127.0.0.3]\n\nbody\n' $B1 >"$T/m7e"
send m7e -t
check "-t, an address im2k cannot send to: exit 100" sh -c "[ $rc = 100 ] && grep -q 'bad recipient address in the To field: user@\[127.0.0.3\]' '$T/err'"
printf 'To: %s\nSubject: a\000b\n\nbody\n' $B1 >"$T/m7f"
send m7f $B1
check "a NUL byte in the header: exit 100" [ $rc = 100 ]
check "a NUL byte in the header: says so" grep -q 'NUL byte in the header' "$T/err"
{ printf 'To: %s\nX-Big: ' $B1; head -c 1100000 /dev/zero | tr '\0' y; printf '\n\nbody\n'; } >"$T/m7g"
send m7g $B1
check "a header over 1 MiB: exit 100" [ $rc = 100 ]
check "a header over 1 MiB: says so" grep -q 'header over 1048576 bytes' "$T/err"
{ printf 'To: %s\n' $B1; i=0; while [ $i -lt 1100 ]; do printf 'X-F%d: ' $i; head -c 1000 /dev/zero | tr '\0' z; printf '\n'; i=$((i+1)); done; printf '\nbody\n'; } >"$T/m7h"
send m7h $B1
check "a header of many fields over 1 MiB: exit 100" sh -c "[ $rc = 100 ] && grep -q 'header over' '$T/err'"
check "nothing stored for any refusal" [ "$(nstored)" = "$c0" ]

# 8. a 2 MB line with no newline, after a header and with none
printf 'From: %s@a.example\nDate: Fri, 27 Nov 2026 10:08:00 +0000\nMessage-ID: <t8@a.example>\nSubject: eight\n\n' $SA >"$T/m8"
head -c 2000000 /dev/zero | tr '\0' L >>"$T/m8"
send m8 $B1
check "2 MB line: exit 0" [ $rc = 0 -a -n "$arch" ]
check "2 MB line: archived byte for byte" cmp -s "$T/m8" "$arch"
fetch $RB
check "2 MB line: delivered byte for byte" delivered "$d"
head -c 2000000 /dev/zero | tr '\0' L >"$T/m8b"
send m8b $B1
check "2 MB line and no header: exit 0" [ $rc = 0 -a -n "$arch" ]
# added_then BODY: the archived copy is Date, Message-ID, From, a blank
# line, then BODY
added_then() {
  [ "$(head -n 3 "$arch" | grep -cE '^(Date|Message-ID|From): ')" = 3 ] &&
    { head -n 3 "$arch"; echo; cat "$1"; } | cmp -s - "$arch"
}
check "2 MB line and no header: fields added, a blank line, then the line" added_then "$T/m8b"
fetch $RB
check "2 MB line and no header: delivered" delivered "$d"

# 9. a body of all 256 byte values (NUL, lone CR, 8-bit), in long lines
# and short, delivered byte for byte
printf 'From: %s@a.example\nTo: %s\nDate: Fri, 27 Nov 2026 10:09:00 +0000\nMessage-ID: <t9@a.example>\nSubject: nine\nContent-Type: application/octet-stream\n\n' $SA $B1 >"$T/m9"
fmt="" i=0
while [ $i -lt 256 ]; do fmt="$fmt\\$(printf %03o $i)"; i=$((i + 1)); done
printf "$fmt" >"$T/block" # bytes 0 to 255, in order
: >"$T/bytes"
for i in 1 2 3 4 5 6 7 8; do cat "$T/block" "$T/block" "$T/block" "$T/block" "$T/block" "$T/block" "$T/block" "$T/block" >>"$T/bytes"; done
check "the test block is the bytes 0 to 255" [ "$(od -An -v -tu1 "$T/block" | tr -s ' \n' '\n\n' | grep . | tr '\n' ' ')" = "$(seq -s ' ' 0 255) " ]
cat "$T/bytes" >>"$T/m9"
send m9 -t
check "all 256 byte values: exit 0" [ $rc = 0 -a -n "$arch" ]
check "all 256 byte values: archived byte for byte" cmp -s "$T/m9" "$arch"
fetch $RB
check "all 256 byte values: delivered byte for byte" delivered "$d"
cp "$T/bytes" "$T/m9b"
send m9b $B1
check "all 256 byte values and no header: exit 0" [ $rc = 0 -a -n "$arch" ]
check "all 256 byte values and no header: fields added, a blank line, the bytes" added_then "$T/m9b"
fetch $RB
check "all 256 byte values and no header: delivered byte for byte" delivered "$d"
[ $FAILED = 0 ]
