# tap.sh: ok/not ok lines for scenario tests.  Sourced; not a test.
N=0
FAILED=0
ok() { N=$((N + 1)); echo "ok $N - $*"; }
nok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $*"; }
# check DESC CMD...: ok if CMD succeeds
check() { _desc=$1; shift; if "$@"; then ok "$_desc"; else nok "$_desc"; fi; }
# Scenario tests use fixed loopback addresses and ports: one at a time on
# this machine.  The lock is held until the script and its daemons end.
# tests/run.sh takes it once for all of them.
if [ "$IM2K_SCENARIO_LOCK" != held ]; then
  exec 9>>/tmp/im2k-scenario.lock
  flock -w 900 9 || echo "# waited 900 s for another scenario test; going on"
fi
