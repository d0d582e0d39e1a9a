#!/bin/sh
# flops_cli.sh — FLOP accounting and the machine as a user sees them: `run`
# prints and records FLOPs per step, GFLOP/s and MFU against the same-run
# sgemm rate; the sweep records the machine; `bench --gemm` measures both
# on a problem's own shapes and prints the machine.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { sqlite3 "$1" "$2"; }
problem="mlp,dataset=digits,hidden=[64],batch=32"

out=$("$OPTBENCH" run --problem "$problem" --optimizer adamw --steps 20 --threads 1 --db "$tmp/a.db")
echo "$out" | grep -q "compute: .* GFLOP per step, .* GFLOP/s, MFU .*% of the sgemm rate on its shapes, .* GFLOP/s (1 threads)" ||
    fail "run printed no compute line: $out"
# 2 * 32 * (64*64 + 64*10) forward, 2*32*64*64 + 4*32*64*10 backward, AdamW 16 per parameter
expect=$((2 * 32 * (64 * 64 + 64 * 10) + 2 * 32 * 64 * 64 + 4 * 32 * 64 * 10 + 16 * (64 * 64 + 64 + 64 * 10 + 10)))
[ "$(q "$tmp/a.db" "select cast(flops_per_step as integer) from runs")" = "$expect" ] || fail "flops_per_step"
[ "$(q "$tmp/a.db" "select threads = 1 and gflops > 0 and sgemm_gflops > 0 and flops_per_eval > 0 from runs")" = 1 ] ||
    fail "threads, gflops, sgemm_gflops, flops_per_eval: $(q "$tmp/a.db" "select threads, gflops, sgemm_gflops, flops_per_eval from runs")"
[ "$(q "$tmp/a.db" "select json_extract(machine, '$.cores') > 0 and json_extract(machine, '$.blas') like 'OpenBLAS%'
                    and json_extract(machine, '$.blas_core') <> '' and json_extract(machine, '$.threads_per_job') = 1
                    from sweeps")" = 1 ] || fail "sweeps.machine: $(q "$tmp/a.db" "select machine from sweeps")"
# what a user queries is unchanged
[ "$(q "$tmp/a.db" "select count(*) from (select step, loss from metrics where run_id = 1)")" = 20 ] || fail "metrics query"

out=$("$OPTBENCH" bench --gemm --problem "$problem" --threads 1 --repeats 5 --warmup 1)
echo "$out" | grep -q '^# machine {"cpu":' || fail "bench printed no machine: $out"
echo "$out" | grep -E -q "^mlp,dataset=digits,hidden=\[64\],batch=32 +1 +0.00" || fail "bench --gemm row: $out"
json=$("$OPTBENCH" bench --gemm --problem "$problem" --threads 1 --repeats 5 --json)
echo "$json" | grep -q '"threads":1,"flops_per_step":' || fail "bench --gemm --json: $json"
set +e
"$OPTBENCH" bench --gemm --problem nosuch 2>"$tmp/err"
code=$?
set -e
[ "$code" = 2 ] && grep -q "unknown problem 'nosuch'" "$tmp/err" || fail "bad --problem: exit $code, $(cat "$tmp/err")"
echo ok
