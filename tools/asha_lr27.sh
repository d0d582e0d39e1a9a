#!/bin/sh
# asha_lr27.sh — ASHA against the full grid on the shipped 27-lr grid of
# Adam on logreg (sweeps/logreg_lr27.yaml, sweeps/logreg_lr27_asha.yaml).
# Run from the root of a checkout after `make`:
#
#     sh tools/asha_lr27.sh [JOBS ...]        (default: 1 2)
#
# Runs the full grid once (two workers) and the ASHA sweep once for each
# worker count given, each into its own database in a temporary folder, and
# prints one Markdown table row per sweep: the best lr and its held-out loss
# (the lowest final held-out loss of a finished run), the steps run and the
# runs pruned. Exits 1 when an ASHA sweep's best is more than 5% above the
# full grid's or it ran more than 40% of the full grid's steps.
set -eu
OPTBENCH=${OPTBENCH:-./optbench}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ $# -gt 0 ] || set -- 1 2

# best lr|best loss|steps run|pruned of sweep $2 in database $1
measure() {
    sqlite3 -separator '|' "$1" "select
        (select json_extract(hyperparameters, '$.lr') from runs where status = 'done' order by eval_loss limit 1),
        (select min(eval_loss) from runs where status = 'done'),
        sum(steps_done), sum(status = 'pruned') from runs"
}

"$OPTBENCH" sweep "$root/sweeps/logreg_lr27.yaml" --db "$tmp/full.db" --jobs 2 --quiet >/dev/null
full=$(measure "$tmp/full.db")
f_loss=$(echo "$full" | cut -d'|' -f2)
f_steps=$(echo "$full" | cut -d'|' -f3)
echo "| sweep | best lr | best held-out loss | steps run | runs pruned |"
echo "|---|---|---|---|---|"
echo "$full" | awk -F'|' '{ printf "| full grid (27 x 810) | %.4g | %.4f | %d | 0 |\n", $1, $2, $3 }'
status=0
for jobs in "$@"; do
    "$OPTBENCH" sweep "$root/sweeps/logreg_lr27_asha.yaml" --db "$tmp/asha$jobs.db" --jobs "$jobs" --quiet >/dev/null
    measure "$tmp/asha$jobs.db" | awk -F'|' -v j="$jobs" -v fl="$f_loss" -v fs="$f_steps" '{
        printf "| ASHA, `--jobs %s` | %.4g | %.4f (%+.1f%%) | %d (%.1f%%) | %d |\n", j, $1, $2, 100 * ($2 / fl - 1), $3,
               100 * $3 / fs, $4
        exit !($2 <= 1.05 * fl && $3 <= 0.40 * fs) }' || status=1
done
exit $status
