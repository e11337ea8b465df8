# lists.sh: mailing lists without subscriptions, the server's side.  A
# list is a public archive (im2k-mkarchive -p); its account posts with
# im2k-inject to nobody; im2k-fetchd serves the index (INDEX) with a token
# per message for the list's address, and fetches under it record
# nothing.  One ISP, a.example on 127.0.3.42.  Needs root.
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-lists.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
LU=im2kzlist SU=im2kzsend
trap 'unpair $LU $SU' EXIT
IDX="$TOP/$B/tests/im2k-index"
[ -x "$IDX" ] || make -s B="$B" "$B/tests/im2k-index" >&2 || die "no $IDX"
LIP=${LISTS_IP:-127.0.3.42}

accounts
mailuser $LU "$T/home/$LU"
mailuser $SU "$T/home/$SU"
isp a a.example $LIP
sender a $SU
LUID=$(id -u $LU) SUID=$(id -u $SU)
LA="$T/a/archive/$LUID"

# 1. im2k-mkarchive -p: the archive, an empty index, control/lists
"$T/a/bin/im2k-mkarchive" -p $LU >"$T/out" 2>&1
check "mkarchive -p exits 0" [ $? = 0 ]
check "the list's archive: $LU, im2kr, 2750" [ "$(stat -c %U:%G:%a "$LA")" = "$LU:im2kr:2750" ]
check "an empty index: $LU, im2kr, 640" [ "$(stat -c %U:%G:%a:%s "$LA/index")" = "$LU:im2kr:640:0" ]
check "control/lists names the list" [ "$(cat "$T/a/control/lists")" = "$LU:$LUID" ]
check "control/lists.cdb compiled" [ -s "$T/a/control/lists.cdb" ]
"$T/a/bin/im2k-mkarchive" -p $LU >/dev/null 2>&1
check "mkarchive -p again: still one line" [ "$(grep -c "^$LU:" "$T/a/control/lists")" = 1 ]
"$T/a/bin/im2k-mkarchive" -p 2>/dev/null
check "mkarchive -p without a user: exit 100" [ $? = 100 ]
"$T/a/bin/im2k-check" "$T/a" >"$T/out" 2>&1
check "im2k-check accepts the home with a list" [ $? = 0 ]
# what the list's owner plants at archive/UID/index (the directory is
# theirs) is never written, chowned or waited on by root's mkarchive -p
mv "$LA/index" "$LA/index.real"
echo secret >"$T/rootfile" && chmod 600 "$T/rootfile"
ln "$T/rootfile" "$LA/index"
"$T/a/bin/im2k-mkarchive" -p $LU >"$T/out" 2>&1
check "a hard link planted at the index: refused (exit 100)" [ $? = 100 ]
check "and says why" grep -q 'index is not a plain file' "$T/out"
check "the linked file keeps its owner and mode" [ "$(stat -c %U:%G:%a:%h "$T/rootfile")" = root:root:600:2 ]
rm -f "$LA/index" && mkfifo "$LA/index" && chown $LU "$LA/index"
timeout 20 "$T/a/bin/im2k-mkarchive" -p $LU >"$T/out" 2>&1
check "a FIFO planted at the index: refused at once (exit 100)" [ $? = 100 ]
rm -f "$LA/index" && ln -s "$T/rootfile" "$LA/index"
"$T/a/bin/im2k-mkarchive" -p $LU >"$T/out" 2>&1
check "a symbolic link planted at the index: refused (exit 100)" [ $? = 100 ]
check "the file it names untouched" [ "$(stat -c %U:%G:%a:%s "$T/rootfile")" = root:root:600:7 ]
rm -f "$LA/index" "$T/rootfile" && mv "$LA/index.real" "$LA/index"
"$T/a/bin/im2k-mkarchive" -p $LU >/dev/null 2>&1
check "the list's own index again: accepted" [ $? = 0 ]

