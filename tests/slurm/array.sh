#!/bin/sh
# array.sh — `make test-slurm`: on a one-node Slurm (start.sh), submits
# tests/sweeps/rosenbrock_small.yaml as an array of 4 tasks written by
# `optbench slurm`, waits for it, merges the shard databases and checks
# that the merged database holds the same keys and bit-identical losses as
# a local --jobs 2 run; submitting again re-runs nothing. The cluster is
# stopped on every exit. Environment: OPTBENCH (the binary under test),
# SLURM_JOB_WAIT_S (bound on each job, default 300).
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
here=$(cd "$(dirname "$0")/.." && pwd)
sweep="$here/sweeps/rosenbrock_small.yaml"
wait_s=${SLURM_JOB_WAIT_S:-300}
tmp=$(mktemp -d)
trap 'sh "$here/slurm/stop.sh" "$tmp/cluster"; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; tail -n 20 "$tmp/cluster/log/slurmctld.log" "$tmp/cluster/log/slurmd.log" 2>/dev/null; exit 1; }
dump() { sh "$here/dbdump.sh" "$1"; }

sh "$here/slurm/start.sh" "$tmp/cluster"
export SLURM_CONF="$tmp/cluster/slurm.conf"

"$OPTBENCH" slurm "$sweep" --array 4 --out-dir "$tmp/shards" --time 00:05:00 >"$tmp/job.sbatch"
start=$(date +%s)
timeout "$wait_s" sbatch --wait "$tmp/job.sbatch" || fail "the array job failed or ran past ${wait_s}s: $(cat "$tmp"/shards/*.err 2>/dev/null)"
echo "array of 4 tasks done in $(($(date +%s) - start)) s"
[ "$(ls "$tmp"/shards/shard-*.db | wc -l)" = 4 ] || fail "expected 4 shard databases: $(ls "$tmp/shards")"

"$OPTBENCH" merge "$tmp/all.db" "$tmp"/shards/shard-*.db
"$OPTBENCH" sweep "$sweep" --jobs 2 --db "$tmp/local.db" --quiet >/dev/null
[ "$(sqlite3 "$tmp/all.db" "select count(*) from runs where status = 'done'")" = 10 ] || fail "merged: not 10 done runs"
[ "$(dump "$tmp/all.db")" = "$(dump "$tmp/local.db")" ] || fail "merged keys or losses differ from the local --jobs 2 run"

# submitting again re-runs nothing: every task finds its runs done
timeout "$wait_s" sbatch --wait "$tmp/job.sbatch" >/dev/null || fail "the second submission failed"
[ "$(cat "$tmp"/shards/slurm-*_*.out | grep -c 'runs already done')" = 4 ] || fail "the second submission ran something"
echo "test-slurm: ok"
