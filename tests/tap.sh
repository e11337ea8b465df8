# tap.sh: ok/not ok lines for scenario tests.  Sourced; not a test.
N=0
FAILED=0
ok() { N=$((N + 1)); echo "ok $N - $*"; }
nok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $*"; }
# check DESC CMD...: ok if CMD succeeds
check() { _desc=$1; shift; if "$@"; then ok "$_desc"; else nok "$_desc"; fi; }
# a scenario script takes the scenario lock (tests/lock.sh) unless the
# run that started it holds it
. tests/lock.sh
scenario_lock