services a
# notifyd stays down: the confirmation records it would consume stay
# where the test can see them
svc -d "$T/svc/a-im2k-notifyd"
PORT=$(cut -d: -f4 "$T/a.server")
PK=$(pubkey a)
index() { "$IDX" index $LIP "$PORT" "$PK" "$@"; }
fetch() { "$IDX" fetch $LIP "$PORT" "$PK" "$@"; }

# 2. three posts to nobody
for k in 1 2 3; do
  printf 'From: %s@a.example\nSubject: post %s\n\nbody %s\n' $LU $k $k >"$T/post$k"
  as $LU a im2k-inject <"$T/post$k"
  check "post $k: inject with no recipient exits 0" [ $? = 0 ]
done
check "the index holds three records" [ "$(stat -c %s "$LA/index")" = 192 ]
check "no job for a post to nobody" [ -z "$(find "$T/a/queue/job" -type f)" ]
check "no job copy in the list's archive" [ -z "$(ls "$LA" | grep '\.job$')" ]
as $SU a im2k-inject <"$T/post1" 2>"$T/err"
check "a non-list user still needs a recipient: exit 100" [ $? = 100 ]
check "and is told why" grep -q 'no recipients' "$T/err"

# 3. INDEX
index $LU@a.example 0 >"$T/idx"
check "INDEX answers" [ $? = 0 ]
check "INDEX: ok, 3 records, 3 entries" [ "$(head -n 1 "$T/idx")" = "ok 3 3" ]
tail -n +2 "$T/idx" >"$T/entries"
check "entries numbered 0, 1, 2" [ "$(cut -d' ' -f1 "$T/entries" | tr '\n' ' ')" = "0 1 2 " ]
good=0
for k in 0 1 2; do
  set -- $(sed -n "$((k + 1))p" "$T/entries")
  f="$LA/$2"
  [ -f "$f" ] && [ "$3" = "$(stat -c %s "$f")" ] &&
    [ "$4" = "$(b2sum -l 256 "$f" | cut -d' ' -f1)" ] &&
    [ "$(tail -n 1 "$f")" = "body $((k + 1))" ] && [ "$6" -ge $(($(date +%s) - 600)) ] && good=$((good + 1))
done
check "each entry: the archived file, in posting order, its size, its BLAKE2b-256, its time" [ $good = 3 ]
set -- $(sed -n 2p "$T/entries")
H1=$2 TK1=$5
fetch $H1 $TK1 $LU@a.example >"$T/got" 2>"$T/err"
check "FETCH with the index token: the archived bytes" sh -c "[ $? = 0 ] && cmp -s '$T/got' '$LA/$H1'"
index $LU@A.Example 0 >"$T/idx2"
check "INDEX: the domain in any case" [ "$(head -n 1 "$T/idx2")" = "ok 3 3" ]
check "INDEX: the same tokens (for the lower-cased address)" cmp -s "$T/idx" "$T/idx2"
check "INDEX from cursor 2: one entry, numbered 2" \
  [ "$(index $LU@a.example 2 | cut -d' ' -f1 | tr '\n' ' ')" = "ok 2 " ]
check "INDEX from cursor 3: none" [ "$(index $LU@a.example 3)" = "ok 3 0" ]
check "INDEX from far beyond: none" [ "$(index $LU@a.example 18446744073709551615)" = "ok 3 0" ]

# 4. what is not a list
check "INDEX of a user who is not a list: noent" [ "$(index $SU@a.example 0)" = noent ]
check "INDEX of an unknown name: noent" [ "$(index nobody@a.example 0)" = noent ]
check "INDEX of a list name at another domain: noent" [ "$(index $LU@b.example 0)" = noent ]
check "INDEX with a malformed body: bad" [ "$(index - 0)" = bad ]
printf 'To: somebody@a.example\nSubject: private\n\nnot for the list\n' >"$T/priv"
as $SU a im2k-inject somebody@a.example <"$T/priv"
H2=$(ls "$T/a/archive/$SUID" | grep -v '\.job$')
fetch $H2 $TK1 $LU@a.example >"$T/got" 2>"$T/err"
check "the list's token does not fetch another message: noent" \
  sh -c "[ $? = 1 ] && grep -qx noent '$T/err' && [ ! -s '$T/got' ]"

