#!/usr/bin/env bash
# Configures and builds Hindsight in build/ (Release, assertions kept), or
# in $HINDSIGHT_BUILD_DIR; arguments go to cmake's configure step.
# With ccache installed (scripts/install-deps.sh installs it) and its cache
# directory writable, compilations are cached by content with paths taken
# relative to the checkout, so a second checkout of the same code (CI's lone
# clone) compiles almost nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${HINDSIGHT_BUILD_DIR:-build}
launcher=()
if command -v ccache >/dev/null && mkdir -p "${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ccache}" 2>/dev/null; then
  export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" "$@"
cmake --build "$dir" -j "$(nproc)"
