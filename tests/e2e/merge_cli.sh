#!/bin/sh
# merge_cli.sh — `optbench merge` and `optbench slurm` end to end: a sweep
# run as 4 local shards and merged holds the same keys and bit-identical
# losses as the whole sweep run with --jobs 2; merging again adds nothing;
# a version-2 shard merges with the newer columns NULL; shards of two
# machines keep each run's machine;
# a foreign shard is refused with the output unchanged; the sbatch script
# of `optbench slurm` has the array, resources and shard command.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
here=$(cd "$(dirname "$0")/.." && pwd)
sweep="$here/sweeps/rosenbrock_small.yaml"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
dump() { sh "$here/dbdump.sh" "$1"; }

# 4 shards, merged, equal the whole sweep
for i in 0 1 2 3; do
    "$OPTBENCH" sweep "$sweep" --shard "$i/4" --jobs 1 --db "$tmp/shard-$i.db" --quiet >/dev/null
done
"$OPTBENCH" sweep "$sweep" --jobs 2 --db "$tmp/whole.db" --quiet >/dev/null
"$OPTBENCH" merge "$tmp/all.db" "$tmp"/shard-*.db >"$tmp/out"
grep -q "shard-0.db: 1 sweep (1 new), runs: 3 added, 0 replaced, 0 kept" "$tmp/out" || fail "summary: $(cat "$tmp/out")"
[ "$(sqlite3 "$tmp/all.db" "select count(*) || '/' || count(distinct key) || '/' || sum(status = 'done') from runs")" = 10/10/10 ] \
    || fail "merged runs"
[ "$(dump "$tmp/all.db")" = "$(dump "$tmp/whole.db")" ] || fail "merged losses differ from the --jobs 2 run"