# 5. nothing recorded for the list's readers
check "CONFIRM for the list: ok" [ "$("$IDX" confirm $LIP "$PORT" "$PK" $H1 $TK1 $LU@a.example)" = ok ]
check "no fetch or confirmation record for the list" \
  [ -z "$(find "$T/a/queue/confirm" -type f)" ]
# the other side: a real token for the list's address on a message that
# is not in the list's archive (a user mailing the list) is recorded
tok() {
  python3 -c 'import hashlib,sys
k=open(sys.argv[1],"rb").read(); h=bytes.fromhex(sys.argv[2]); r=sys.argv[3].encode()
print(hashlib.blake2b(h+bytes([len(r)])+r,key=k,digest_size=32).hexdigest())' "$T/a/keys/token" "$@"
}
check "the test's token for the list's own message is the index's" [ "$(tok $H1 $LU@a.example)" = $TK1 ]
svc -d "$T/svc/a-im2k-notifyd"   # it must not consume the record below
waitfor 10 sh -c "svstat '$T/svc/a-im2k-notifyd' | grep -q ': down'"
fetch $H2 "$(tok $H2 $LU@a.example)" $LU@a.example >"$T/got" 2>"$T/err"
check "a message to the list from another archive: fetched" cmp -s "$T/got" "$T/a/archive/$SUID/$H2"
check "and its first block recorded (.f)" sh -c "ls '$T/a/queue/confirm/new' | grep -q '^$H2\..*\.f$'"
check "still no record for the list's own message" \
  sh -c "! ls '$T/a/queue/confirm/new' | grep -q '^$H1'"

# 6. a partial record (an append cut short) is ignored, then repaired
printf 'partial record' >>"$LA/index"
check "a partial record: the index is 206 bytes" [ "$(stat -c %s "$LA/index")" = 206 ]
check "INDEX ignores the partial record" [ "$(index $LU@a.example 0)" = "$(cat "$T/idx")" ]
printf 'Subject: post 4\n\nbody 4\n' >"$T/post4"
as $LU a im2k-inject <"$T/post4"
check "post 4 exits 0" [ $? = 0 ]
check "the next post cut the partial record off: four whole records" [ "$(stat -c %s "$LA/index")" = 256 ]
index $LU@a.example 0 >"$T/idx4"
check "INDEX: ok 4 4" [ "$(head -n 1 "$T/idx4")" = "ok 4 4" ]
check "the first three entries unchanged" sh -c "sed -n 2,4p '$T/idx4' | cmp -s - '$T/entries'"
set -- $(sed -n 5p "$T/idx4")
check "entry 3: post 4" sh -c "[ '$1' = 3 ] && [ -f '$LA/$2' ] && tail -n 2 '$LA/$2' | grep -q 'body 4'"

# 7. posts at the same time: the lock keeps the records whole
bursts=
for k in 1 2 3 4 5 6; do
  (printf 'Subject: burst %s\n\nburst\n' $k | as $LU a im2k-inject) &
  bursts="$bursts $!"
done
wait $bursts
check "six posts at once: ten whole records" [ "$(stat -c %s "$LA/index")" = 640 ]
index $LU@a.example 0 >"$T/idx10"
check "ten entries, ten different messages, each in the archive" sh -c "
  [ \"\$(head -n 1 '$T/idx10')\" = 'ok 10 10' ] &&
  [ \"\$(tail -n +2 '$T/idx10' | cut -d' ' -f2 | sort -u | wc -l)\" = 10 ] &&
  for h in \$(tail -n +2 '$T/idx10' | cut -d' ' -f2); do [ -f '$LA/'\$h ] || exit 1; done"
[ $FAILED = 0 ]
