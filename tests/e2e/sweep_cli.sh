#!/bin/sh
# sweep_cli.sh — `optbench sweep` end to end: 12 runs recorded once, resume
# after SIGKILL, --jobs 1 and 2 bit-identical, a crashed and a timed-out
# run recorded with their reasons while the others finish, a malformed file
# leaving the database byte-identical, shards, list and export.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { sqlite3 "$1" "$2"; }

cat >"$tmp/twelve.yaml" <<'YAML'
name: twelve
steps: 300
seeds: [0, 1]
log_every: 10
problems:
  - rosenbrock: {dim: 20000, noise: 0.1}
optimizers:
  adamw: {lr: [1e-3, 3e-3, 1e-2]}
  lion: {lr: [1e-4, 3e-4, 1e-3]}
YAML

# 2 optimizers x 3 lrs x 2 seeds = 12 runs, once
"$OPTBENCH" sweep "$tmp/twelve.yaml" --db "$tmp/a.db" --jobs 2 --quiet >/dev/null
[ "$(q "$tmp/a.db" "select count(*) from runs where status = 'done'")" = 12 ] || fail "12 done runs"
[ "$(q "$tmp/a.db" "select count(distinct key) from runs")" = 12 ] || fail "12 keys"
[ "$(q "$tmp/a.db" "select count(*) from metrics")" = $((12 * 31)) ] || fail "metrics rows"
out=$("$OPTBENCH" sweep "$tmp/twelve.yaml" --db "$tmp/a.db" --jobs 2 --quiet)
echo "$out" | grep -q "12 of 12 runs already done" || fail "rerun said: $out"
[ "$(q "$tmp/a.db" "select count(*) from runs")" = 12 ] || fail "a rerun added runs"

# --jobs 1 gives bit-identical losses
"$OPTBENCH" sweep "$tmp/twelve.yaml" --db "$tmp/b.db" --jobs 1 --quiet >/dev/null
dump() { q "$1" "select r.key, m.step, hex(m.loss) from metrics m join runs r on r.id = m.run_id order by r.key, m.step"; }
[ "$(dump "$tmp/a.db")" = "$(dump "$tmp/b.db")" ] || fail "losses differ between --jobs 1 and --jobs 2"

# SIGKILL halfway, then resume: 12 distinct done runs, database intact
"$OPTBENCH" sweep "$tmp/twelve.yaml" --db "$tmp/k.db" --jobs 2 --quiet >/dev/null &
pid=$!
for _ in $(seq 100); do
    n=$(q "$tmp/k.db" "select count(*) from runs where status = 'done'" 2>/dev/null || echo 0)
    [ "${n:-0}" -ge 3 ] && break
    sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
done_before=$(q "$tmp/k.db" "select count(*) from runs where status = 'done'")
[ "$done_before" -lt 12 ] || fail "the sweep finished before it was killed"
"$OPTBENCH" sweep "$tmp/twelve.yaml" --db "$tmp/k.db" --jobs 2 --quiet >/dev/null
[ "$(q "$tmp/k.db" "select count(*) || '/' || count(distinct key) || '/' || sum(status = 'done') from runs")" = "12/12/12" ] \
    || fail "after resume: $(q "$tmp/k.db" "select status, count(*) from runs group by status")"
[ "$(q "$tmp/k.db" "pragma integrity_check")" = ok ] || fail "integrity_check"
[ "$(dump "$tmp/k.db")" = "$(dump "$tmp/a.db")" ] || fail "resumed losses differ"

# a malformed file: exit 2 with file:line, database byte-identical
sum=$(cksum <"$tmp/a.db")
printf 'name: bad\nproblems: [rosenbrock]\noptimizers:\n  adam:\n    lr: [0.1, -2]\n' >"$tmp/bad.yaml"
set +e
"$OPTBENCH" sweep "$tmp/bad.yaml" --db "$tmp/a.db" 2>"$tmp/err"
code=$?
set -e
[ "$code" = 2 ] || fail "malformed file exited $code"
grep -q "bad.yaml:5:15: optimizers.adam.lr" "$tmp/err" || fail "message: $(cat "$tmp/err")"
[ "$(cksum <"$tmp/a.db")" = "$sum" ] || fail "the database changed"

