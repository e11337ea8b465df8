# dns.sh: two ISPs that know each other only through DNS.  tinydns (from
# Debian's tinydns package, its data compiled by tinydns-data) answers on
# 127.0.5.1; a.example (127.0.5.2) and b.example (127.0.5.3) have no line
# for each other in control/servers, only control/dnsip naming 127.0.5.1.
# Checked: delivery both ways through the TXT records at _im2k.DOMAIN,
# one lookup per TTL, "no record" (SMTP) told apart from "DNS failed"
# (try again later), a damaged record not taken for "no record", and the
# table overriding DNS.  Needs root (accounts, tinydns's chroot).
. tests/tap.sh
T=$(mktemp -d /tmp/im2k-dns.XXXXXX) && chmod 755 "$T"
. tests/lib.sh
SA=im2kzdnsa RB=im2kzdnsb
command -v tinydns >/dev/null && command -v tinydns-data >/dev/null || die "tinydns is not installed (make deps)"
dnsstop() {
  [ -f "$T/tinydns.pid" ] && kill "$(cat "$T/tinydns.pid")" 2>/dev/null
  rm -f "$T/tinydns.pid"
}
trap 'dnsstop; unpair $SA $RB im2kzdnsc' EXIT
DNSIP=127.0.5.1
accounts
mailuser $SA "$T/home/$SA"
mailuser $RB "$T/home/$RB"
isp a a.example 127.0.5.2
isp b b.example 127.0.5.3
receiver b $RB
receiver a $SA
mailuser im2kzdnsc "$T/home/im2kzdnsc"
isp c c.example 127.0.5.4
receiver c im2kzdnsc
sender a $SA
sender b $RB
UA=$(id -u $SA)

# the zone: each ISP's record made from the line im2k-setup printed
txt() { # DOMAIN: the TXT record of its server line
  IFS=: read -r _d _ip _n _f _k <"$T/$1.server"
  printf 'v=im2k1; a=%s; n=%s; f=%s; k=%s' "$_ip" "$_n" "$_f" "$_k"
}
mkdir -p "$T/dns"
dnsdata() {
  {
    echo ".a.example:127.0.5.1:ns:300"
    echo ".b.example:127.0.5.1:ns:300"
    echo ".smtp.example:127.0.5.1:ns:300"
    echo ".broken.example:127.0.5.1:ns:300"
    echo "'_im2k.a.example:$(txt a):$TTL"
    echo "'_im2k.b.example:$(txt b):$TTL"
    echo "'_im2k.broken.example:v=im2k1; a=127.0.5.9; n=2000:60"
    echo "'_im2k.b.example:some other text:60"
  } >"$T/dns/data"
  (cd "$T/dns" && tinydns-data) || die "tinydns-data"
}
TTL=60
dnsdata
dnsstart() {
  env - PATH="$PATH" IP=127.0.5.1 ROOT="$T/dns" UID=65534 GID=65534 tinydns >>"$T/dns.log" 2>&1 &
  echo $! >"$T/tinydns.pid"
  waitfor 5 sh -c "ss -lun | grep -q '127.0.5.1:53 '"
}
dnsstart
check "tinydns listens on 127.0.5.1" sh -c "ss -lun | grep -q '127.0.5.1:53 '"
# queries NAME: how many TXT queries for NAME tinydns has answered
queries() { grep -c " 0010 $1\$" "$T/dns.log"; }

services a b c
stm() { as $SA a im2k-status -m; }
state_of() { stm | awk -v r="$1" '$4 == r { print $5 }' | tail -n 1; }
# count STATE: how many of a's recipients are in STATE
count() { stm | awk -v s="$1" '$5 == s' | wc -l; }
is() { [ "$(state_of "$1")" = "$2" ]; }
tried() { [ "$(stm | awk -v r="$1" '$4 == r { print $6 }')" -ge 1 ]; }
logged() { grep -q "$1" "$T/svc/a-im2k-notifyd/log/main/current"; }
MD="$T/home/$RB/Maildir"

