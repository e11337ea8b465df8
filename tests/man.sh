#!/bin/sh
# man.sh: every page in man/ renders without a warning, through groff
# with every warning on and through man(1) as a reader sees it, in the C
# locale (where a stray control character, a lost escape or an unknown
# macro is reported).  An ok or not ok line per page, the warnings after
# a failure.  Needs no root and no scenario lock.  Run by tests/run.sh.
n=0 failed=0
for t in groff man; do
  command -v $t >/dev/null || { echo "not ok - $t not installed (apt-get install groff-base man-db)"; exit 1; }
done
err=$(mktemp)
for p in man/*.[1-8]; do
  [ -f "$p" ] || continue
  n=$((n + 1))
  # on stdin: man run as root reads as its own user
  LC_ALL=C groff -man -ww -z <"$p" >/dev/null 2>"$err"
  rc1=$?
  LC_ALL=C MANWIDTH=80 man -l - <"$p" >/dev/null 2>>"$err"
  rc2=$?
  if [ $rc1 = 0 ] && [ $rc2 = 0 ] && [ ! -s "$err" ]; then
    echo "ok $n - $p renders without warnings"
  else
    failed=$((failed + 1))
    echo "not ok $n - $p renders without warnings (groff exit $rc1, man exit $rc2)"
    sed "s|<standard input>|$p|" "$err"
  fi
done
rm -f "$err"
[ $failed = 0 ]
