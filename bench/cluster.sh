#!/usr/bin/env bash
# The cluster benchmark (bench/cluster_bench.py): commit latency and
# throughput through a cluster node against a single node, follower lag,
# reads while following, and a fresh node's replay against the local
# transactional import. Needs scripts/install-deps.sh and scripts/build.sh.
#   bench/cluster.sh [--quick] [--seconds S] [--keys N] [--rounds R] [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
build=build
for a in "$@"; do
  case "$a" in --*|[0-9]*) args+=("$a") ;; *) build="$a" ;; esac
done
exec /usr/bin/python3 bench/cluster_bench.py "${args[@]}" "$build"