# merging again adds nothing
"$OPTBENCH" merge "$tmp/all.db" "$tmp"/shard-*.db >"$tmp/out"
[ "$(grep -c "runs: 0 added, 0 replaced" "$tmp/out")" = 4 ] || fail "second merge: $(cat "$tmp/out")"
[ "$(sqlite3 "$tmp/all.db" "select count(*) from runs; select count(*) from metrics")" = "10
210" ] || fail "second merge added rows"

# a shard of schema version 2 (no sweeps.machine, no FLOP columns) merges;
# what it lacks stays NULL, what it has (the machine of a version-3 shard) is copied
cp "$tmp/shard-0.db" "$tmp/v2.db"
sqlite3 "$tmp/v2.db" "alter table sweeps drop column machine; alter table runs drop column threads;
    alter table runs drop column flops_per_step; alter table runs drop column flops_per_eval;
    alter table runs drop column gflops; alter table runs drop column sgemm_gflops; pragma user_version = 2"
"$OPTBENCH" merge "$tmp/from-v2.db" "$tmp/shard-1.db" "$tmp/v2.db" >"$tmp/out" || fail "version-2 shard: $(cat "$tmp/out")"
[ "$(sqlite3 "$tmp/from-v2.db" "select count(*) || '/' || count(flops_per_step) from runs;
    select count(*) from metrics where run_id in (select id from runs where flops_per_step is null)")" = "6/3
63" ] || fail "version-2 shard rows"
[ "$(sqlite3 "$tmp/from-v2.db" "select machine from sweeps")" = "$(sqlite3 "$tmp/shard-1.db" "select machine from sweeps")" ] \
    || fail "sweeps.machine not copied"
[ -n "$(sqlite3 "$tmp/shard-1.db" "select machine from sweeps")" ] || fail "the shard records no machine"

# shards run on different machines: each run keeps its shard's machine
# (NULL where it is the sweep's), also through a second merge, and the
# report's machine line names both with their counts of runs
cp "$tmp/shard-1.db" "$tmp/elsewhere.db"
sqlite3 "$tmp/elsewhere.db" "update sweeps set machine = json_set(machine, '\$.cpu', 'Other CPU', '\$.cores', 64)"
"$OPTBENCH" merge "$tmp/two.db" "$tmp/shard-0.db" "$tmp/elsewhere.db" >/dev/null
"$OPTBENCH" merge "$tmp/two-again.db" "$tmp/two.db" >/dev/null
for db in two two-again; do
    [ "$(sqlite3 "$tmp/$db.db" "select count(*) || '/' || count(machine) || '/' || sum(json_extract(machine, '\$.cpu') = 'Other CPU') from runs")" = 6/3/3 ] \
        || fail "$db: runs.machine: $(sqlite3 "$tmp/$db.db" "select key, machine from runs")"
done
if command -v gnuplot >/dev/null; then
    "$OPTBENCH" report --sweep "$(sqlite3 "$tmp/two.db" "select name from sweeps")" --db "$tmp/two.db" --out "$tmp/two-report" >/dev/null 2>"$tmp/err" || fail "report: $(cat "$tmp/err")"
    grep -q "Machine: .*(3 runs); Other CPU, 64 cores; .*(3 runs)\." "$tmp/two-report/report.md" \
        || fail "machine line: $(grep Machine "$tmp/two-report/report.md")"
fi

# a file that is not an optbench database: exit 2, the output unchanged
sum=$(cksum <"$tmp/all.db")
sqlite3 "$tmp/foreign.db" "create table t (x); insert into t values (1)"
set +e
"$OPTBENCH" merge "$tmp/all.db" "$tmp/shard-0.db" "$tmp/foreign.db" 2>"$tmp/err"
code=$?
set -e
[ "$code" = 2 ] || fail "foreign shard exited $code"
grep -q "foreign.db: an SQLite database, but not an optbench one" "$tmp/err" || fail "message: $(cat "$tmp/err")"
[ "$(cksum <"$tmp/all.db")" = "$sum" ] || fail "the output changed"

# the sbatch script
cd "$tmp"
"$OPTBENCH" slurm "$sweep" --array 4 --out-dir "runs dir" --partition short --time 00:10:00 \
    --cpus-per-task 2 --gres gpu:1 >job.sbatch 2>"$tmp/err" && fail "a folder with a space was accepted"
[ ! -e "runs dir" ] || fail "a refused folder was created"
"$OPTBENCH" slurm "$sweep" --array 4 --out-dir runs/lvsa --partition short --time 00:10:00 \
    --cpus-per-task 2 --gres gpu:1 >job.sbatch
[ -d runs/lvsa ] || fail "--out-dir not created"
for line in "#SBATCH --array=0-3" "#SBATCH --job-name=optbench-rosenbrock-small" "#SBATCH --partition=short" \
    "#SBATCH --time=00:10:00" "#SBATCH --cpus-per-task=2" "#SBATCH --gres=gpu:1" \
    "#SBATCH --output=$tmp/runs/lvsa/slurm-%A_%a.out" "#SBATCH --error=$tmp/runs/lvsa/slurm-%A_%a.err"; do
    grep -qxF "$line" job.sbatch || fail "no line '$line' in: $(cat job.sbatch)"
done
grep -qxF "exec '$(readlink -f "$OPTBENCH")' sweep '$sweep' --shard \"\$SLURM_ARRAY_TASK_ID/4\" --db '$tmp/runs/lvsa'/shard-\"\$SLURM_ARRAY_TASK_ID\".db --jobs \"\${SLURM_CPUS_PER_TASK:-1}\"" job.sbatch \
    || fail "shard command: $(tail -n 1 job.sbatch)"
sh -n job.sbatch || fail "the script does not parse"
# task 2 of the script, run by hand, writes shard 2 (same rows as the local shard)
SLURM_ARRAY_TASK_ID=2 SLURM_CPUS_PER_TASK=1 sh job.sbatch >/dev/null 2>&1
[ "$(dump runs/lvsa/shard-2.db)" = "$(dump "$tmp/shard-2.db")" ] || fail "task 2 differs from shard 2/4"

# a bad sweep file or missing flags: exit 2
set +e
printf 'name: x\n' >bad.yaml
"$OPTBENCH" slurm bad.yaml --array 4 --out-dir runs 2>/dev/null >/dev/null; [ $? = 2 ] || fail "bad sweep file"
"$OPTBENCH" slurm "$sweep" --out-dir runs 2>/dev/null >/dev/null; [ $? = 2 ] || fail "no --array"
"$OPTBENCH" slurm "$sweep" --array 0 --out-dir runs 2>/dev/null >/dev/null; [ $? = 2 ] || fail "--array 0"
set -e
echo ok
