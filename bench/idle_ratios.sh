#!/bin/sh
# idle_ratios.sh — the ratio figures of the performance goals, measured in
# one run (a few minutes on an idle 2-core machine) and printed as a
# markdown table: the transformer bench step (bench/transformer_step_torch.py)
# on 2 threads against 1, and against torch at 1 and 2 threads; the MLP
# 784-256-128-10 step, batch 128 (bench/mlp_step_torch.py), on 2 threads
# against 1; and the harness's overhead per run of bench/sweep_overhead.yaml
# at --jobs 2 and its share of the wall time on
# bench/sweep_overhead_dim100.yaml (bench/sweep_overhead.sh, median of
# ROUNDS runs each). Figures are only meaningful on an otherwise idle
# machine: the load average and the other processes' CPU share are printed
# first, so a reader can tell.
#
# usage: OPTBENCH=./optbench sh bench/idle_ratios.sh
#        (STEPS_TRANSFORMER, STEPS_MLP, ROUNDS: measurement sizes; defaults 100, 500, 3)
set -eu
OPTBENCH=${OPTBENCH:-./optbench}
PY=${PY:-/usr/bin/python3}
ROUNDS=${ROUNDS:-3}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OPTBENCH

echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); load average $(cut -d' ' -f1-3 /proc/loadavg); $("$OPTBENCH" --version 2>/dev/null | head -n 1)"
start=$(date +%s)

"$PY" "$here/transformer_step_torch.py" --steps "${STEPS_TRANSFORMER:-100}" --rounds "$ROUNDS" >"$tmp/transformer"
"$PY" "$here/mlp_step_torch.py" --steps "${STEPS_MLP:-500}" --rounds "$ROUNDS" >"$tmp/mlp"
i=0
while [ "$i" -lt "$ROUNDS" ]; do
    JOBS=2 sh "$here/sweep_overhead.sh" "$here/sweep_overhead.yaml" >>"$tmp/overhead2"
    JOBS=2 sh "$here/sweep_overhead.sh" "$here/sweep_overhead_dim100.yaml" >>"$tmp/overhead100"
    i=$((i + 1))
done

# "threads optbench_ms torch_ms ratio" rows of the transformer table
tf() { awk -v t="$1" -v c="$2" '$1 == t && NF == 4 && $2 + 0 > 0 { print $c }' "$tmp/transformer"; }
# the 784-256-128-10 rows of the MLP table: "network threads optbench_ms torch_ms ratio"
mlp() { awk -v t="$1" '$1 == "784-256-128-10" && $2 == t { print $3 }' "$tmp/mlp"; }
# the median over rounds of the overhead lines of sweep_overhead.sh
median() { sed -n "$2" "$1" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
per_run=$(median "$tmp/overhead2" 's/.*(\([0-9.]*\) us per run).*/\1/p')
share100=$(median "$tmp/overhead100" 's/^harness overhead: \([0-9.]*\)% .*/\1/p')
t1=$(tf 1 2) t2=$(tf 2 2) r1=$(tf 1 4) r2=$(tf 2 4) m1=$(mlp 1) m2=$(mlp 2)

awk -v t1="$t1" -v t2="$t2" -v r1="$r1" -v r2="$r2" -v m1="$m1" -v m2="$m2" -v pr="$per_run" -v s100="$share100" '
function row(name, goal, value, ok, shown) { printf "| %s | %s | %s | %s |\n", name, goal, shown, ok ? "yes" : "**no**" }
BEGIN {
    print ""
    print "| figure | goal | measured | met |"
    print "|---|---|---:|---|"
    row("transformer step, 1 thread / 2 threads", ">= 1.6", t1 / t2, t1 / t2 >= 1.6, sprintf("%.2f (%.1f / %.1f ms)", t1 / t2, t1, t2))
    row("transformer step, optbench / torch, 1 thread", "<= 0.6", r1, r1 <= 0.6, sprintf("%.2f", r1))
    row("transformer step, optbench / torch, 2 threads", "<= 0.6", r2, r2 <= 0.6, sprintf("%.2f", r2))
    row("MLP 784-256-128-10 step, 1 thread / 2 threads", ">= 1.4", m1 / m2, m1 / m2 >= 1.4, sprintf("%.2f (%.3f / %.3f ms)", m1 / m2, m1, m2))
    row("sweep overhead per run, sweep_overhead.yaml, --jobs 2", "<= 100 us", pr, pr <= 100, sprintf("%.0f us", pr))
    row("sweep overhead share, sweep_overhead_dim100.yaml, --jobs 2", "<= 5%", s100, s100 <= 5, sprintf("%.1f%%", s100))
}'
echo
echo "measured in $(($(date +%s) - start)) s; the scripts' own output:"
for f in transformer mlp overhead2 overhead100; do sed 's/^/    /' "$tmp/$f"; done
