#!/bin/sh
# report_stats.sh — the report's seed statistics and flags: 95% bootstrap
# intervals with n in the tables and the verdict, "no significant
# difference" for two optimizers that do the same thing, a winner where the
# paired interval excludes zero, grid edges flagged in every place, fixed
# colours per optimizer, no gnuplot internals as SVG tooltips, stale files
# of an earlier report removed (and only those), --optimizers checked.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
command -v gnuplot >/dev/null || { echo "skipped: gnuplot not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# adamw with weight_decay 0 is adam: their paired differences are all zero
cat >"$tmp/same.yaml" <<'YAML'
name: same
steps: 60
seeds: 3
log_every: 10
problems:
  - rosenbrock: {dim: 4, noise: 1}
optimizers:
  adam: {lr: [1e-3, 1e-2, 3e-2]}
  adamw: {lr: [1e-3, 1e-2, 3e-2], weight_decay: 0}
YAML
"$OPTBENCH" sweep "$tmp/same.yaml" --db "$tmp/r.db" --jobs 2 --quiet >/dev/null
"$OPTBENCH" report --sweep same --db "$tmp/r.db" --out "$tmp/rep" >/dev/null
md="$tmp/rep/report.md"
row=$(grep '^| rosenbrock |' "$md" | head -n 1)
echo "$row" | grep -q "| no significant difference (n=3; adam − adamw = " || fail "verdict score cell: $row"
echo "$row" | grep -q "grid edge: adam lr=0.03 is the top of its grid; widen it" || fail "verdict edge (adam): $row"
echo "$row" | grep -q "grid edge: adamw lr=0.03 is the top of its grid; widen it" || fail "verdict edge (adamw): $row"
grep -q "^grid edge: adam lr=0.03 is the top of its grid on rosenbrock; widen it.$" "$md" || fail "grid-edge section"
grep -q "grid edge: adam lr=0.03 is the top of its grid on rosenbrock; widen it." "$tmp/rep/report.html" || fail "html edge"
summary=$(grep '^| rosenbrock | adam |' "$md")
echo "$summary" | grep -Eq '\| [0-9.e+-]+ \\?\[[0-9.e+-]+, [0-9.e+-]+\\?\] \(n=3\) \| 3 \|' || fail "summary interval: $summary"
echo "$summary" | grep -q "| lr=0.03 is the top of its grid |" || fail "summary edge column: $summary"
# per-point intervals in the sensitivity data: lo <= score <= hi
awk '/^[0-9]/ && $2 == $2 + 0 && !($5 <= $2 && $2 <= $6) { bad = 1 } END { exit bad }' "$tmp/rep/p1_lr.dat" \
    || fail "lr intervals: $(cat "$tmp/rep/p1_lr.dat")"
# tooltips name series, never gnuplot's internals
! grep -q '<title>gnuplot_plot_\|<title>Gnuplot</title>\|<title>"' "$tmp/rep/report.html" || fail "gnuplot internals in tooltips"

# a clear difference: in 60 steps sgd beats adam on every seed
cat >"$tmp/clear.yaml" <<'YAML'
name: clear
steps: 60
seeds: 3
log_every: 10
target: 2000
problems:
  - rosenbrock: {dim: 4}
optimizers:
  sgd: {lr: [1e-4, 3e-4]}
  adam: {lr: [1e-2, 3e-2]}
YAML
"$OPTBENCH" sweep "$tmp/clear.yaml" --db "$tmp/r.db" --jobs 2 --quiet >/dev/null
"$OPTBENCH" report --sweep clear --db "$tmp/r.db" --out "$tmp/clear" --optimizers adam,sgd >/dev/null
grep '^| rosenbrock |' "$tmp/clear/report.md" | grep -q "^| rosenbrock | sgd (adam − sgd = [0-9]" || fail "clear winner: $(grep '^| rosenbrock |' "$tmp/clear/report.md")"
# AlgoPerf scores: within [0, 1], the fastest on the one problem scores 1, the first is its own baseline
scores=$(sed -n '/^| optimizer | problems reached | performance-profile score | speed-up over adam/,/^$/p' "$tmp/clear/report.md")
echo "$scores" | grep -q '^| adam | 1 of 1 | [01]\.[0-9]* | 1 (1) |$' || fail "adam's scores: $scores"
echo "$scores" | grep -q '^| sgd | 1 of 1 | [01]\.[0-9]* | [0-9.e+-]* (1) |$' || fail "sgd's scores: $scores"
echo "$scores" | grep -q '| 1\.000 |' || fail "nobody scores 1: $scores"
# adam keeps its colour whatever the other optimizers are
[ "$(awk '$1 == "\"adam\"" { print $3 }' "$tmp/clear/p1_state.dat")" = "$(awk '$1 == "\"adam\"" { print $3 }' "$tmp/rep/p1_state.dat")" ] \
    || fail "adam's colour changed between reports"

# a rewrite removes the old report's files, and only those
touch "$tmp/rep/mine.txt"
"$OPTBENCH" report --sweep clear --db "$tmp/r.db" --out "$tmp/rep" --optimizers sgd >/dev/null
[ -e "$tmp/rep/mine.txt" ] || fail "a file optbench did not write was removed"
grep -q '"adam"' "$tmp/rep/p1_state.dat" && fail "stale data of the old report"
[ ! -e "$tmp/rep/p1_loss_time.svg" ] || grep -q . "$tmp/rep/p1_loss_time.svg" || fail "empty plot"
! grep -q "Verdict" "$tmp/rep/report.md" || fail "a one-optimizer report has a verdict"

# --optimizers: an unknown name, and one without runs in the sweep
for bad in "adam,nosuch:unknown optimizer 'nosuch'" "adam,lion:sweep 'clear' has no runs of lion"; do
    set +e
    "$OPTBENCH" report --sweep clear --db "$tmp/r.db" --out "$tmp/bad" --optimizers "${bad%%:*}" 2>"$tmp/err"
    code=$?
    set -e
    [ "$code" = 2 ] && grep -q "${bad#*:}" "$tmp/err" || fail "--optimizers ${bad%%:*}: exit $code, $(cat "$tmp/err")"
done
[ ! -e "$tmp/bad" ] || fail "a refused report wrote files"
echo ok
