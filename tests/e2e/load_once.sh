#!/bin/sh
# load_once.sh — a command reads a problem's data file once: `run` loads it
# to refuse bad data before writing anything and then runs on that
# instance; a sweep loads each distinct problem once for all its runs and
# workers; `bench --gemm` once for all its thread counts. Each open(2) of
# the file is counted by a preload library (tests/preload/open_log.c). The
# runs of a sweep that share one instance in one worker give the losses of
# separate `run`s, each on its own.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
command -v "${CC:-cc}" >/dev/null || { echo "no C compiler for the preload library"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
here=$(cd "$(dirname "$0")/../.." && pwd)
"${CC:-cc}" -O1 -U_FORTIFY_SOURCE -shared -fPIC -o "$tmp/open_log.so" "$here/tests/preload/open_log.c" -ldl ||
    fail "building the preload library"
awk 'BEGIN { for (i = 0; i < 60; i++) printf "%d,%d,%d\n", i % 7, (i * 3) % 5, (i % 7 + (i * 3) % 5 > 5) }' \
    >"$tmp/once.csv"
# a sanitizer runtime wants to be loaded first; the library only wraps open
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"

# opens ARGS...: runs optbench with the library; n = how often it opened once.csv
opens() {
    : >"$tmp/log"
    OPEN_LOG="$tmp/log" OPEN_LOG_MATCH=once.csv LD_PRELOAD="$tmp/open_log.so" "$OPTBENCH" "$@" >"$tmp/out" 2>"$tmp/err" ||
        fail "$*: exit $?: $(cat "$tmp/err")"
    n=$(wc -l <"$tmp/log" | tr -d ' ')
}

problem="mlp,dataset=csv:$tmp/once.csv,hidden=[8],batch=16"
opens run --problem "$problem" --optimizer adam,lr=0.05 --steps 30 --seed 1 --db "$tmp/r.db" --quiet
[ "$n" = 1 ] || fail "run opened the data file $n times"

cat >"$tmp/s.yaml" <<YAML
name: once
steps: 30
seeds: [1, 2, 3]
problems:
  - mlp: {dataset: "csv:$tmp/once.csv", hidden: [8], batch: 16}
optimizers:
  adam: {lr: [0.05]}
YAML
opens sweep "$tmp/s.yaml" --jobs 1 --db "$tmp/s.db" --quiet
[ "$n" = 1 ] || fail "a sweep of 3 runs opened the data file $n times"
opens sweep "$tmp/s.yaml" --jobs 2 --db "$tmp/s2.db" --quiet
[ "$n" = 1 ] || fail "a sweep of 3 runs on 2 workers opened the data file $n times"

# the sweep's runs, one after another on one instance, match separate runs
# (mlp: the initial parameters and the minibatches depend on the seed)
for seed in 2 3; do
    "$OPTBENCH" run --problem "$problem" --optimizer adam,lr=0.05 --steps 30 --seed $seed --db "$tmp/r.db" --quiet
done
q='select seed, first_loss, final_loss, eval_loss, peak_bytes from runs order by seed'
[ "$(sqlite3 "$tmp/s.db" "$q")" = "$(sqlite3 "$tmp/r.db" "$q")" ] ||
    fail "sweep on one instance: $(sqlite3 "$tmp/s.db" "$q") but separate runs: $(sqlite3 "$tmp/r.db" "$q")"

opens bench --gemm --problem "$problem" --threads 1,2 --repeats 2 --warmup 1
[ "$n" = 1 ] || fail "bench --gemm at 2 thread counts opened the data file $n times"

# bad data is still refused before anything is written
printf '1,2,0\n3,x,1\n' >"$tmp/bad.csv"
set +e
"$OPTBENCH" run --problem "logreg,dataset=csv:$tmp/bad.csv" --db "$tmp/bad.db" 2>"$tmp/err"
code=$?
set -e
[ "$code" = 2 ] || fail "bad data: exit $code"
grep -qF "$tmp/bad.csv:2: " "$tmp/err" || fail "bad data: $(cat "$tmp/err")"
[ ! -e "$tmp/bad.db" ] || fail "bad data: a database was created"
echo "load_once: ok"
