#!/usr/bin/env bash
# Builds the RocksDB that Debian packages (the same version as the installed
# librocksdb-dev) from Debian's own source package, as a release build:
# assertions off and the SSE4.2/PCLMUL CRC32, which run on any x86-64
# machine of the last decade. Debian's binary package has assertions on and
# a software CRC32 (docs/performance.md says what the difference buys).
#
#   scripts/build-rocksdb.sh [PREFIX]
#
# PREFIX (default ~/.cache/hindsight/rocksdb-VERSION) receives the static
# library and its CMake package; a PREFIX that already has them is kept.
# Then build Hindsight against it:
#
#   scripts/build.sh -DRocksDB_DIR=PREFIX/lib/cmake/rocksdb
#
# About 10-14 minutes on 2 cores. Needs deb.debian.org (the source package
# is fetched with apt's own lists kept in a private directory: the system's
# sources are not changed).
set -euo pipefail
version="$(dpkg-query -W -f='${Version}' librocksdb-dev 2>/dev/null || true)"
if [ -z "$version" ]; then
  echo "build-rocksdb: librocksdb-dev is not installed (run scripts/install-deps.sh first)" >&2
  exit 1
fi
upstream="${version%%-*}"
prefix="${1:-$HOME/.cache/hindsight/rocksdb-$upstream}"
if [ -f "$prefix/lib/librocksdb.a" ] && [ -d "$prefix/lib/cmake/rocksdb" ]; then
  echo "build-rocksdb: $prefix already holds RocksDB $upstream"
  echo "build Hindsight with: scripts/build.sh -DRocksDB_DIR=$prefix/lib/cmake/rocksdb"
  exit 0
fi
for tool in dpkg-source cmake ninja; do
  command -v "$tool" >/dev/null || { echo "build-rocksdb: needs $tool (scripts/install-deps.sh)" >&2; exit 1; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" \
  >"$work/sources"
apt_private=(-o "Dir::Etc::SourceList=$work/sources" -o Dir::Etc::SourceParts=/dev/null
             -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root)
echo "build-rocksdb: fetching Debian's source of rocksdb $version"
apt-get "${apt_private[@]}" update -qq
(cd "$work" && apt-get "${apt_private[@]}" source --download-only -qq "rocksdb=$version" >/dev/null)
# apt checked the files against the signed archive index; the uploader's own
# signature on the .dsc needs debian-keyring, which we do not install.
dpkg-source --no-check -x "$work"/rocksdb_*.dsc "$work/src" >/dev/null
echo "build-rocksdb: building into $prefix"
# Only the library, with the one compression Hindsight uses (LZ4).
cmake -S "$work/src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DPORTABLE=ON -DFORCE_SSE42=ON -DUSE_RTTI=1 -DWITH_LZ4=ON -DWITH_ZSTD=OFF -DWITH_SNAPPY=OFF -DWITH_ZLIB=OFF \
  -DWITH_BZ2=OFF -DWITH_GFLAGS=OFF -DWITH_TESTS=OFF -DWITH_ALL_TESTS=OFF -DWITH_TOOLS=OFF -DWITH_CORE_TOOLS=OFF \
  -DWITH_BENCHMARK_TOOLS=OFF -DROCKSDB_BUILD_SHARED=OFF -DFAIL_ON_WARNINGS=OFF >"$work/cmake.log" 2>&1 ||
  { cat "$work/cmake.log" >&2; exit 1; }
cmake --build "$work/build" -j "$(nproc)" --target rocksdb >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; exit 1; }
cmake --install "$work/build" >/dev/null
echo "build-rocksdb: done; build Hindsight with: scripts/build.sh -DRocksDB_DIR=$prefix/lib/cmake/rocksdb"
