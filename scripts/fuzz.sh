#!/usr/bin/env bash
# Runs each libFuzzer target of build-asan/ (scripts/build-asan.sh builds
# them) for FUZZ_SECONDS (default 20) from its corpus in tests/fuzz/corpus/,
# as many at once as there are cores. New inputs go to a scratch directory;
# a crash leaves its input in build-asan/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}
scripts/build-asan.sh
targets=(time_literal ops_reader query_file statement pg_message sql_compat)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Runs one target; its log is printed whole when it fails, else its last lines.
fuzz_one() {
  local t=$1
  mkdir -p "$scratch/$t"
  if ! (cd build-asan && "tests/fuzz/${t}_fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 "$scratch/$t" "../tests/fuzz/corpus/$t" >"$scratch/$t.log" 2>&1); then
    cat "$scratch/$t.log"
    echo "fuzzing: $t failed (the input is in build-asan/)"
    return 1
  fi
  echo "fuzzing $t for ${seconds}s:"
  tail -n 4 "$scratch/$t.log"
}

pids=()
failed=0
for t in "${targets[@]}"; do
  if [ ${#pids[@]} -ge "$(nproc)" ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
  fuzz_one "$t" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
[ "$failed" -eq 0 ] || exit 1
echo "fuzzing: ${#targets[@]} targets ran ${seconds}s each without a crash"
