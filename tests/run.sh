#!/bin/sh
# run.sh: every test.  Unit tests (build/*/tests/t_*) print their check
# counts; the man page check (tests/man.sh) and the scenario tests
# (tests/scenario/*.sh, root only) print TAP-like "ok" and "not ok"
# lines.  The last line is "N passed, N failed".
: "${B:=build/std}"
export B
pass=0 fail=0 skip=0
log=$(mktemp)
for t in "$B"/tests/t_*; do
  [ -x "$t" ] || continue
  "$t" >"$log" 2>&1
  rc=$?
  line=$(tail -n 1 "$log")
  n=$(echo "$line" | sed -n 's/^.*: \([0-9]*\) checks, \([0-9]*\) failed$/\1 \2/p')
  if [ -z "$n" ]; then
    cat "$log"; echo "not ok - $t crashed or printed no summary (exit $rc)"; fail=$((fail + 1)); continue
  fi
  set -- $n
  if [ "$2" != 0 ] || [ $rc != 0 ]; then cat "$log"; fi
  pass=$((pass + $1 - $2)); fail=$((fail + $2))
  [ $rc != 0 ] && [ "$2" = 0 ] && fail=$((fail + 1))
  echo "$line"
done
# tap FILE: run a script of ok/not ok lines and add them up; one
# that stops early without a not ok line counts as one failure
tap() {
  sh "$1" >"$log" 2>&1
  rc=$?
  p=$(grep -c '^ok ' "$log")
  f=$(grep -c '^not ok ' "$log")
  grep -E '^(ok|not ok|#)' "$log"
  if [ $rc != 0 ] && [ "$f" = 0 ]; then
    sed 's/^/  | /' "$log" | tail -n 30
    echo "not ok - $1 stopped early (exit $rc)"; f=$((f + 1))
  elif [ "$f" != 0 ]; then
    grep -v -E '^(ok|not ok)' "$log" | sed 's/^/  | /' | tail -n 30
  fi
  pass=$((pass + p)); fail=$((fail + f))
}
tap tests/man.sh
if [ "$(id -u)" = 0 ]; then
  . tests/lock.sh
  scenario_lock
fi
for s in tests/scenario/*.sh; do
  [ -f "$s" ] || continue
  if [ "$(id -u)" != 0 ]; then
    echo "skip $s: needs root (accounts, setuidgid, daemontools)"; skip=$((skip + 1)); continue
  fi
  tap "$s"
done
rm -f "$log"
[ $skip != 0 ] && echo "$skip scenario files skipped"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
