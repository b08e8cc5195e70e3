#!/usr/bin/env bash
# Runs the whole test suite in build-asan/ (scripts/build-asan.sh builds it:
# AddressSanitizer + UndefinedBehaviorSanitizer in every object). Three run
# in build/ only: the embedding example (it links an installed copy into a
# plain program); the power-loss test (a minute of real commands on a FUSE
# file system; it checks what reaches the disk, which the sanitizers do not
# change); and the three-server cluster scenario (a minute of real NATS
# servers; the node's code runs under the sanitizers in cluster_test).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-asan.sh
# A tenth of the random sequences (the plain suite runs them all): under
# the sanitizers they take four times as long, and CI's whole run must stay
# under 40 minutes on 2 cores.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  HINDSIGHT_RANDOM_SEQUENCES_PERCENT=10 ctest --test-dir build-asan --output-on-failure -j "$(nproc)" -E "EmbeddingExample|PowerLoss|ClusterWithRealServers"
