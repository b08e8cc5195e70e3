#!/usr/bin/env bash
# Runs every test of the build in build/ (after scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ctest --test-dir build --output-on-failure -j "$(nproc)"
