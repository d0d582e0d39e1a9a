#!/bin/sh
# best_show.sh — the end of a sweep prints the best configuration per
# problem x optimizer with its flags (also as JSON with --json); `optbench
# best` prints the same from the database; `optbench show RUN` prints one
# run's fields, its MFU and sparklines of its loss and per-step norms.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$tmp/b.yaml" <<'YAML'
name: bs
steps: 50
seeds: 2
log_every: 5
problems:
  - rosenbrock: {dim: 4}
optimizers:
  adam: {lr: [1e-3, 1e-2, 3e-2]}
  sgd: {lr: [3e-4, 1e-3, 1e-2]}
YAML
out=$("$OPTBENCH" sweep "$tmp/b.yaml" --db "$tmp/b.db" --jobs 2 --quiet)
echo "$out" | grep -q '^  rosenbrock  adam  {.*"lr":0.03.*}  score [0-9.e+-]* \[[0-9.e+-]*, [0-9.e+-]*\] (n=2)  \[grid edge: lr=0.03 is the top of its grid; widen it\]$' \
    || fail "sweep summary: $out"
# sgd at 1e-2 diverges on rosenbrock: the line says how many runs did
echo "$out" | grep -q '^  rosenbrock  sgd  .*\[2 of 6 runs diverged, 0 failed\]' || fail "diverged flag: $out"
[ "$("$OPTBENCH" best --sweep bs --db "$tmp/b.db")" = "$(echo "$out" | tail -n +2)" ] || fail "best differs from the sweep's summary"
json=$("$OPTBENCH" sweep "$tmp/b.yaml" --db "$tmp/b.db" --quiet --json)
echo "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["sweep"] == "bs" and d["runs"] == 12 and d["already_done"] == 12, d
adam = [b for b in d["best"] if b["optimizer"] == "adam"][0]
assert adam["hyperparameters"]["lr"] == 0.03 and adam["seeds"] == 2, adam
assert adam["grid_edges"] == [{"key": "lr", "value": 0.03, "side": "top"}], adam
assert adam["score_lo"] <= adam["score"] <= adam["score_hi"], adam
' || fail "sweep --json: $json"
"$OPTBENCH" best --sweep bs --db "$tmp/b.db" --json | python3 -c 'import json, sys; assert len(json.load(sys.stdin)) == 2' \
    || fail "best --json"
set +e
"$OPTBENCH" best --sweep nosuch --db "$tmp/b.db" 2>/dev/null
code=$?
set -e
[ "$code" = 2 ] || fail "best of a missing sweep exited $code"

show=$("$OPTBENCH" show 1 --db "$tmp/b.db")
echo "$show" | grep -q '^sweep  *bs$' || fail "show: sweep"
echo "$show" | grep -q '^status  *done$' || fail "show: status"
echo "$show" | grep -q '^hyperparameters  *{.*"lr":0.001' || fail "show: hyperparameters"
echo "$show" | grep -q '^loss (log scale), steps 1 to 50: ' || fail "show: sparkline header: $show"
[ "$(echo "$show" | tail -n 1 | tr -d ' ' | wc -m)" -gt 5 ] || fail "show: sparkline"
# the norms of the logged steps, first and last as stored
for col in grad_norm clipped_grad_norm update_norm param_norm; do
    want=$(sqlite3 "$tmp/b.db" "select printf('%s, steps 1 to 50: %.4g -> %.4g', '$col',
        (select $col from metrics where run_id = 1 order by step limit 1),
        (select $col from metrics where run_id = 1 order by step desc limit 1))")
    echo "$show" | sed 's/ (log scale)//' | grep -qxF "$want" || fail "show: no '$want' in: $show"
done
echo "$show" | grep -q '^mfu' && fail "show: an MFU without products to measure"
# MFU of a run with matrix products: gflops over the same run's sgemm rate
"$OPTBENCH" run --problem mlp,dataset=iris,hidden=[16] --optimizer adamw --steps 20 --db "$tmp/m.db" --quiet
want=$(sqlite3 "$tmp/m.db" "select printf('%.1f%%', 100 * gflops / sgemm_gflops) from runs")
"$OPTBENCH" show 1 --db "$tmp/m.db" | grep -q "^mfu  *$want (" || fail "show: MFU $want"
set +e
"$OPTBENCH" show 999 --db "$tmp/b.db" 2>/dev/null
code=$?
set -e
[ "$code" = 2 ] || fail "show of a missing run exited $code"
echo ok
