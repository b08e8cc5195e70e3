#!/usr/bin/env bash
# Generates a workload with hindsight-workload (bench/workload; unless the
# folder has one) and runs the macro benchmark against SQLite on it, then
# commits into a live database (hindsight-live-bench: the second half of
# the workload into a database holding the first, against SQLite) and
# the small-commit benchmark (hindsight-commit-bench). Usage:
#   bench/run.sh [--quick] [--keys N] [WORKDIR]
# --quick: 2,000 keys and 300 queries per class (what CI runs, to keep the
# benchmark from rotting). Default: the generator's defaults (100,000 keys).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
gen_args=()
work=""
commit_seconds=3
live_segments=200000
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) gen_args=(--keys 2000 --queries 300); commit_seconds=0.5; live_segments=2000; shift ;;
    --keys) gen_args+=(--keys "$2"); shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) work=$1; shift ;;
  esac
done
work=${work:-/tmp/hindsight-workload${gen_args[1]:+-${gen_args[1]}}}
if [ ! -f "$work/ops.tsv" ]; then
  "$root/build/bench/workload/hindsight-workload" "${gen_args[@]}" --out "$work"
fi
"$root/build/bench/hindsight-bench" --scratch "$work/bench" "$work"
"$root/build/bench/hindsight-live-bench" --scratch "$work/bench" "$work"
"$root/build/bench/hindsight-commit-bench" --seconds "$commit_seconds" --live-segments "$live_segments" "$work/bench"
