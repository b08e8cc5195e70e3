#!/usr/bin/env bash
# Runs every test: the suite of build/ (after scripts/build.sh), the fuzzers
# for a bounded time, clang's check of the declared locking, and the whole
# suite again under ASan + UBSan.
# --quick runs only the suite of build/; HINDSIGHT_CTEST_EXCLUDE, a ctest
# regular expression, leaves tests out of it.
set -euo pipefail
cd "$(dirname "$0")/.."
ctest --test-dir build --output-on-failure -j "$(nproc)" ${HINDSIGHT_CTEST_EXCLUDE:+-E "$HINDSIGHT_CTEST_EXCLUDE"}
[ "${1:-}" = "--quick" ] && exit 0
bench/run.sh --quick "$(mktemp -d)" >/dev/null  # the benchmark still builds, runs and agrees with SQLite
scripts/fuzz.sh
scripts/thread_safety.sh
scripts/sanitize.sh
