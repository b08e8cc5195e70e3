#!/usr/bin/env bash
# Configures and builds Hindsight in build/ (Release, assertions kept).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build -j "$(nproc)"
