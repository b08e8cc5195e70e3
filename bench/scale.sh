#!/usr/bin/env bash
# The macro benchmark at several scales, and how its figures grow: runs
# hindsight-bench on generated workloads (bench/workload) of 10,000, 100,000
# and 1,000,000 keys (or the KEYS given), then writes docs/scale.svg and
# prints a Markdown table.
# Usage: bench/scale.sh [--work DIR] [KEYS...]
# Workloads are generated once into DIR/keys-N (default /tmp/hindsight-scale);
# the 1,000,000-key run needs about 10 GB of memory and 20 minutes here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
work=/tmp/hindsight-scale
scales=()
while [ $# -gt 0 ]; do
  case "$1" in
    --work) work=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) scales+=("$1"); shift ;;
  esac
done
[ ${#scales[@]} -gt 0 ] || scales=(10000 100000 1000000)
mkdir -p "$work"
results=()
for keys in "${scales[@]}"; do
  dir=$work/keys-$keys
  if [ ! -f "$dir/ops.tsv" ]; then
    "$root/build/bench/workload/hindsight-workload" --keys "$keys" --out "$dir"
  fi
  echo "scale: $keys keys" >&2
  "$root/build/bench/hindsight-bench" --scratch "$dir/bench" --results "$work/keys-$keys.tsv" "$dir" \
    > "$work/keys-$keys.md"
  rm -rf "$dir/bench"
  results+=("$work/keys-$keys.tsv")
done
python3 "$here/plot_scale.py" --svg "$root/docs/scale.svg" "${results[@]}"
