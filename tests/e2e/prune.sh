#!/bin/sh
# prune.sh — pruning a sweep: ASHA stops runs at rungs (status pruned, the
# step they reached), the same runs every time and with any number of
# workers; the summary says how many steps were saved, a re-run counts
# pruned runs as finished, reports count them; the median rule; bad prune
# settings; a version-3 database is upgraded to hold the status pruned; the
# 27-lr ASHA grid against the full grid (tools/asha_lr27.sh).
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { sqlite3 "$1" "$2"; }

cat >"$tmp/asha.yaml" <<'YAML'
name: asha
steps: 90
seeds: 1
log_every: 5
eval_every: 10
problems:
  - logreg: {dataset: iris, batch: 16}
optimizers:
  adam: {lr: {log: [1e-4, 1], num: 9}}
prune: {method: asha, min_steps: 10, reduction: 3}
YAML
out=$("$OPTBENCH" sweep "$tmp/asha.yaml" --db "$tmp/a.db" --jobs 1 --quiet)
pruned=$(q "$tmp/a.db" "select count(*) from runs where status = 'pruned'")
[ "$pruned" -ge 3 ] && [ "$pruned" -le 8 ] || fail "$pruned of 9 runs pruned"
[ "$(q "$tmp/a.db" "select count(*) from runs where status = 'pruned' and (steps_done >= 90 or steps_done < 10 or error not like 'pruned%')")" = 0 ] \
    || fail "pruned runs: $(q "$tmp/a.db" "select steps_done, error from runs where status = 'pruned'")"
saved=$(q "$tmp/a.db" "select sum(steps - steps_done) from runs where status = 'pruned'")
echo "$out" | grep -q "^pruning stopped $pruned runs early: $saved of the 810 steps asked for were not run" || fail "summary: $out"
# one worker: the same runs are pruned every time
"$OPTBENCH" sweep "$tmp/asha.yaml" --db "$tmp/b.db" --jobs 1 --quiet >/dev/null
pick() { q "$1" "select key, status, steps_done from runs order by key"; }
[ "$(pick "$tmp/a.db")" = "$(pick "$tmp/b.db")" ] || fail "two --jobs 1 sweeps pruned differently"
# a re-run: pruned runs are finished
"$OPTBENCH" sweep "$tmp/asha.yaml" --db "$tmp/a.db" --jobs 2 --quiet | grep -q "9 of 9 runs already done" || fail "re-run"
# three workers: every verdict waits for the earlier runs it reads, so the
# same runs are pruned at the same steps as with one
"$OPTBENCH" sweep "$tmp/asha.yaml" --db "$tmp/c.db" --jobs 3 --quiet >/dev/null
[ "$(pick "$tmp/a.db")" = "$(pick "$tmp/c.db")" ] || fail "--jobs 3 pruned other runs than --jobs 1"
"$OPTBENCH" best --sweep asha --db "$tmp/a.db" | grep -q "\[$pruned of 9 runs pruned\]" || fail "best: pruned flag"
if command -v gnuplot >/dev/null; then
    "$OPTBENCH" report --sweep asha --db "$tmp/a.db" --out "$tmp/rep" >/dev/null
    grep -q " $pruned pruned, 0 unfinished" "$tmp/rep/report.md" || fail "report counts: $(grep unfinished "$tmp/rep/report.md")"
fi

# the median rule
sed -e 's/^name: asha/name: median/' -e 's/^prune: .*/prune: {method: median, after: 20}/' "$tmp/asha.yaml" >"$tmp/median.yaml"
"$OPTBENCH" sweep "$tmp/median.yaml" --db "$tmp/m.db" --jobs 1 --quiet >/dev/null
"$OPTBENCH" sweep "$tmp/median.yaml" --db "$tmp/m2.db" --jobs 2 --quiet >/dev/null
[ "$(pick "$tmp/m.db")" = "$(pick "$tmp/m2.db")" ] || fail "median: --jobs 2 pruned other runs than --jobs 1"
[ "$(q "$tmp/m.db" "select count(*) from runs where status = 'pruned' and steps_done >= 20")" -ge 1 ] || fail "median pruned nothing"
[ "$(q "$tmp/m.db" "select count(*) from runs where status = 'pruned' and steps_done < 20")" = 0 ] || fail "median pruned before after"

