#!/usr/bin/env bash
# Keys with a long history: each of --keys keys gets a value for each of
# --days days, one transaction a day, so that every key's live timeline
# grows to --days segments; or, with --corrections, a new value for all
# time in every transaction (a setting corrected again and again), so that
# its closed rows grow instead. Then hindsight-live-bench (the second half
# of the transactions committed one by one into a database holding the
# first half, against SQLite doing the same) and hindsight-bench (both
# loads, then a day's value, the same as of an earlier transaction, a
# week, whole histories, ... against SQLite).
# Usage: bench/series.sh [--days N] [--keys N] [--corrections] [WORKDIR]
# Defaults: 40,000 days (about 110 years), 1 key, /tmp/hindsight-series.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
days=40000
keys=1
shape=series
work=/tmp/hindsight-series
while [ $# -gt 0 ]; do
  case "$1" in
    --days) days=$2; shift 2 ;;
    --keys) keys=$2; shift 2 ;;
    --corrections) shape=corrections; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) work=$1; shift ;;
  esac
done
rm -rf "$work"
mkdir -p "$work"
python3 - "$work" "$days" "$keys" "$shape" <<'EOF'
import datetime, random, sys
work, days, keys, shape = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
first_day = datetime.date(1900, 1, 1)
first_tx = datetime.datetime(2020, 1, 1)
def day(i): return (first_day + datetime.timedelta(days=i)).isoformat()
def tx(i): return (first_tx + datetime.timedelta(seconds=i)).isoformat() + "Z"
def key(k): return f"series{k}\tvalue\tunit{k % 10}"
with open(f"{work}/ops.tsv", "w") as f:
    for i in range(days):
        f.write(f"tx\t{tx(i)}\tfeed\n")
        for k in range(keys):
            valid = f"{day(i)}\t{day(i + 1)}" if shape == "series" else "-inf\t+inf"
            f.write(f"assert\t{key(k)}\t{(i * 7 + k) % 1000}\t{valid}\n")
rng = random.Random(1)
queries = {
    "point": lambda: f"at\t{key(rng.randrange(keys))}\t{day(rng.randrange(days))}\t",
    "bitemporal": lambda: f"at\t{key(rng.randrange(keys))}\t{day(rng.randrange(days))}\t{tx(rng.randrange(days))}",
    "interval": lambda: (lambda d: f"during\t{key(rng.randrange(keys))}\t{day(d)}\t{day(d + 7)}\t")(rng.randrange(days)),
    "subject": lambda: f"at\tseries{rng.randrange(keys)}\t*\t*\t{day(rng.randrange(days))}\t",
    "object": lambda: f"at\t*\t*\tunit{rng.randrange(min(keys, 10))}\t{day(rng.randrange(days))}\t",
    "pair": lambda: (lambda k: f"at\tseries{k}\t*\tunit{k % 10}\t{day(rng.randrange(days))}\t")(rng.randrange(keys)),
    "slice": lambda: f"at\t*\tvalue\t*\t{day(rng.randrange(days))}\t",
    "history": lambda: f"history\t{key(rng.randrange(keys))}",
}
for name, make in queries.items():
    with open(f"{work}/q_{name}.tsv", "w") as f:
        for _ in range(20 if name == "history" else 200):
            f.write(make() + "\n")
EOF
"$root/build/bench/hindsight-live-bench" --scratch "$work/bench" "$work"
"$root/build/bench/hindsight-bench" --scratch "$work/bench" "$work"
