#!/bin/sh
# checkpoint_fork.sh — a sweep's parent forks every worker from a process
# of one thread, though a thread of its own checkpoints the WAL, and starts
# that thread only for checkpoints, not around each fork: a pruned sweep,
# whose workers are forked again after each pruned run, starts a few
# threads for several hundred forks. Forks and thread starts are logged by
# a preload library (tests/preload/fork_log.c); OpenBLAS is kept to one
# thread, so that the parent's threads are its own (OpenBLAS's pool, one
# thread per further core, is shut down by OpenBLAS's own fork handler,
# which runs after the library's fork has counted the threads).
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
command -v "${CC:-cc}" >/dev/null || { echo "no C compiler for the preload library"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
here=$(cd "$(dirname "$0")/../.." && pwd)
"${CC:-cc}" -O1 -shared -fPIC -o "$tmp/fork_log.so" "$here/tests/preload/fork_log.c" -ldl ||
    fail "building the preload library"
# a sanitizer runtime wants to be loaded first; the library only wraps fork and pthread_create
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"

cat >"$tmp/p.yaml" <<'YAML'
name: checkpoint-fork
steps: 300
log_every: 5
seeds: 4
problems:
  - rosenbrock: {dim: 2, noise: 0.01}
optimizers:
  adamw: {lr: {log: [1e-4, 1e-1], num: 30}}
  lion: {lr: {log: [1e-5, 1e-2], num: 30}}
prune: {method: asha, min_steps: 20, reduction: 3}
YAML
OPENBLAS_NUM_THREADS=1 FORK_LOG="$tmp/log" LD_PRELOAD="$tmp/fork_log.so" \
    "$OPTBENCH" sweep "$tmp/p.yaml" --db "$tmp/p.db" --jobs 2 --quiet >"$tmp/out" 2>"$tmp/err" & parent=$!
code=0; wait "$parent" || code=$?
[ "$code" = 0 ] || fail "sweep: exit $code: $(cat "$tmp/err")"
[ "$(sqlite3 "$tmp/p.db" "select count(*) from runs where status in ('done', 'pruned')")" = 240 ] ||
    fail "runs: $(sqlite3 "$tmp/p.db" "select status, count(*) from runs group by 1")"
"$OPTBENCH" check "$tmp/p.db" >/dev/null || fail "check: $("$OPTBENCH" check "$tmp/p.db")"
forks=$(awk -v p="$parent" '$1 == "fork" && $2 == p' "$tmp/log" | wc -l)
threaded=$(awk -v p="$parent" '$1 == "fork" && $2 == p && $3 != 1' "$tmp/log" | wc -l)
threads=$(awk -v p="$parent" '$1 == "thread" && $2 == p' "$tmp/log" | wc -l)
[ "$forks" -ge 100 ] || fail "only $forks forks: too few pruned runs to tell"
[ "$threaded" = 0 ] || fail "$threaded of $forks forks from a process of more than one thread"
# at least one checkpoint while the sweep ran, and the last one at its end
[ "$threads" -ge 2 ] && [ $((threads * 4)) -lt "$forks" ] ||
    fail "the parent started $threads threads for $forks forks"
echo ok
