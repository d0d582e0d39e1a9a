#!/bin/sh
# sweep_overhead.sh — the harness's own share of a sweep's wall time.
# Runs a sweep file (default bench/sweep_overhead.yaml: 1000 Rosenbrock runs
# x 1000 steps, log_every 10) into a fresh database with --jobs $JOBS
# (default 2), then compares the total
# wall time with the time the runs themselves took inside the workers:
#   overhead = 1 - (sum of run wall seconds / jobs) / total wall seconds
# i.e. the share spent forking, passing configurations and records through
# pipes, and writing the database, plus any idle worker time.
set -eu
OPTBENCH=${OPTBENCH:-./optbench}
JOBS=${JOBS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s.%N)
"$OPTBENCH" sweep "${1:-bench/sweep_overhead.yaml}" --db "$tmp/o.db" --jobs "$JOBS" --quiet >/dev/null
end=$(date +%s.%N)
sqlite3 "$tmp/o.db" "select count(*), sum(wall_seconds), sum(step_time_median * steps_done) from runs where status = 'done'" |
awk -F'|' -v start="$start" -v end="$end" -v jobs="$JOBS" '{
    wall = end - start
    printf "runs %d, jobs %d: total wall %.3f s; runs inside workers %.3f s (steps alone %.3f s)\n", $1, jobs, wall, $2, $3
    printf "harness overhead: %.1f%% of the wall time (%.0f us per run)\n", 100 * (1 - $2 / jobs / wall), 1e6 * (wall - $2 / jobs) / $1
}'
