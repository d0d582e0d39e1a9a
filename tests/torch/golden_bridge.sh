#!/bin/sh
# golden_bridge.sh — python/optbench_golden.py against torch: a file of
# `optbench golden --optimizer adamw` passes torch.optim.AdamW and a
# hand-written copy, and fails the copy with the bias correction removed at
# step 1 (exit 1, step and index named); a problem's file with parameter
# groups passes AdamW; every optimizer's file with matrix, embedding and
# vector tensors and group overrides passes its torch class (torch.optim, or
# the torch-written references beside this script); bad classes and keys
# exit 2 with one line.
# Environment: OPTBENCH (the binary), PYTHON (default /usr/bin/python3, with torch).
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
PYTHON=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH="$here/../../python:$here"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
bridge() { "$PYTHON" -m optbench_golden "$@"; }

# the issue's check, on the plain file (one vector of 64, adamw's defaults)
"$OPTBENCH" golden --optimizer adamw >"$tmp/plain.txt"
bridge "$tmp/plain.txt" torch.optim:AdamW >"$tmp/out" || fail "torch.optim.AdamW, plain file: $(cat "$tmp/out")"
set +e
bridge "$tmp/plain.txt" adamw_copies:AdamWNoBiasCorrection >"$tmp/out"
code=$?
set -e
[ "$code" = 1 ] && grep -q "first at step 1, index 0: .*(p\[0\]" "$tmp/out" ||
    fail "plain file without bias correction: exit $code: $(cat "$tmp/out")"
"$OPTBENCH" golden --optimizer adamw --tensors 'w:matrix:8x6,b:vector:6' --steps 20 >"$tmp/adamw.txt"
bridge "$tmp/adamw.txt" torch.optim:AdamW >"$tmp/out" || fail "torch.optim.AdamW: $(cat "$tmp/out")"
grep -q "^OK .*AdamW (file: adamw) worst" "$tmp/out" || fail "no OK line: $(cat "$tmp/out")"
bridge "$tmp/adamw.txt" adamw_copies:AdamWCopy >"$tmp/out" || fail "the hand-written copy: $(cat "$tmp/out")"
set +e
bridge "$tmp/adamw.txt" adamw_copies:AdamWNoBiasCorrection >"$tmp/out"
code=$?
set -e
[ "$code" = 1 ] || fail "without bias correction: exit $code: $(cat "$tmp/out")"
grep -q "^MISMATCH .*AdamWNoBiasCorrection (file: adamw): first at step 1, index 0: got .*(w\[0,0\], error" "$tmp/out" ||
    fail "mismatch line: $(cat "$tmp/out")"
echo "adamw: AdamW and its copy pass, the copy without bias correction fails at step 1"

"$OPTBENCH" golden --optimizer adamw,weight_decay=0.1,vectors.weight_decay=0,matrices.lr_scale=2 \
    --problem mlp,dataset=iris,hidden=[16] --steps 20 >"$tmp/mlp.txt"
bridge "$tmp/mlp.txt" torch.optim:AdamW >"$tmp/out" || fail "mlp with groups: $(cat "$tmp/out")"
echo "mlp on iris with parameter groups: AdamW passes"

while read -r spec cls; do
    name=${spec%%,*}
    "$OPTBENCH" golden --optimizer "$spec" --tensors 'w:matrix:8x6,e:embedding:5x3,b:vector:6' --steps 20 \
        --seed 1 >"$tmp/each_$name.txt"
    bridge "$tmp/each_$name.txt" "$cls" >"$tmp/out" || fail "$spec against $cls: $(cat "$tmp/out")"
    echo "$cls: $(head -n 1 "$tmp/out" | sed "s/.* worst/worst/")   [$spec]"
done <<'LIST'
sgd,lr=0.05,momentum=0.9,nesterov=1,weight_decay=0.01,vectors.weight_decay=0 torch.optim:SGD
adagrad,lr=0.1,lr_decay=0.01,initial_accumulator_value=0.1 torch.optim:Adagrad
rmsprop,lr=0.01,momentum=0.9,centered=1,embeddings.lr_scale=0.5 torch.optim:RMSprop
adam,lr=0.01,weight_decay=0.1,amsgrad=1 torch.optim:Adam
adamw,lr=0.01,amsgrad=1,vectors.weight_decay=0,embeddings.lr_scale=0.5 torch.optim:AdamW
nadam,lr=0.01,matrices.beta2=0.99 torch.optim:NAdam
radam,lr=0.01 torch.optim:RAdam
adamax,lr=0.02,weight_decay=0.1 torch.optim:Adamax
lion,lr=1e-3,weight_decay=0.1,vectors.weight_decay=0 rosenbrock_trajectories:Lion
adafactor,lr=0.01 reference_optimizers:Adafactor
muon,lr=0.02 reference_optimizers:Muon
sfadamw,lr=0.01,warmup_steps=5 reference_optimizers:SFAdamW
LIST

# bad input: exit 2, one line
check_bad() {
    want=$1
    shift
    set +e
    bridge "$@" >"$tmp/out" 2>"$tmp/err"
    code=$?
    set -e
    [ "$code" = 2 ] || fail "$*: exit $code"
    grep -q -- "$want" "$tmp/out" "$tmp/err" || fail "$*: $(cat "$tmp/out" "$tmp/err")"
}
check_bad "cannot import no_such_module" "$tmp/adamw.txt" no_such_module:X
check_bad "not a torch.optim.Optimizer class" "$tmp/adamw.txt" math:pi
check_bad "expected MODULE:CLASS" "$tmp/adamw.txt" AdamW
check_bad "Adagrad's constructor takes no beta1, beta2" "$tmp/adamw.txt" torch.optim:Adagrad
sed 's/^n 54$/n 55/' "$tmp/adamw.txt" >"$tmp/bad.txt"
check_bad "bad.txt:.*p0 needs 55 numbers" "$tmp/bad.txt" torch.optim:AdamW
# --ignore leaves a key out (lion's wd_mode for a class without it)
"$OPTBENCH" golden --optimizer lion,lr=1e-3 --n 16 >"$tmp/lion.txt"
check_bad "takes no wd_mode" "$tmp/lion.txt" adamw_copies:AdamWCopy
set +e
bridge "$tmp/lion.txt" adamw_copies:AdamWCopy --ignore wd_mode --arg weight_decay=0.0 >"$tmp/out"
code=$?
set -e
[ "$code" = 1 ] || fail "AdamW on a lion file: exit $code: $(cat "$tmp/out")"
echo "bad classes, keys and files: exit 2"
echo ok
