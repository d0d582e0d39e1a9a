#!/bin/sh
# prune_resume.sh — an interrupted pruned sweep, resumed, prunes the same
# runs at the same steps as one that ran uninterrupted: the resumed
# invocation shows the pruning rule (ASHA and the median rule) the stored
# rows of the runs finished before it, where they stand in the sweep's
# order. Interruptions are made exactly (the results of a chosen set of
# runs taken out again) and by kill -9 of a sweep in flight.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
pick() { sqlite3 "$1" "select key, status, steps_done from runs order by key"; }

cat >"$tmp/asha.yaml" <<'YAML'
name: asha-resume
steps: 270
seeds: 2
log_every: 5
problems:
  - rosenbrock: {dim: 10, noise: 0.05}
optimizers:
  adam: {lr: {log: [1e-4, 1], num: 12}}
  lion: {lr: {log: [1e-5, 1e-1], num: 8}}
prune: {method: asha, min_steps: 10, reduction: 3}
YAML
sed -e 's/^name: asha-resume/name: median-resume/' -e 's/^prune: .*/prune: {method: median, after: 20}/' \
    "$tmp/asha.yaml" >"$tmp/median.yaml"

for rule in asha median; do
    "$OPTBENCH" sweep "$tmp/$rule.yaml" --db "$tmp/$rule.db" --jobs 2 --quiet >/dev/null
    pruned=$(sqlite3 "$tmp/$rule.db" "select count(*) from runs where status = 'pruned'")
    [ "$pruned" -ge 1 ] || fail "$rule pruned nothing"
    # an interruption after which these runs were left to do: their results
    # taken out (a failed run is run again on resume)
    for left in "id % 3 = 0" "id > 20" "id % 2 = 1" "id <= 10"; do
        cp "$tmp/$rule.db" "$tmp/r.db"
        sqlite3 "$tmp/r.db" "delete from metrics where run_id in (select id from runs where $left);
                             update runs set status = 'failed' where $left"
        "$OPTBENCH" sweep "$tmp/$rule.yaml" --db "$tmp/r.db" --jobs 2 --quiet >/dev/null
        pick "$tmp/$rule.db" >"$tmp/want"
        pick "$tmp/r.db" >"$tmp/got"
        cmp -s "$tmp/want" "$tmp/got" ||
            fail "$rule: resumed after the runs with $left were left, other runs were pruned: $(diff "$tmp/want" "$tmp/got")"
    done
done

# kill -9 of a longer sweep in flight, then resume
sed -e 's/^steps: 270/steps: 48000/' -e 's/dim: 10,/dim: 300,/' -e 's/^name: asha-resume/name: asha-kill/' \
    "$tmp/asha.yaml" >"$tmp/kill.yaml"
"$OPTBENCH" sweep "$tmp/kill.yaml" --db "$tmp/k-full.db" --jobs 2 --quiet >/dev/null
"$OPTBENCH" sweep "$tmp/kill.yaml" --db "$tmp/k.db" --jobs 2 --quiet >/dev/null 2>&1 &
pid=$!
# killed as soon as its first run is stored, so that the resume has both
# finished runs to replay and runs still to do
finished() { [ -f "$tmp/k.db" ] && sqlite3 "$tmp/k.db" "select count(*) from runs where status in ('done', 'pruned')" 2>/dev/null || echo 0; }
i=0
while [ "$(finished)" = 0 ] && [ "$i" -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
total=$(sqlite3 "$tmp/k-full.db" "select count(*) from runs")
stored=$(finished)
[ "$stored" -gt 0 ] && [ "$stored" -lt "$total" ] || fail "the kill did not land mid-sweep: $stored of $total runs stored"
"$OPTBENCH" check "$tmp/k.db" >/dev/null || fail "the killed sweep's database: $("$OPTBENCH" check "$tmp/k.db")"
"$OPTBENCH" sweep "$tmp/kill.yaml" --db "$tmp/k.db" --jobs 2 --quiet >/dev/null
[ "$(pick "$tmp/k-full.db")" = "$(pick "$tmp/k.db")" ] || fail "killed and resumed, other runs were pruned"
echo ok