check "a's table knows only a" [ "$(grep -vc "^#" "$T/a/control/servers")" = 1 ]
check "b's table knows only b" [ "$(grep -vc "^#" "$T/b/control/servers")" = 1 ]

# 1. a -> b, found through DNS on both sides
printf 'Subject: through dns\n\nfound by TXT\n' | as $SA a im2k-inject $RB@b.example
waitfor 10 is $RB@b.example notified
check "a's notifyd found b through DNS: notified" [ "$(state_of $RB@b.example)" = notified ]
check "b's inbox checked a's key against a's record" [ "$(queries _im2k.a.example)" -ge 1 ]
as $RB b im2k-pickup
check "pickup at b fetched from a (found through DNS)" [ "$(ls "$MD/new" | wc -l)" = 1 ]
check "the message is the one sent" grep -q '^found by TXT$' "$MD/new/"*
waitfor 10 is $RB@b.example confirmed
check "confirmed at a" [ "$(state_of $RB@b.example)" = confirmed ]

# 2. the answers are kept for their TTL: three more messages, no new
# query for b's record from a's notifyd
nb=$(queries _im2k.b.example)
for i in 1 2 3; do printf 'Subject: again %s\n\nagain\n' $i | as $SA a im2k-inject $RB@b.example; done
three() { [ "$(count notified)" = 3 ]; }
waitfor 10 three
check "three more notified" [ "$(stm | grep -c ' notified ')" = 3 ]
check "no new lookup of b within the TTL" [ "$(queries _im2k.b.example)" = "$nb" ]
as $RB b im2k-pickup
check "all four delivered" [ "$(ls "$MD/new" | wc -l)" = 4 ]

# 3. and back: b -> a, with the other side's cache
printf 'Subject: reply\n\nback\n' | as $RB b im2k-inject $SA@a.example
bnotified() { as $RB b im2k-status -m | grep -q ' notified '; }
waitfor 10 bnotified
as $SA a im2k-pickup
check "b -> a delivered" [ "$(ls "$T/home/$SA/Maildir/new" | wc -l)" = 1 ]

# 4. a domain with no im2k record is an SMTP domain: handed to
# im2k-remote, never "DNS failed"
printf 'Subject: old world\n\nx\n' | as $SA a im2k-inject someone@smtp.example
waitfor 15 tried someone@smtp.example
check "no TXT record: handed to SMTP (a relay attempt counted)" \
  [ "$(stm | awk '$4 == "someone@smtp.example" { print $6 }')" -ge 1 ]
check "no TXT record: notifyd logged no DNS failure for it" \
  sh -c "! grep -q 'server of someone@smtp.example: DNS did not answer' '$T/svc/a-im2k-notifyd/log/main/current'"

# 5. a damaged record is not "no record": the recipient waits, queued,
# and nothing is relayed
printf 'Subject: broken\n\nx\n' | as $SA a im2k-inject someone@broken.example
waitfor 15 logged 'server of someone@broken.example: DNS did not answer' 
check "damaged record: try again later" grep -q 'server of someone@broken.example: DNS did not answer' "$T/svc/a-im2k-notifyd/log/main/current"
check "damaged record: still queued, never tried over SMTP" \
  [ "$(stm | awk '$4 == "someone@broken.example" { print $5, $6 }')" = "queued 0" ]

# 6. DNS down: a new domain waits (queued, "will try again"), and is
# delivered once DNS is back
dnsstop
echo "'_im2k.c.example:$(txt c):60" >>"$T/dns/data"
echo ".c.example:127.0.5.1:ns:300" >>"$T/dns/data"
(cd "$T/dns" && tinydns-data) || die "tinydns-data"
printf 'Subject: wait for dns\n\nx\n' | as $SA a im2k-inject im2kzdnsc@c.example
waitfor 25 logged 'server of im2kzdnsc@c.example: DNS did not answer' 
check "DNS down: notifyd says it will try again" grep -q 'server of im2kzdnsc@c.example: DNS did not answer' "$T/svc/a-im2k-notifyd/log/main/current"
check "DNS down: queued, not relayed, not failed" [ "$(stm | awk '$4 == "im2kzdnsc@c.example" { print $5, $6 }')" = "queued 0" ]
dnsstart
waitfor 60 is im2kzdnsc@c.example notified
check "DNS back: notified" [ "$(state_of im2kzdnsc@c.example)" = notified ]
as im2kzdnsc c im2k-pickup
check "DNS back: delivered" [ "$(ls "$T/home/im2kzdnsc/Maildir/new" 2>/dev/null | wc -l)" = 1 ]

# 7. the table overrides DNS: a line in a's control/servers for b with a
# wrong address wins over the record
echo "b.example:127.0.5.9:2000:2001:$(pubkey b)" >>"$T/a/control/servers"
"$T/a/bin/im2k-servers"
sleep 1.2 # notifyd looks at its table at most once a second
printf 'Subject: table\n\nx\n' | as $SA a im2k-inject $RB@b.example
sleep 3
check "table entry wins over DNS (sent to its dead address: not notified)" \
  [ "$(stm | awk -v r=$RB@b.example '$4 == r && $5 == "queued"' | wc -l)" = 1 ]
check "and notifyd tried it there" [ "$(stm | awk -v r=$RB@b.example '$4 == r && $5 == "queued" { print $6 }')" -ge 2 ]

# 8. postage: b asks strangers (ISPs it knows only through DNS) for a
# stamp; a's notifyd finds one and sends again; peers in the table pay
# nothing
sed -i '/^b.example:127.0.5.9/d' "$T/a/control/servers"; "$T/a/bin/im2k-servers"
echo 16 >"$T/b/control/postage"
svc -t "$T/svc/b-im2k-inboxd"
sleep 1.2
blog="$T/svc/b-im2k-inboxd/log/main/current"
printf 'Subject: stamped\n\npaid\n' | as $SA a im2k-inject $RB@b.example
hp=$(stm | tail -n 1 | cut -d' ' -f1)
stamped() { grep -q "stamped $hp $RB@b.example: postage of 16 bits" "$T/svc/a-im2k-notifyd/log/main/current"; }
waitfor 20 stamped
check "postage: a's notifyd found a 16-bit stamp when b asked" stamped
pnotified() { stm | grep "^$hp " | grep -q ' notified '; }
waitfor 10 pnotified
check "postage: then b's inbox took the notification" pnotified
as $RB b im2k-pickup
check "postage: delivered" [ "$(cat "$MD/new/"* | grep -c '^paid$')" = 1 ]
# more than a's notifyd pays (control/postagemax, 24 by default): failed,
# with the reason in the status
echo 30 >"$T/b/control/postage"
svc -t "$T/svc/b-im2k-inboxd"
sleep 1.2
printf 'Subject: too dear\n\nx\n' | as $SA a im2k-inject $RB@b.example
hd=$(stm | tail -n 1 | cut -d' ' -f1)
dear() { stm | grep "^$hd " | grep -q ' failed '; }
waitfor 20 dear
check "postage over control/postagemax: failed" dear
dearwhy() { stm | grep "^$hd " | grep -q 'asks for postage of 30 bits; control/postagemax pays at most 24'; }
check "postage over control/postagemax: the status says why" dearwhy
# a record that publishes postage (p=16): the stamp is found before the
# first notification, so the inbox never has to ask
rm -f "$T/b/control/postage"
svc -t "$T/svc/b-im2k-inboxd"
TTL=1
{ sed '/_im2k.b.example:v=/d' "$T/dns/data"; echo "'_im2k.b.example:$(txt b); p=12:1"; } >"$T/dns/data.new"
mv "$T/dns/data.new" "$T/dns/data"; (cd "$T/dns" && tinydns-data) || die "tinydns-data"
sleep 2 # the cached record (TTL 60) is still a's: restart a's notifyd
svc -t "$T/svc/a-im2k-notifyd"
sleep 1
printf 'Subject: prepaid\n\nx\n' | as $SA a im2k-inject $RB@b.example
hq=$(stm | tail -n 1 | cut -d' ' -f1)
prepaid() { grep -q "stamped $hq $RB@b.example: postage of 12 bits" "$T/svc/a-im2k-notifyd/log/main/current"; }
waitfor 20 prepaid
check "postage in the DNS record (p=12): stamped before the first notification" prepaid
qnotified() { stm | grep "^$hq " | grep -q ' notified '; }
waitfor 10 qnotified
check "postage in the DNS record: taken" qnotified
# a peer in the table is no stranger: no stamp asked
echo 20 >"$T/a/control/postage"
echo "b.example:$(cut -d: -f2- "$T/b.server")" >>"$T/a/control/servers"; "$T/a/bin/im2k-servers"
echo "a.example:$(cut -d: -f2- "$T/a.server")" >>"$T/b/control/servers"; "$T/b/bin/im2k-servers"
svc -t "$T/svc/a-im2k-inboxd"
sleep 1.2
printf 'Subject: peer\n\nx\n' | as $RB b im2k-inject $SA@a.example
peerok() { as $RB b im2k-status -m | grep ' notified ' | grep -q "$SA@a.example"; }
waitfor 10 peerok
check "postage is not asked of a peer in control/servers" peerok
check "and b's notifyd found no stamp for it" sh -c "! grep -q 'stamped .* $SA@a.example' '$T/svc/b-im2k-notifyd/log/main/current'"

# 9. a receiver's own postage (~/.im2k/postage) for senders it does not
# know: its inbox holds the note and tells the sender, which pays and
# notifies again; pickup then takes the mail as from a known sender.  A
# known sender's mail needs no stamp.
KD="$T/home/$RB/.im2k"
echo 12 >"$KD/postage"
echo someone@elsewhere.example >"$KD/known"
chown $RB "$KD/postage" "$KD/known"
as $RB b im2k-pickup   # tells the inbox
printf 'Subject: user paid\n\nuserpaid\n' | as $SA a im2k-inject $RB@b.example
hu=$(stm | tail -n 1 | cut -d' ' -f1)
upaid() { grep -q "stamped $hu $RB@b.example: postage of 12 bits" "$T/svc/a-im2k-notifyd/log/main/current"; }
waitfor 20 upaid
check "user postage: the sender paid the 12 bits the receiver asks" upaid
sleep 1
as $RB b im2k-pickup
check "user postage: the stamped mail of an unknown sender is fetched" [ "$(cat "$MD/new/"* | grep -c '^userpaid$')" = 1 ]
# a sender that will not pay: held as unknown, until the receiver knows it
echo 0 >"$T/a/control/postagemax"
svc -t "$T/svc/a-im2k-notifyd"
sleep 1.2
printf 'Subject: user unpaid\n\nuserunpaid\n' | as $SA a im2k-inject $RB@b.example
hn=$(stm | tail -n 1 | cut -d' ' -f1)
unotified() { stm | grep "^$hn " | grep -q ' notified '; }
waitfor 10 unotified
as $RB b im2k-pickup
check "user postage: an unpaid note of an unknown sender is held" \
  [ "$(cat "$MD/new/"* | grep -c '^userunpaid$')" = 0 ]
check "user postage: and listed by pickup -l" sh -c "cd / && env HOME='$T/home/$RB' setuidgid $RB '$T/b/bin/im2k-pickup' -l | grep -q '^$hn '"
echo "$SA@a.example" >>"$KD/known"
as $RB b im2k-pickup
check "user postage: a known sender's mail needs none" [ "$(cat "$MD/new/"* | grep -c '^userunpaid$')" = 1 ]
rm -f "$T/a/control/postagemax"

[ "$FAILED" = 0 ]
