# install.sh: the installer and the checker read one table (lib/hier.c).
# A fresh home passes im2k-check; each kind of damage is reported, alone
# and together, with exit 100, and im2k-setup run again repairs it
# without following a symlink planted in the tree.  A single-account home
# and a staged one (im2k-setup -d, make setup DESTDIR=) set no owners; a
# staged one's run scripts name the final home.  Starts no daemon and
# never touches /var/im2k.  Needs root (accounts, chown, setuidgid).
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-install.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
trap 'rm -rf "$T"' EXIT
accounts
H="$T/home"
CHK="$BIN/im2k-check"
RBIN=$(cd "$BIN" && pwd -P) # as im2k-check names its own directory

setup() { "$BIN/im2k-setup" "$H" i.example 127.0.0.9 "$@"; }
# expect DESC LINE...: im2k-check prints exactly these lines, exit 100
expect() {
  _d=$1; shift
  : >"$T/want"
  for _l in "$@"; do echo "im2k-check: $_l" >>"$T/want"; done
  "$CHK" "$H" >"$T/out" 2>&1
  _rc=$?
  if [ $_rc = 100 ] && cmp -s "$T/want" "$T/out"; then ok "$_d: reported"
  else nok "$_d: reported (exit $_rc)"; diff "$T/want" "$T/out" | sed 's/^/# /'; fi
}
# repaired DESC: im2k-setup again, then im2k-check finds nothing
repaired() {
  setup >/dev/null 2>"$T/err"
  _rc=$?
  "$CHK" "$H" >"$T/out" 2>&1
  _rc2=$?
  if [ $_rc = 0 ] && [ $_rc2 = 0 ] && [ ! -s "$T/out" ]; then ok "$1: repaired by im2k-setup"
  else nok "$1: repaired by im2k-setup (exit $_rc, check $_rc2)"; cat "$T/err" "$T/out" | sed 's/^/# /'; fi
}
st() { stat -c %U:%G:%a "$1"; }

# 1. a fresh home, checked on disk and by im2k-check
setup >"$T/line" 2>"$T/err"
check "im2k-setup exits 0" [ $? = 0 ]
check "im2k-setup prints the servers line" \
  [ "$(cat "$T/line")" = "i.example:127.0.0.9:2000:2001:$(tr -d '\n' <"$H/keys/public")" ]
"$CHK" "$H" >"$T/out" 2>&1
check "a fresh home: im2k-check exits 0" [ $? = 0 ]
check "a fresh home: im2k-check prints nothing" [ ! -s "$T/out" ]
check "home root:root 755" [ "$(st "$H")" = root:root:755 ]
check "queue/job im2kn:im2kq 770" [ "$(st "$H/queue/job")" = im2kn:im2kq:770 ]
check "queue/confirm/new im2kf:im2kq 2770" [ "$(st "$H/queue/confirm/new")" = im2kf:im2kq:2770 ]
check "queue/trigger a fifo im2kn:im2kq 622" [ -p "$H/queue/trigger" -a "$(st "$H/queue/trigger")" = im2kn:im2kq:622 ]
check "bin/im2k-archive root:im2kq 2755" [ "$(st "$H/bin/im2k-archive")" = root:im2kq:2755 ]
check "bin/im2k-check installed, root:root 755" [ "$(st "$H/bin/im2k-check")" = root:root:755 ]
check "programs are the build's" cmp -s "$BIN/im2k-notifyd" "$H/bin/im2k-notifyd"
check "keys/secret root 600, 32 bytes" [ "$(st "$H/keys/secret"):$(stat -c %s "$H/keys/secret")" = root:root:600:32 ]
check "keys/token root 600, 32 bytes" [ "$(st "$H/keys/token"):$(stat -c %s "$H/keys/token")" = root:root:600:32 ]
check "run: the daemon drops privilege itself (envuidgid, softlimit)" \
  grep -qx "exec envuidgid im2ki softlimit -o 1024 $H/bin/im2k-inboxd" "$H/service/im2k-inboxd/run"
