#!/bin/sh
# report_cli.sh — `optbench report` end to end: a small sweep of two
# optimizers over lr x weight decay, reported; every output file exists and
# the plot data files hold the expected rows; a sweep whose runs all
# diverged still gives a report that says so; an unknown sweep is exit 2.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$tmp/small.yaml" <<'YAML'
name: small
steps: 200
seeds: [0, 1]
log_every: 10
target: 1000
problems:
  - rosenbrock: {dim: [2, 4]}
optimizers:
  adamw: {lr: [1e-2, 3e-2], weight_decay: [0, 0.1]}
  lion: {lr: [1e-3, 3e-3], weight_decay: [0, 1]}
YAML
"$OPTBENCH" sweep "$tmp/small.yaml" --db "$tmp/r.db" --jobs 2 --quiet >/dev/null
out=$("$OPTBENCH" report --sweep small --db "$tmp/r.db" --out "$tmp/rep")
"$OPTBENCH" report --sweep small --db "$tmp/r.db" --out "$tmp/new/nested/rep" >/dev/null || fail "report into a new nested folder"
[ "$out" = "$tmp/rep/report.html" ] || fail "printed path: $out"
for p in p1 p2; do
    for f in loss.dat loss_step.svg loss_step.png loss_step.gp loss_time.svg lr.dat lr_score.svg \
             heat_adamw.dat heat_adamw.svg heat_lion.svg state.dat state.svg peak.svg opt_time.svg \
             target.dat target.svg; do
        [ -s "$tmp/rep/${p}_$f" ] || fail "missing ${p}_$f"
    done
done
for f in report.html report.md common.gp profile.dat profile.svg profile.png; do
    [ -s "$tmp/rep/$f" ] || fail "missing $f"
done
# loss curves: one block per optimizer, 21 logged steps each (1, 11, ..., 191, 200)
[ "$(grep -c '^"' "$tmp/rep/p1_loss.dat")" = 2 ] || fail "loss blocks"
[ "$(grep -c '^[0-9]' "$tmp/rep/p1_loss.dat")" = 42 ] || fail "loss rows: $(grep -c '^[0-9]' "$tmp/rep/p1_loss.dat")"
# sensitivity: 2 learning rates per optimizer; heat map: 2 x 2 cells
[ "$(grep -c '^[0-9]' "$tmp/rep/p1_lr.dat")" = 4 ] || fail "lr rows"
[ "$(grep -c '^[0-9]' "$tmp/rep/p1_heat_lion.dat")" = 4 ] || fail "heat rows"
# memory measured from the buffers: 8 bytes per parameter for adamw, 4 for lion
grep -q '^"adamw" 8 ' "$tmp/rep/p1_state.dat" || fail "adamw state bytes: $(cat "$tmp/rep/p1_state.dat")"
grep -q '^"lion" 4 ' "$tmp/rep/p1_state.dat" || fail "lion state bytes"
# two optimizers: a verdict table; every plot inline in the HTML
grep -q "Verdict: adamw vs lion" "$tmp/rep/report.html" || fail "verdict"
[ "$(grep -c '<svg' "$tmp/rep/report.html")" = "$(ls "$tmp/rep"/*.svg | wc -l)" ] || fail "inline svg count"
grep -q '](p1_loss_step.png)' "$tmp/rep/report.md" || fail "markdown png"
# a user can re-render a plot from the files left behind
(cd "$tmp/rep" && rm p1_state.png && gnuplot -e 'fmt="png"' p1_state.gp && [ -s p1_state.png ]) || fail "re-render"

# a sweep whose runs all diverged
printf 'name: boom\nsteps: 50\nseeds: [0, 1]\nproblems: [rosenbrock]\noptimizers: {sgd: {lr: [0.5, 1]}}\n' >"$tmp/boom.yaml"
"$OPTBENCH" sweep "$tmp/boom.yaml" --db "$tmp/r.db" --quiet >/dev/null
"$OPTBENCH" report --sweep boom --db "$tmp/r.db" --out "$tmp/boom" >/dev/null
grep -q "Every run of this sweep diverged" "$tmp/boom/report.html" || fail "all-diverged message"
grep -q "all runs diverged" "$tmp/boom/report.md" || fail "all-diverged summary"

# an unknown sweep
set +e
"$OPTBENCH" report --sweep nosuch --db "$tmp/r.db" --out "$tmp/none" 2>"$tmp/err"
code=$?
set -e
[ "$code" = 2 ] || fail "unknown sweep exited $code"
grep -q "no runs of sweep 'nosuch'" "$tmp/err" || fail "message: $(cat "$tmp/err")"
echo ok
