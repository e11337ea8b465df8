#!/bin/sh
# run.sh: build the harnesses and run each for SECONDS seconds (default
# 60), one after the other.  Inputs that add coverage are kept in
# fuzz/corpus-NAME/ (not in git); the seeds in fuzz/seeds/NAME/ are read
# only.  Prints "fuzz_NAME: N runs, K crashes" per harness; a crash,
# leak, timeout or out-of-memory leaves its input in build/fuzz/crashes/
# and makes the exit status 1.  Usage: fuzz/run.sh [SECONDS [NAME...]]
set -u
cd "$(dirname "$0")/.." || exit 111

secs=${1:-60}
case $secs in ''|*[!0-9]*) echo "usage: fuzz/run.sh [SECONDS [NAME...]]" >&2; exit 2;; esac
[ $# -gt 0 ] && shift
B=build/fuzz

sh fuzz/build.sh "$@" || { echo "fuzz/run.sh: build failed" >&2; exit 111; }

if [ $# -eq 0 ]; then
  for h in fuzz/fuzz_*.c; do
    n=${h#fuzz/fuzz_}
    set -- "$@" "${n%.c}"
  done
fi

mkdir -p "$B/crashes" "$B/log"
bad=0
for n in "$@"; do
  case $n in
    addr) maxlen=512 ;;              # addresses are at most 254 bytes
    packet|msg|answer) maxlen=1300 ;; # datagrams are at most 1200 bytes
    envelope) maxlen=8192 ;;         # room for some 30 longest addresses
    *) maxlen=4096 ;;
  esac
  corpus=fuzz/corpus-$n
  seeds=fuzz/seeds/$n
  log=$B/log/fuzz_$n.log
  mkdir -p "$corpus"
  [ -d "$seeds" ] || seeds=
  # a fresh artifact directory per run, so that any file in it is new
  art=$B/crashes/fuzz_$n.$$
  rm -rf "$art"; mkdir -p "$art"
  "./$B/fuzz_$n" -max_total_time="$secs" -max_len="$maxlen" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/" \
    "$corpus" $seeds >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  [ -n "$runs" ] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
  [ -n "$runs" ] || runs=0
  found=$(ls "$art" | wc -l | tr -d ' ')
  if [ "$rc" != 0 ] && [ "$found" = 0 ]; then found=1; fi
  echo "fuzz_$n: $runs runs, $found crashes"
  if [ "$found" != 0 ] || [ "$rc" != 0 ]; then
    bad=1
    for f in "$art"/*; do
      [ -f "$f" ] && echo "fuzz_$n: input kept in $f"
    done
    echo "fuzz_$n: log in $log (exit $rc)"
  else
    rmdir "$art"
  fi
done
exit $bad