check "log/run: setuidgid im2kl multilog" \
  grep -qx "exec setuidgid im2kl multilog t ./main" "$H/service/im2k-notifyd/log/run"
check "log/main im2kl:root 750" [ "$(st "$H/service/im2k-fetchd/log/main")" = im2kl:root:750 ]
cp -p "$H/keys/public" "$T/public.1"
cp -p "$H/keys/secret" "$T/secret.1"

# 2. each damage alone: exactly its line, then repaired
chmod 755 "$H/queue/job"
expect "wrong mode on queue/job" "$H/queue/job: mode 0755, want 0770"
"$CHK" "$H" >/dev/null 2>&1
check "im2k-check changes nothing" [ "$(st "$H/queue/job")" = im2kn:im2kq:755 ]
repaired "wrong mode on queue/job"

chown im2kn "$H/bin/im2k-inject"
expect "wrong owner on a program" "$H/bin/im2k-inject: owner im2kn, want root"
repaired "wrong owner on a program"

chgrp root "$H/queue/confirm"
expect "wrong group on queue/confirm" "$H/queue/confirm: group root, want im2kq"
repaired "wrong group on queue/confirm"

rmdir "$H/queue/status"
expect "a missing directory" "$H/queue/status: missing"
repaired "a missing directory"

rm -r "$H/service/im2k-fetchd/log"
expect "a missing tree: one line, not one per entry" "$H/service/im2k-fetchd/log: missing"
repaired "a missing tree"

printf x >>"$H/bin/im2k-status"
expect "a changed program" "$H/bin/im2k-status: differs from $RBIN/im2k-status"
repaired "a changed program"

mkdir -m 700 "$T/target" && echo data >"$T/target/file" && chmod 600 "$T/target/file"
rmdir "$H/queue/job/tmp" && ln -s "$T/target" "$H/queue/job/tmp"
expect "a symlink in place of queue/job/tmp" "$H/queue/job/tmp: symbolic link, want directory"
repaired "a symlink in place of queue/job/tmp"
check "queue/job/tmp is a directory again" [ -d "$H/queue/job/tmp" -a ! -L "$H/queue/job/tmp" ]
check "the symlink's target was not chowned or chmodded" [ "$(st "$T/target")" = root:root:700 ]
check "nor what it holds" [ "$(st "$T/target/file")" = root:root:600 -a "$(cat "$T/target/file")" = data ]

chmod 644 "$H/keys/secret"
expect "a readable secret key" "$H/keys/secret: mode 0644, want 0600"
repaired "a readable secret key"

head -c 31 "$T/secret.1" >"$H/keys/secret"
expect "a short secret key" "$H/keys/secret: size 31, want 32"
setup >/dev/null 2>"$T/err"
check "im2k-setup refuses a damaged secret key (exit 111)" [ $? = 111 ]
check "and leaves it as it is" [ "$(stat -c %s "$H/keys/secret")" = 31 ]
cp -p "$T/secret.1" "$H/keys/secret"
repaired "a short secret key, put back"
check "the key pair is the one made first" cmp -s "$T/public.1" "$H/keys/public"

echo 0000000000000000000000000000000000000000000000000000000000000001 >"$H/keys/public"
expect "a public key not from the secret" "$H/keys/public: does not match keys/secret" \
  "$H/control/servers.cdb: the entry for i.example does not hold keys/public"
repaired "a public key not from the secret"

echo garbage >"$H/control/servers.cdb"
expect "a damaged servers.cdb" "$H/control/servers.cdb: not a cdb file"
repaired "a damaged servers.cdb"

echo other.example >"$H/control/me"
expect "control/me not in servers.cdb" "$H/control/servers.cdb: no entry for other.example (control/me)"
setup >/dev/null 2>&1
check "im2k-setup keeps control/me as it is" [ "$(cat "$H/control/me")" = other.example ]
echo i.example >"$H/control/me"
repaired "control/me put back"

