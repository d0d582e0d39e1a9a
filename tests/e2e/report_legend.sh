#!/bin/sh
# report_legend.sh — no text of a report's plots (title, axis and tic
# labels, labels drawn on the plot) overlaps a legend entry, on a report of
# six optimizers whose legend wraps to two rows, checked on the rendered
# SVGs by tests/svg_labels.py; the checker itself finds a label put over a
# legend.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
command -v gnuplot >/dev/null || { echo "skipped: no gnuplot"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
root=$(cd "$(dirname "$0")/../.." && pwd)
check() { python3 "$root/tests/svg_labels.py" "$@"; }

cat >"$tmp/l.yaml" <<'YAML'
name: legend
steps: 30
seeds: 2
log_every: 5
target: 1.0
problems:
  - rosenbrock: {dim: 4}
optimizers:
  adam: {lr: [1e-3, 1e-2], weight_decay: [0, 0.1]}
  adamw: {lr: [1e-3, 1e-2], weight_decay: [0, 0.1]}
  nadam: {lr: [1e-3, 1e-2]}
  radam: {lr: [1e-3, 1e-2]}
  lion: {lr: [1e-4, 1e-3]}
  sgd: {lr: [1e-4, 1e-3]}
YAML
"$OPTBENCH" sweep "$tmp/l.yaml" --db "$tmp/l.db" --jobs 2 --quiet >/dev/null
"$OPTBENCH" report --sweep legend --db "$tmp/l.db" --out "$tmp/rep" >/dev/null
n=$(ls "$tmp/rep"/*.svg | wc -l)
[ "$n" -ge 8 ] || fail "only $n plots"
grep -l 'gnuplot_plot_6' "$tmp/rep"/*.svg >/dev/null || fail "no plot with six legend entries"
check "$tmp/rep"/*.svg || fail "a label overlaps a legend"

# the checker finds a label over a legend, and passes the same label elsewhere
for where in "0.02, graph 0.95|1" "0.6, graph 0.3|0"; do
    cat >"$tmp/rep/control.gp" <<GP
out = 'control'
load "common.gp"
set key inside top left
set label 1 "a label" at graph ${where%%|*}
plot x title "first optimizer", x*x title "second"
GP
    (cd "$tmp/rep" && gnuplot control.gp)
    set +e
    check "$tmp/rep/control.svg" >"$tmp/out"
    code=$?
    set -e
    [ "$code" = "${where#*|}" ] || fail "checker on a label at graph ${where%%|*}: exit $code, $(cat "$tmp/out")"
done
echo ok
