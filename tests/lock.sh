# lock.sh: the scenario lock.  Sourced; not a test.  Scenario tests use
# fixed loopback addresses and ports, so one run of them at a time on
# this machine: tests/run.sh and tests/torture/run.sh take the lock once
# for every script they start, a scenario script run alone takes it
# itself (through tests/tap.sh).  The lock is fd 9 on
# /tmp/im2k-scenario.lock, held until the taker and the daemons it
# started end; IM2K_SCENARIO_LOCK=held tells the scripts started under
# it not to wait for it again.
#
# scenario_lock: take the lock, waiting at most 1800 s (the holder may be
# a whole make test); after that, say so and go on.
scenario_lock() {
  [ "$IM2K_SCENARIO_LOCK" = held ] && return 0
  exec 9>>/tmp/im2k-scenario.lock
  flock -w 1800 9 || echo "# waited 1800 s for another test run; going on"
  IM2K_SCENARIO_LOCK=held
  export IM2K_SCENARIO_LOCK
}