sed -i 's/envuidgid im2kn //' "$H/service/im2k-notifyd/run"
expect "a run script without envuidgid" "$H/service/im2k-notifyd/run: not the run script im2k-setup writes"
repaired "a run script without envuidgid"

rm "$H/queue/trigger" && : >"$H/queue/trigger"
expect "a file in place of the trigger fifo" "$H/queue/trigger: file, want fifo"
setup >/dev/null 2>"$T/err"
check "im2k-setup refuses to remove a file it did not make (exit 111)" [ $? = 111 ]
check "and says which" grep -q "queue/trigger is not a fifo" "$T/err"
rm "$H/queue/trigger"
repaired "a missing trigger fifo"

# 3. all at once
chmod 755 "$H/queue/job"
chown im2kn "$H/bin/im2k-inject"
rmdir "$H/queue/status"
printf x >>"$H/bin/im2k-status"
rmdir "$H/queue/job/tmp" && ln -s "$T/target" "$H/queue/job/tmp"
"$CHK" "$H" >"$T/out" 2>&1
check "all at once: exit 100" [ $? = 100 ]
for l in "$H/queue/job: mode 0755, want 0770" "$H/bin/im2k-inject: owner im2kn, want root" \
  "$H/queue/status: missing" "$H/bin/im2k-status: differs from $RBIN/im2k-status" \
  "$H/queue/job/tmp: symbolic link, want directory"; do
  check "all at once: $l" grep -qxF "im2k-check: $l" "$T/out"
done
check "all at once: five lines" [ "$(wc -l <"$T/out")" = 5 ]
repaired "all at once"
check "the symlink's target still root:root 700" [ "$(st "$T/target")" = root:root:700 ]
check "keys kept across every repair" cmp -s "$T/public.1" "$H/keys/public"

# 4. no home, or a symlink for one
"$CHK" "$T/nohome" >"$T/out" 2>&1
check "no home: exit 100, missing" [ $? = 100 -a "$(cat "$T/out")" = "im2k-check: $T/nohome: missing" ]
ln -s "$H" "$T/linkhome"
"$CHK" "$T/linkhome" >"$T/out" 2>&1
check "a symlink for the home: reported" [ $? = 100 -a "$(cat "$T/out")" = "im2k-check: $T/linkhome: symbolic link, want directory" ]
"$BIN/im2k-setup" "$T/linkhome" i.example 127.0.0.9 >/dev/null 2>&1
check "im2k-setup refuses a symlink for the home (exit 111)" [ $? = 111 ]
"$BIN/im2k-setup" relative i.example 127.0.0.9 >/dev/null 2>&1
check "im2k-setup: a relative home is refused (exit 100)" [ $? = 100 ]
"$BIN/im2k-setup" "$T/a home" i.example 127.0.0.9 >/dev/null 2>&1
check "im2k-setup: a home a run script cannot hold is refused (exit 100)" [ $? = 100 -a ! -e "$T/a home" ]
"$CHK" >/dev/null 2>&1
check "im2k-check: usage, exit 100" [ $? = 100 ]

