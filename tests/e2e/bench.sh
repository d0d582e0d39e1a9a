#!/bin/sh
# bench.sh — `optbench bench --json` prints one valid JSON row per
# optimizer x size x threads with positive figures (no timing is asserted);
# a bad flag is a usage error.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$OPTBENCH" bench --optimizer adamw,lion,sgd --n 1e5 --threads 1,2 --repeats 3 --warmup 1 --json >"$dir/rows"
test "$(wc -l <"$dir/rows")" -eq 6
while IFS= read -r row; do
    ok=$(sqlite3 :memory: "SELECT json_valid('$row') AND json_extract('$row', '\$.n') = 100000
        AND json_extract('$row', '\$.step_seconds') > 0 AND json_extract('$row', '\$.roofline_gbps') > 0
        AND json_extract('$row', '\$.fraction') > 0")
    test "$ok" = 1
done <"$dir/rows"
# bytes per parameter follow the state slots: adamw 28, lion 20, plain sgd 12
test "$(sqlite3 :memory: "SELECT json_extract('$(sed -n 1p "$dir/rows")', '\$.bytes_per_param')")" = 28
test "$(sqlite3 :memory: "SELECT json_extract('$(sed -n 3p "$dir/rows")', '\$.bytes_per_param')")" = 20
test "$(sqlite3 :memory: "SELECT json_extract('$(sed -n 5p "$dir/rows")', '\$.bytes_per_param')")" = 12
"$OPTBENCH" bench --n 1e5 --threads 1 --repeats 2 | grep -q '^adamw *100000'
# nadam, radam and adamax keep two slots: AdamW's 28 bytes per parameter
"$OPTBENCH" bench --optimizer nadam,radam,adamax --n 1e5 --threads 1 --repeats 2 --warmup 1 --json >"$dir/adam_family"
test "$(wc -l <"$dir/adam_family")" -eq 3
while IFS= read -r row; do
    test "$(sqlite3 :memory: "SELECT json_extract('$row', '\$.bytes_per_param')")" = 28
done <"$dir/adam_family"
code=0; "$OPTBENCH" bench --optimizer nope 2>/dev/null || code=$?
test "$code" -eq 2
code=0; "$OPTBENCH" bench --n 0 2>/dev/null || code=$?
test "$code" -eq 2
