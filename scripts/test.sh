#!/usr/bin/env bash
# Runs every test: the suite of build/ (after scripts/build.sh), then, in
# build-asan/ (clang, so the build checks the declared locking), the fuzzers
# for a bounded time and the whole suite again under ASan + UBSan.
# --quick runs only the suite of build/; HINDSIGHT_CTEST_EXCLUDE, a ctest
# regular expression, leaves tests out of it.
set -euo pipefail
cd "$(dirname "$0")/.."
ctest --test-dir build --output-on-failure -j "$(nproc)" ${HINDSIGHT_CTEST_EXCLUDE:+-E "$HINDSIGHT_CTEST_EXCLUDE"}
[ "${1:-}" = "--quick" ] && exit 0
bench/run.sh --quick "$(mktemp -d)" >/dev/null  # the benchmark still builds, runs and agrees with SQLite
scripts/fuzz.sh
scripts/sanitize.sh
