#!/usr/bin/env bash
# Builds the example of docs/embedding.md against an installed Hindsight.
# Usage: embedding_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
mkdir -p "$work/example"
# The first ```cmake block is CMakeLists.txt, the first ```cpp block main.cc.
awk '/^```cmake$/{f=1;next} /^```$/{if(f){exit}} f' "$src/docs/embedding.md" > "$work/example/CMakeLists.txt"
awk '/^```cpp$/{f=1;next} /^```$/{if(f){exit}} f' "$src/docs/embedding.md" > "$work/example/main.cc"
cmake -S "$work/example" -B "$work/example/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/example/build" >/dev/null
out=$("$work/example/build/news_example" "$work/db")
expected='Syria diplomatic_relations Ukraine = "talks" [2024-12-30T00:00:00Z, +inf)'
if [ "$out" != "$expected" ]; then
  echo "got:      $out"
  echo "expected: $expected"
  exit 1
fi
echo "embedding example built against the installed package and answered: $out"
