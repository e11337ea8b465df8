#!/bin/sh
# run.sh: make torture.  The scenario tests of crashes, faults, bad
# input, bounds and the lossy network, run deep: thousands of trials
# instead of make test's tens.  The scripts and what they source
# (tests/ledger.sh, tests/lock.sh) belong to make test; this only sets
# their depth and adds up their counts.  TORTURE_VALGRIND=1 runs the
# daemons under valgrind memcheck (slow).  The last lines add the trials up:
#   crash trials N, fault trials N: N lost, N duplicated, N partial
#   N passed, N failed
# Needs root.  Scales: CRASH_TRIALS, CRASH_SWEEPS, FAULT_ROUNDS,
# FAULT_SIZES, NET_MESSAGES (see each script).
: "${B:=build/std}"
export B
[ "$(id -u)" = 0 ] || { echo "make torture: needs root (accounts, setuidgid, daemontools)" >&2; exit 111; }
: "${CRASH_TRIALS:=1000}" "${CRASH_SWEEPS:=2}" "${FAULT_ROUNDS:=4}"
: "${FAULT_SIZES:=0 100 5000 70000 140000 300000}" "${NET_MESSAGES:=200}"
: "${CRASH_SIZES:=0 100 5000 70000 300000}" "${CRASH_PICKUP_SIZES:=100 3000}"
: "${FAULT_PICKUP_SIZES:=100 3000}"
export CRASH_TRIALS CRASH_SWEEPS FAULT_ROUNDS FAULT_SIZES NET_MESSAGES CRASH_SIZES CRASH_PICKUP_SIZES
export FAULT_PICKUP_SIZES
# the checks of known failures, left out of make test, run here
TORTURE=1
export TORTURE
. tests/lock.sh
scenario_lock
# valgrind: the daemons' scenario tests once more, the daemons under
# memcheck, at make test's depth
if [ -n "$TORTURE_VALGRIND" ]; then
  command -v valgrind >/dev/null || { echo "make torture: TORTURE_VALGRIND needs valgrind (apt-get install valgrind)" >&2; exit 111; }
  : "${TORTURE_SCRIPTS:=badinput bounds network}"
  IM2K_VALGRIND=1 FLOOD=2000 NET_MESSAGES=24
  export IM2K_VALGRIND FLOOD NET_MESSAGES
fi
log=$(mktemp)
all=$(mktemp)
pass=0 fail=0
for s in ${TORTURE_SCRIPTS:-crash faults network badinput bounds}; do
  echo "# tests/scenario/$s.sh"
  sh "tests/scenario/$s.sh" >"$log" 2>&1
  rc=$?
  grep -E '^(ok|not ok|#)' "$log" | tee -a "$all"
  p=$(grep -c '^ok ' "$log")
  f=$(grep -c '^not ok ' "$log")
  if [ $rc != 0 ] && [ "$f" = 0 ]; then
    sed 's/^/  | /' "$log" | tail -n 30
    echo "not ok - $s.sh stopped early (exit $rc)"; f=$((f + 1))
  elif [ "$f" != 0 ]; then
    grep -v -E '^(ok|not ok|Killed)' "$log" | sed 's/^/  | /' | tail -n 30
  fi
  pass=$((pass + p)); fail=$((fail + f))
done
awk '
  /^# torture crash-trials / { c += $4 }
  /^# torture fault-trials / { f += $4 }
  / lost, .* duplicated, .* partial/ {
    for (i = 1; i <= NF; i++) {
      if ($(i + 1) ~ /^lost,/) l += $i
      if ($(i + 1) ~ /^duplicated,/) d += $i
      if ($(i + 1) ~ /^partial/) p += $i
    }
  }
  END { printf "crash trials %d, fault trials %d: %d lost, %d duplicated, %d partial\n", c, f, l, d, p }' "$all"
rm -f "$log" "$all"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
