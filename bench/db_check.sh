#!/bin/sh
# db_check.sh — what checking a result database costs: builds a database of
# 10,000 Rosenbrock runs x 101 metrics rows (bench/sweep_overhead.yaml with
# 100 seeds instead of 10; or a database given as $1), then times, 5 times
# each, PRAGMA quick_check (what every open of a file up to 64 MiB runs),
# `optbench list sweeps` (an open with that check, and a query), and
# `optbench check` (the full integrity_check plus the schema check).
set -eu
OPTBENCH=${OPTBENCH:-./optbench}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=${1:-}
if [ -z "$db" ]; then
    db="$tmp/10k.db"
    sed 's/^seeds: 10$/seeds: 100/; s/^name: overhead$/name: overhead-10k/' bench/sweep_overhead.yaml >"$tmp/10k.yaml"
    "$OPTBENCH" sweep "$tmp/10k.yaml" --db "$db" --quiet >/dev/null
fi
echo "database: $(sqlite3 "$db" "select count(*) from runs") runs, $(sqlite3 "$db" "select count(*) from metrics") metrics rows, $(($(stat -c %s "$db") / 1048576)) MiB"
best() { # the fastest of 5 runs of "$@", in ms
    for _ in 1 2 3 4 5; do
        s=$(date +%s%N)
        "$@" >/dev/null
        e=$(date +%s%N)
        echo $(((e - s) / 1000000))
    done | sort -n | head -n 1
}
echo "sqlite3 PRAGMA quick_check: $(best sqlite3 "$db" "pragma quick_check") ms"
echo "sqlite3 PRAGMA integrity_check: $(best sqlite3 "$db" "pragma integrity_check") ms"
echo "optbench list sweeps: $(best "$OPTBENCH" list sweeps --db "$db") ms"
echo "optbench check: $(best "$OPTBENCH" check "$db") ms"
