#!/usr/bin/env bash
# The news demo: imports demo/news.tsv into a fresh database and asks it what
# was true when, and what was known when.
# Usage: demo/ask.sh [HINDSIGHT_BINARY] [DB_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hindsight=${1:-$here/../build/tools/hindsight}
db=${2:-$(mktemp -d)/news-db}

ask() {
  printf '\n== %s\n$ hindsight query DB \x27%s\x27\n' "$1" "$2"
  "$hindsight" query "$db" "$2"
}

"$hindsight" import "$db" "$here/news.tsv"
echo "database: $db"
ask "What were Syria's relations with Ukraine on 2023-01-01?" \
    'Syria diplomatic_relations Ukraine at 2023-01-01'
ask "What did we believe on 2025-01-01 about those relations on 2025-10-01? (nobody knew yet they would be restored)" \
    'Syria diplomatic_relations Ukraine at 2025-10-01 as of 2025-01-01'
ask "And what do we know now about 2025-10-01?" \
    'Syria diplomatic_relations * at 2025-10-01'
ask "Russia's bases in Syria on 2025-01-01, as reported then (Tartus to be evacuated)" \
    'Russia military_base * at 2025-01-01 as of 2025-01-01'
ask "The same day as we know it now (the coastal bases stayed)" \
    'Russia military_base * at 2025-01-01'
ask "Who led Syria during 2024?" \
    'Syria head_of_state * during [2024, 2025)'
ask "How our knowledge of Syria-Ukraine relations changed, transaction by transaction" \
    'history Syria diplomatic_relations Ukraine'
