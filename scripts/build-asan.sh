#!/usr/bin/env bash
# Builds everything with clang in build-asan/, once for three checks:
# - AddressSanitizer + UndefinedBehaviorSanitizer in every object, for the
#   test suite (scripts/sanitize.sh runs it);
# - libFuzzer's coverage in every object and the fuzz targets linked
#   (scripts/fuzz.sh runs them);
# - clang's check of the declared locking (-Wthread-safety, which CMake turns
#   on as an error for every clang build): every member marked
#   ABSL_GUARDED_BY(mu) is touched only with mu held, every function marked
#   ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) is called only with it held. GCC
#   ignores these annotations, so the build of build/ cannot check them.
set -euo pipefail
cd "$(dirname "$0")/.."
HINDSIGHT_BUILD_DIR=build-asan scripts/build.sh -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DHINDSIGHT_FUZZ=ON -DHINDSIGHT_BUILD_BENCH=OFF
