#!/bin/sh
# cuda_cli.sh — `--device cuda` where it cannot run: every subcommand that
# takes it exits 2 with one line saying why ("built without CUDA" in a CPU
# build, "no CUDA device found" in a CUDA build on a machine without a GPU)
# and writes nothing. On a machine with a GPU this script has nothing to
# check and skips (cuda_gpu.sh runs there).
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

if "$OPTBENCH" --version | grep -q "without CUDA"; then
    want="built without CUDA"
else
    want="no CUDA device found"
    if "$OPTBENCH" verify --device cuda >/dev/null 2>&1; then
        echo "skipped: a CUDA device is present (cuda_gpu.sh checks it)"
        exit 77
    fi
fi
printf 'name: s\nsteps: 5\nseeds: [0]\ndevice: cuda\nproblems:\n  - rosenbrock: {dim: 2}\noptimizers:\n  sgd:\n    lr: [0.001]\n' >"$tmp/s.yaml"
for cmd in "run --device cuda --db $tmp/r.db" "run --device cuda --problem mlp --optimizer lion --db $tmp/r.db" \
    "run --device cuda --problem transformer,task=modadd --db $tmp/r.db" \
    "sweep $tmp/s.yaml --db $tmp/r.db" "sweep $tmp/s.yaml --device cuda --db $tmp/r.db" \
    "verify --device cuda" "gradcheck --problem logreg --device cuda" "bench --device cuda --n 1000"; do
    set +e
    # shellcheck disable=SC2086 # the words of cmd are separate arguments
    "$OPTBENCH" $cmd >"$tmp/out" 2>"$tmp/err"
    code=$?
    set -e
    [ "$code" = 2 ] || fail "$cmd exited $code"
    grep -q "$want" "$tmp/err" || fail "$cmd said: $(cat "$tmp/err")"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$cmd: not one line: $(cat "$tmp/err")"
done
# in a CUDA build every optimizer has a kernel: the tensor-aware ones get as
# far as looking for the device, on the transformer too
if [ "$want" != "built without CUDA" ]; then
    for o in adafactor muon sfadamw; do
        set +e
        "$OPTBENCH" run --device cuda --problem transformer,task=modadd --optimizer $o --db "$tmp/r.db" 2>"$tmp/err"
        code=$?
        set -e
        [ "$code" = 2 ] || fail "$o on cuda exited $code"
        grep -q "$want" "$tmp/err" || fail "$o on cuda said: $(cat "$tmp/err")"
    done
fi
[ ! -e "$tmp/r.db" ] || fail "a database was written"
# the CPU still runs in the same build
"$OPTBENCH" run --device cpu --steps 5 --db "$tmp/ok.db" --quiet || fail "cpu run"
