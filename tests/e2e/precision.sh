#!/bin/sh
# precision.sh — low-precision optimizer state from the command line: a
# sweep over `state` records each precision's exact state bytes, the report
# draws memory against quality with the precision in its labels, bench
# counts the bytes of each precision, optimizers lists them, and a bad
# value or a tensor-aware optimizer's non-fp32 state is an input error.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cat >"$dir/p.yaml" <<'YAML'
name: prec
steps: 30
seeds: [0, 1]
problems:
  - logreg: {dataset: digits, batch: 64}
optimizers:
  adamw:
    lr: [3e-3]
    weight_decay: [0.01]
    state: [fp32, bf16, bf16_sr, int8]
  lion:
    lr: [3e-4]
    state: [fp32, int8]
YAML
"$OPTBENCH" sweep "$dir/p.yaml" --db "$dir/r.db" >/dev/null
bytes() { sqlite3 "$dir/r.db" "SELECT DISTINCT round(1.0 * state_bytes / n_params, 3) FROM runs WHERE optimizer = '$1'
    AND coalesce(json_extract(hyperparameters, '\$.state'), 'fp32') = '$2'"; }
test "$(bytes adamw fp32)" = 8.0 || fail "adamw fp32: $(bytes adamw fp32)"
test "$(bytes adamw bf16)" = 4.0 || fail "adamw bf16: $(bytes adamw bf16)"
test "$(bytes adamw bf16_sr)" = 4.0 || fail "adamw bf16_sr: $(bytes adamw bf16_sr)"
# logreg digits: a 64x10 matrix (int8) and a 10-value bias (below 128 values: float32)
test "$(bytes adamw int8)" = 2.129 || fail "adamw int8: $(bytes adamw int8)"
test "$(bytes lion int8)" = 1.065 || fail "lion int8: $(bytes lion int8)"
"$OPTBENCH" report --sweep prec --db "$dir/r.db" --out "$dir/rep" >/dev/null
test "$(grep -c '"' "$dir/rep/p1_memory.dat")" -eq 6 || fail "memory view: $(cat "$dir/rep/p1_memory.dat")"
grep -q '^2.12923 .* "adamw int8"$' "$dir/rep/p1_memory.dat" || fail "adamw int8 point: $(cat "$dir/rep/p1_memory.dat")"
grep -q 'adamw lr=0.003 wd=0.01 state=int8' "$dir/rep/report.md" || fail "precision in labels"
"$OPTBENCH" bench --optimizer adamw,adamw,state=bf16,adamw,state=int8 --n 4096 --threads 1 --repeats 2 --warmup 1 \
    --json >"$dir/bench"
per() { sqlite3 :memory: "SELECT json_extract('$(sed -n "$1p" "$dir/bench")', '\$.bytes_per_param')"; }
test "$(per 1)" = 28 || fail "bench fp32: $(per 1)"
test "$(per 2)" = 20 || fail "bench bf16: $(per 2)"
test "$(per 3)" = 16.0625 || fail "bench int8: $(per 3)"
"$OPTBENCH" optimizers | grep -q 'bytes/param at the defaults: fp32 8, bf16 4, bf16_sr 4, int8 2.03' || fail "optimizers"
code=0; "$OPTBENCH" run --problem logreg --optimizer adamw,state=fp16 --steps 1 --db "$dir/x.db" 2>"$dir/err" || code=$?
test "$code" -eq 2 && grep -q "fp32|bf16|bf16_sr|int8" "$dir/err" || fail "state=fp16: $code $(cat "$dir/err")"
code=0; "$OPTBENCH" run --problem logreg --optimizer adafactor,state=bf16 --steps 1 --db "$dir/x.db" 2>"$dir/err" || code=$?
test "$code" -eq 2 && grep -q "allowed fp32" "$dir/err" || fail "adafactor,state=bf16: $code $(cat "$dir/err")"
echo ok