# bad prune settings
for bad in "{method: asha}|method asha needs min_steps: K" "{method: hyperband, min_steps: 3}|expected asha or median" \
           "{method: median, after: 5, reduction: 0}|prune.reduction: '0' is not an integer in [2, 100]" \
           "{method: asha, min_steps: 5, after: 5}|'after' belongs to method median"; do
    sed "s/^prune: .*/prune: ${bad%%|*}/" "$tmp/asha.yaml" >"$tmp/bad.yaml"
    set +e
    "$OPTBENCH" sweep "$tmp/bad.yaml" --db "$tmp/bad.db" --quiet 2>"$tmp/err"
    code=$?
    set -e
    [ "$code" = 2 ] && grep -qF "${bad#*|}" "$tmp/err" || fail "prune: ${bad%%|*}: exit $code, $(cat "$tmp/err")"
done
[ ! -e "$tmp/bad.db" ] || fail "a bad prune setting created a database"

# a version-3 database (no status pruned) is upgraded when a pruned sweep writes it
sed 's/^prune: .*//' "$tmp/asha.yaml" | sed 's/^name: asha/name: plain/' >"$tmp/plain.yaml"
"$OPTBENCH" sweep "$tmp/plain.yaml" --db "$tmp/v3.db" --quiet >/dev/null
q "$tmp/v3.db" "ALTER TABLE runs DROP COLUMN machine; ALTER TABLE runs DROP COLUMN group_state" >/dev/null
q "$tmp/v3.db" "PRAGMA writable_schema = ON;
  UPDATE sqlite_master SET sql = replace(sql, '''timeout'',''pruned'')', '''timeout'')') WHERE name = 'runs';
  PRAGMA writable_schema = OFF; ALTER TABLE metrics DROP COLUMN grad_norm; ALTER TABLE metrics DROP COLUMN clipped_grad_norm;
  ALTER TABLE metrics DROP COLUMN update_norm; ALTER TABLE metrics DROP COLUMN param_norm;
  ALTER TABLE sweeps DROP COLUMN plugins; PRAGMA user_version = 3;" >/dev/null
q "$tmp/v3.db" "select sql from sqlite_master where name = 'runs'" | grep -q "'pruned'" && fail "could not make a version-3 file"
"$OPTBENCH" sweep "$tmp/asha.yaml" --db "$tmp/v3.db" --jobs 1 --quiet >/dev/null || fail "sweep into a version-3 file"
[ "$(q "$tmp/v3.db" "pragma user_version")" = 8 ] || fail "not upgraded"
[ "$(q "$tmp/v3.db" "pragma integrity_check")" = ok ] || fail "integrity after the upgrade"
[ "$(q "$tmp/v3.db" "select count(*) from runs r join sweeps s on s.id = r.sweep_id where s.name = 'asha' and status = 'pruned'")" = "$pruned" ] \
    || fail "pruned runs in the upgraded file"
# the shipped 27-lr grid: ASHA's best is within 5% of the full grid's, for
# at most 40% of its steps, the same with one worker and with two
root=$(cd "$(dirname "$0")/../.." && pwd)
OPTBENCH="$OPTBENCH" sh "$root/tools/asha_lr27.sh" 1 2 >"$tmp/lr27.md" || fail "27-lr grid: $(cat "$tmp/lr27.md")"
[ "$(grep -c '^| ASHA' "$tmp/lr27.md")" = 2 ] && [ "$(grep '^| ASHA' "$tmp/lr27.md" | cut -d'|' -f3- | uniq | wc -l)" = 1 ] \
    || fail "27-lr grid: one and two workers differ: $(cat "$tmp/lr27.md")"
echo ok
