#!/bin/sh
# prune.sh — pruning a sweep: ASHA stops runs at rungs (status pruned, the
# step they reached), the same runs with one worker every time, the summary
# says how many steps were saved, a re-run counts pruned runs as finished,
# reports count them; the median rule; bad prune settings; a version-3
# database is upgraded to hold the status pruned.
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
# two workers: still a pruned sweep whose best finished
"$OPTBENCH" sweep "$tmp/asha.yaml" --db "$tmp/c.db" --jobs 2 --quiet >/dev/null
[ "$(q "$tmp/c.db" "select count(*) from runs where status = 'pruned'")" -ge 1 ] || fail "--jobs 2 pruned nothing"
"$OPTBENCH" best --sweep asha --db "$tmp/a.db" | grep -q "\[$pruned of 9 runs pruned\]" || fail "best: pruned flag"
if command -v gnuplot >/dev/null; then
    "$OPTBENCH" report --sweep asha --db "$tmp/a.db" --out "$tmp/rep" >/dev/null
    grep -q " $pruned pruned, 0 unfinished" "$tmp/rep/report.md" || fail "report counts: $(grep unfinished "$tmp/rep/report.md")"
fi

# the median rule
sed -e 's/^name: asha/name: median/' -e 's/^prune: .*/prune: {method: median, after: 20}/' "$tmp/asha.yaml" >"$tmp/median.yaml"
"$OPTBENCH" sweep "$tmp/median.yaml" --db "$tmp/m.db" --jobs 1 --quiet >/dev/null
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
q "$tmp/v3.db" "PRAGMA writable_schema = ON;
  UPDATE sqlite_master SET sql = replace(sql, '''timeout'',''pruned'')', '''timeout'')') WHERE name = 'runs';
  PRAGMA writable_schema = OFF; PRAGMA user_version = 3;" >/dev/null
q "$tmp/v3.db" "select sql from sqlite_master where name = 'runs'" | grep -q "'pruned'" && fail "could not make a version-3 file"
"$OPTBENCH" sweep "$tmp/asha.yaml" --db "$tmp/v3.db" --jobs 1 --quiet >/dev/null || fail "sweep into a version-3 file"
[ "$(q "$tmp/v3.db" "pragma user_version")" = 4 ] || fail "not upgraded"
[ "$(q "$tmp/v3.db" "pragma integrity_check")" = ok ] || fail "integrity after the upgrade"
[ "$(q "$tmp/v3.db" "select count(*) from runs r join sweeps s on s.id = r.sweep_id where s.name = 'asha' and status = 'pruned'")" = "$pruned" ] \
    || fail "pruned runs in the upgraded file"
# the shipped 27-lr grid with one worker (the outcome is then fixed): ASHA's
# best is within 5% of the full grid's, for at most 40% of its steps
root=$(cd "$(dirname "$0")/../.." && pwd)
"$OPTBENCH" sweep "$root/sweeps/logreg_lr27_asha.yaml" --db "$tmp/l27.db" --jobs 1 --quiet >/dev/null
"$OPTBENCH" sweep "$root/sweeps/logreg_lr27.yaml" --db "$tmp/l27.db" --jobs 2 --quiet >/dev/null
best() { q "$tmp/l27.db" "select min(eval_loss) from runs r join sweeps s on s.id = r.sweep_id where s.name = '$1' and status = 'done'"; }
steps() { q "$tmp/l27.db" "select sum(steps_done) from runs r join sweeps s on s.id = r.sweep_id where s.name = '$1'"; }
awk -v a="$(best logreg-lr27-asha)" -v f="$(best logreg-lr27)" -v sa="$(steps logreg-lr27-asha)" -v sf="$(steps logreg-lr27)" \
    'BEGIN { exit !(a <= 1.05 * f && sa <= 0.40 * sf) }' \
    || fail "ASHA best $(best logreg-lr27-asha) in $(steps logreg-lr27-asha) steps; full grid $(best logreg-lr27) in $(steps logreg-lr27)"
echo ok