# 5. a single-account home and a staged one, made by an ordinary user
# (nobody) with programs it can read
mkdir "$T/bin" "$T/u" "$T/stage" && cp "$BIN"/im2k-* "$T/bin/" && chmod 755 "$T/bin" "$T/bin"/*
chown nobody "$T/u" "$T/stage"
setuidgid nobody "$T/bin/im2k-setup" "$T/u/home" u.example 127.0.0.9 >/dev/null 2>"$T/err"
check "single-account home: setup exits 0" [ $? = 0 ]
setuidgid nobody "$T/bin/im2k-check" "$T/u/home" >"$T/out" 2>&1
check "single-account home: check passes" [ $? = 0 -a ! -s "$T/out" ]
check "single-account home: owned by the installer" [ "$(stat -c %U "$T/u/home/queue/job")" = nobody ]
check "single-account home: im2k-archive not setgid" [ "$(stat -c %a "$T/u/home/bin/im2k-archive")" = 755 ]
check "single-account home: run scripts change no account" \
  grep -qx "exec softlimit -o 1024 $T/u/home/bin/im2k-fetchd" "$T/u/home/service/im2k-fetchd/run"
chmod 700 "$T/u/home/queue/job"
setuidgid nobody "$T/bin/im2k-check" "$T/u/home" >"$T/out" 2>&1
check "single-account home: damage reported" [ $? = 100 -a "$(cat "$T/out")" = "im2k-check: $T/u/home/queue/job: mode 0700, want 0770" ]

setuidgid nobody "$T/bin/im2k-setup" -d "$T/stage" /var/im2k s.example 127.0.0.9 >/dev/null 2>"$T/err"
check "staged: setup -d exits 0" [ $? = 0 ]
S="$T/stage/var/im2k"
check "staged: the home is under DESTDIR" [ -d "$S/queue/job/tmp" ]
check "staged: no owner set (all the packager's)" [ -z "$(find "$S" ! -user nobody)" ]
check "staged: im2k-archive not setgid" [ "$(stat -c %a "$S/bin/im2k-archive")" = 755 ]
check "staged: run scripts name the final home, with envuidgid" \
  grep -qx "exec envuidgid im2kf softlimit -o 1024 /var/im2k/bin/im2k-fetchd" "$S/service/im2k-fetchd/run"
check "staged: log/run with setuidgid" grep -qx "exec setuidgid im2kl multilog t ./main" "$S/service/im2k-fetchd/log/run"
check "staged: DESTDIR appears in no file" sh -c "! grep -rqF '$T' '$S/service' '$S/control'"
setuidgid nobody "$T/bin/im2k-check" -d "$T/stage" /var/im2k >"$T/out" 2>&1
check "staged: check -d passes" [ $? = 0 -a ! -s "$T/out" ]
"$T/bin/im2k-check" -d "$T/stage" /var/im2k >"$T/out" 2>&1
check "staged: check -d as root checks no owners either" [ $? = 0 -a ! -s "$T/out" ]
"$T/bin/im2k-check" "$S" >/dev/null 2>&1
check "staged: without -d, as root, the owners are wrong" [ $? = 100 ]

# 6. make setup / make check with DESTDIR (the build is up to date)
SAN=; [ "$B" = build/san ] && SAN=1
MK="make -s --no-print-directory SAN=$SAN"
$MK setup DESTDIR="$T/mk" DOMAIN=m.example IP=127.0.0.9 >"$T/out" 2>&1
check "make setup DESTDIR=: exits 0" [ $? = 0 ]
M="$T/mk$(head -n 1 conf-home)"
check "make setup DESTDIR=: prints the servers line" \
  [ "$(tail -n 1 "$T/out")" = "m.example:127.0.0.9:2000:2001:$(tr -d '\n' <"$M/keys/public")" ]
check "make setup DESTDIR=: run scripts name conf-home's home" \
  grep -qx "exec envuidgid im2kn softlimit -o 1024 $(head -n 1 conf-home)/bin/im2k-notifyd" "$M/service/im2k-notifyd/run"
$MK check DESTDIR="$T/mk" >"$T/out" 2>&1
check "make check DESTDIR=: passes" [ $? = 0 -a ! -s "$T/out" ]
chmod 777 "$M/queue/job/new"
$MK check DESTDIR="$T/mk" >"$T/out" 2>&1
check "make check DESTDIR=: fails on damage" [ $? != 0 ]
check "make check DESTDIR=: and says what" grep -qxF "im2k-check: $M/queue/job/new: mode 0777, want 0770" "$T/out"
$MK setup DESTDIR="$T/mk" >"$T/out" 2>&1
check "make setup without DOMAIN and IP: refused" [ $? != 0 ]
check "make setup without DOMAIN and IP: with its usage" grep -q "usage: make setup" "$T/out"
[ $FAILED = 0 ]