# a dataset that cannot be loaded is an input error found before anything is written
printf 'name: nodata\nproblems:\n  - logreg: {dataset: "csv:%s/missing.csv"}\noptimizers: {adam: {}}\n' "$tmp" >"$tmp/nodata.yaml"
set +e
"$OPTBENCH" sweep "$tmp/nodata.yaml" --db "$tmp/nodata.db" 2>"$tmp/err"
code=$?
set -e
[ "$code" = 2 ] && grep -q "missing.csv: cannot open" "$tmp/err" || fail "missing dataset: exit $code, $(cat "$tmp/err")"
[ ! -e "$tmp/nodata.db" ] || fail "a database was created for an invalid sweep"

# a worker killed by a signal and a run past timeout_s are recorded; the others finish
cat >"$tmp/slow.yaml" <<'YAML'
name: slow
steps: 100000
timeout_s: 1.5
log_every: 1000
problems:
  - rosenbrock: {dim: 200000}
optimizers:
  sgd: {lr: [1e-6, 2e-6, 3e-6]}
YAML
"$OPTBENCH" sweep "$tmp/slow.yaml" --db "$tmp/c.db" --jobs 2 --quiet >"$tmp/slow.out" 2>&1 &
pid=$!
sleep 0.5
victim=$(pgrep -P "$pid" | head -n 1)
[ -n "$victim" ] || fail "no worker found"
kill -KILL "$victim"   # as the OOM killer would
set +e
wait "$pid"
code=$?
set -e
[ "$code" = 3 ] || fail "a sweep with failed runs exited $code"
[ "$(q "$tmp/c.db" "select count(*) from runs where status = 'failed' and error like 'worker killed by signal 9 (Killed)%'")" = 1 ] \
    || fail "crash not recorded: $(q "$tmp/c.db" "select status, error from runs")"
[ "$(q "$tmp/c.db" "select count(*) from runs where status = 'timeout' and error like 'exceeded timeout_s = 1.5%'")" = 2 ] \
    || fail "timeouts not recorded: $(q "$tmp/c.db" "select status, error from runs")"
grep -q "3 runs: 0 done, 0 diverged, 1 failed, 2 timeout, 0 already done" "$tmp/slow.out" \
    || fail "summary line: $(cat "$tmp/slow.out")"

# shards split the runs without overlap
for i in 0 1 2 3; do "$OPTBENCH" sweep "$tmp/twelve.yaml" --shard "$i/4" --dry-run | tail -n +2; done | awk '{print $2}' | sort >"$tmp/keys"
[ "$(wc -l <"$tmp/keys")" = 12 ] && [ "$(sort -u "$tmp/keys" | wc -l)" = 12 ] || fail "shards"
"$OPTBENCH" sweep "$tmp/twelve.yaml" --shard 1/4 --dry-run | head -n 1 | grep -q "3 runs" || fail "shard size"

# list and export
"$OPTBENCH" list sweeps --db "$tmp/a.db" | grep -q "twelve" || fail "list sweeps"
[ "$("$OPTBENCH" list runs --sweep twelve --db "$tmp/a.db" --format csv | wc -l)" = 13 ] || fail "list runs csv"
"$OPTBENCH" list runs --sweep twelve --db "$tmp/a.db" --format json | grep -q '"status":"done"' || fail "list runs json"
"$OPTBENCH" export --sweep twelve --db "$tmp/a.db" --format csv | head -n 1 | grep -q "hp.lr" || fail "export hp columns"
[ "$("$OPTBENCH" export --sweep twelve --db "$tmp/a.db" --format jsonl --metrics | wc -l)" = $((12 * 31)) ] || fail "export metrics"
set +e
"$OPTBENCH" export --sweep nosuch --db "$tmp/a.db" 2>/dev/null; [ $? = 2 ] || fail "unknown sweep"
set -e
echo ok
