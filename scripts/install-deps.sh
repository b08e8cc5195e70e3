#!/usr/bin/env bash
# Installs the Debian 12 packages Hindsight builds and tests with.
set -euo pipefail
packages=(build-essential cmake ninja-build librocksdb-dev libcapnp-dev capnproto libabsl-dev
          libbenchmark-dev libgtest-dev libedit-dev libsqlite3-dev python3 clang libclang-rt-14-dev
          libasio-dev libssl-dev libpq-dev postgresql-client postgresql-15 python3-psycopg2 python3-psycopg
          python3-asyncpg python3-sqlalchemy python3-pandas libpostgresql-jdbc-java golang-github-jackc-pgx-v4-dev
          pkg-config libfuse3-dev fuse3 libgoogle-perftools-dev ccache nats-server libnats-dev chromium fonts-dejavu-core)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
missing=()
# Node.js and npm run the node-postgres test; machines that have them from
# elsewhere keep theirs.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
# A JDK compiles and runs the JDBC test, the same way.
command -v javac >/dev/null && command -v java >/dev/null || packages+=(default-jdk-headless)
# Go builds the pgx test (against Debian's pgx, in /usr/share/gocode).
command -v go >/dev/null || packages+=(golang-go)
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
