#!/bin/sh
# studies.sh — `studies: S` runs S independent replicas of a random search;
# each study's best is found, and `optbench best`, the end of a sweep and
# the report take the median study's best (AlgoPerf's rule), which the
# report's Studies table marks; checked against the database itself.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { sqlite3 "$tmp/s.db" "$1"; }

cat >"$tmp/s.yaml" <<'YAML'
name: st
steps: 40
seeds: 2
log_every: 10
search: quasirandom
samples: 4
studies: 3
search_seed: 7
problems:
  - logreg: {dataset: iris, batch: 16}
optimizers:
  adam: {lr: {log_uniform: [1e-4, 1]}}
  sgd: {lr: {log_uniform: [1e-3, 1]}}
YAML
"$OPTBENCH" sweep "$tmp/s.yaml" --db "$tmp/s.db" --jobs 2 --quiet >/dev/null
[ "$(q "select count(*) from runs")" = 48 ] || fail "$(q "select count(*) from runs") runs, not 3 x 4 x 2 x 2"
[ "$(q "select group_concat(n) from (select count(distinct hyperparameters) n from runs
        group by optimizer, json_extract(config, '$.study'))")" = "4,4,4,4,4,4" ] || fail "4 points per study"
# each study's best (lowest mean score of a configuration), then the median
# of the three, per optimizer, from the rows themselves
median_lr() {
    q "with c as (select json_extract(config, '$.study') s, hyperparameters h, avg(coalesce(eval_loss, final_loss)) m
                  from runs where optimizer = '$1' group by s, h),
            b as (select s, min(m) m from c group by s)
       select json_extract(c.h, '$.lr') from b join c on c.s = b.s and c.m = b.m order by b.m limit 1 offset 1"
}
json=$("$OPTBENCH" best --sweep st --db "$tmp/s.db" --json)
for opt in adam sgd; do
    echo "$json" | python3 -c '
import json, sys
opt, lr = sys.argv[1], float(sys.argv[2])
b = [b for b in json.load(sys.stdin) if b["optimizer"] == opt][0]
scores = sorted(b["study_scores"])
assert len(scores) == 3 and b["score"] == scores[1], b
assert abs(b["hyperparameters"]["lr"] - lr) <= 1e-12 * lr, (b, lr)
assert b["study"] in (1, 2, 3) and b["runs"] == 24, b
' "$opt" "$(median_lr "$opt")" || fail "$opt: the median study's best: $json"
done
"$OPTBENCH" best --sweep st --db "$tmp/s.db" | grep -c '\[median of 3 studies: study [123]\]$' | grep -qx 2 \
    || fail "best: $("$OPTBENCH" best --sweep st --db "$tmp/s.db")"
if command -v gnuplot >/dev/null; then
    "$OPTBENCH" report --sweep st --db "$tmp/s.db" --out "$tmp/rep" >/dev/null
    grep -q "^## Studies" "$tmp/rep/report.md" || fail "no Studies section"
    [ "$(grep -c '^| logreg dataset=iris | [a-z]* | [123] | .* | median |$' "$tmp/rep/report.md")" = 2 ] \
        || fail "one median study per optimizer: $(grep -A10 '^## Studies' "$tmp/rep/report.md")"
fi
# the same file again: the same points (keys), nothing to run
"$OPTBENCH" sweep "$tmp/s.yaml" --db "$tmp/s2.db" --quiet >/dev/null
[ "$(q "select group_concat(key) from (select key from runs order by key)")" = \
  "$(sqlite3 "$tmp/s2.db" "select group_concat(key) from (select key from runs order by key)")" ] || fail "not reproducible"
# bad input: studies of a grid, and out of range
for bad in "search: grid|studies needs search: random or quasirandom" "studies: 0|studies: '0' is not an integer in [1, 100]"; do
    sed -e "s/^search: .*/search: grid/" -e '/^samples/d' "$tmp/s.yaml" | sed 's/{log_uniform: \[\(.*\), \(.*\)\]}/[\1, \2]/' >"$tmp/grid.yaml"
    [ "${bad%%|*}" = "search: grid" ] || sed "s/^studies: .*/${bad%%|*}/" "$tmp/s.yaml" >"$tmp/grid.yaml"
    set +e
    "$OPTBENCH" sweep "$tmp/grid.yaml" --db "$tmp/bad.db" --quiet 2>"$tmp/err"
    code=$?
    set -e
    [ "$code" = 2 ] && grep -qF "${bad#*|}" "$tmp/err" || fail "${bad%%|*}: exit $code, $(cat "$tmp/err")"
done
[ ! -e "$tmp/bad.db" ] || fail "a bad studies setting created a database"
echo ok
