#!/bin/sh
# cuda_gpu.sh — the CUDA backend on a GPU, end to end: golden vectors
# through the fused kernels, gradient checks of every problem's twin, and a
# run and a sweep on the device recorded with the GPU's name, its device
# memory and loss curves (and held-out losses) within 1e-3 relative of the
# same runs on the CPU, for elementwise and tensor-aware optimizers.
# (The transformer's twin is checked by gradcheck here and layer by layer
# and over 100 steps in test_cuda.c.)
# Skips (exit 77, "skipped: no CUDA device") when no GPU can be used.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

if ! "$OPTBENCH" verify --device cuda >"$tmp/verify" 2>"$tmp/err"; then
    if grep -q -e "built without CUDA" -e "no CUDA device found" "$tmp/err"; then
        echo "skipped: no CUDA device ($(cat "$tmp/err"))"
        exit 77
    fi
    cat "$tmp/verify" "$tmp/err"
    fail "verify --device cuda"
fi
small=layers=2,d_model=32,heads=4,context=16
for p in rosenbrock,dim=100 logreg "mlp,hidden=[32,16],activation=gelu" "mlp,dataset=iris,hidden=[16],activation=tanh" \
    "transformer,corpus=tests/data/corpus.txt,$small" "transformer,task=modadd,$small"; do
    "$OPTBENCH" gradcheck --device cuda --problem "$p" >/dev/null || fail "gradcheck --device cuda $p"
done
# the same runs on both devices: loss curves agree within 1e-3 relative
# (the tensor-aware optimizers too: adafactor, muon on the transformer, and
# schedule-free AdamW evaluated at its average)
runs="rosenbrock,dim=10|adamw,lr=0.01 logreg|adam,lr=0.01 mlp,hidden=[64,64]|lion,lr=1e-4,weight_decay=0.1
    mlp,hidden=[64,64]|adafactor transformer,corpus=tests/data/corpus.txt,$small|muon,lr=0.02
    logreg,dataset=digits|sfadamw,lr=0.01"
n_runs=0
set -f # the specs hold brackets
for spec in $runs; do
    n_runs=$((n_runs + 1))
    prob=${spec%%|*}
    opt=${spec#*|}
    for dev in cpu cuda; do
        "$OPTBENCH" run --device "$dev" --problem "$prob" --optimizer "$opt" --steps 100 --sweep "$dev" \
            --db "$tmp/agree.db" --quiet || fail "run $dev $prob"
    done
done
worst=$(sqlite3 "$tmp/agree.db" "SELECT max(abs(g.loss - c.loss) / abs(c.loss)) FROM metrics g
    JOIN runs rg ON rg.id = g.run_id AND rg.device = 'cuda'
    JOIN runs rc ON rc.device = 'cpu' AND rc.problem_options = rg.problem_options AND rc.optimizer = rg.optimizer
    JOIN metrics c ON c.run_id = rc.id AND c.step = g.step")
worst_eval=$(sqlite3 "$tmp/agree.db" "SELECT max(abs(rg.eval_loss - rc.eval_loss) / abs(rc.eval_loss)) FROM runs rg
    JOIN runs rc ON rc.device = 'cpu' AND rc.problem_options = rg.problem_options AND rc.optimizer = rg.optimizer
    WHERE rg.device = 'cuda' AND rc.eval_loss IS NOT NULL")
rows=$(sqlite3 "$tmp/agree.db" "SELECT count(*) FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.device = 'cuda'")
[ "$rows" = $((100 * n_runs)) ] || fail "cuda metrics rows: $rows"
awk -v w="$worst" 'BEGIN { exit !(w <= 1e-3) }' || fail "loss curves differ by $worst relative"
awk -v w="$worst_eval" 'BEGIN { exit !(w <= 1e-3) }' || fail "held-out losses differ by $worst_eval relative"
[ "$(sqlite3 "$tmp/agree.db" "SELECT count(*) FROM runs WHERE device = 'cuda' AND status = 'done'
    AND device_peak_bytes >= param_bytes + grad_bytes + state_bytes AND device_used_bytes > 0")" = "$n_runs" ] ||
    fail "device memory columns"
gpu=$(sqlite3 "$tmp/agree.db" "SELECT device_name FROM sweeps WHERE name = 'cuda'")
cpu=$(sqlite3 "$tmp/agree.db" "SELECT device_name FROM sweeps WHERE name = 'cpu'")
[ -n "$gpu" ] && [ "$gpu" != "$cpu" ] || fail "sweep device name: '$gpu'"
# a sweep on the device, two workers sharing the GPU
printf 'name: g\nsteps: 50\nseeds: [0, 1]\ndevice: cuda\nproblems:\n  - logreg: {dataset: iris}\noptimizers:\n  adamw:\n    lr: [0.001, 0.01]\n' >"$tmp/g.yaml"
"$OPTBENCH" sweep "$tmp/g.yaml" --jobs 2 --db "$tmp/agree.db" --quiet >/dev/null || fail "sweep --device cuda"
[ "$(sqlite3 "$tmp/agree.db" "SELECT count(*) FROM runs r JOIN sweeps s ON s.id = r.sweep_id WHERE s.name = 'g' AND r.status = 'done'")" = 4 ] ||
    fail "sweep runs"
"$OPTBENCH" bench --device cuda --n 1e6 --repeats 3 --json | grep -q '"device":"cuda"' || fail "bench --device cuda"
