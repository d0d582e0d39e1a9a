#!/bin/sh
# device_check.sh — the GPU check in one command, for a machine with an
# NVIDIA GPU and driver, the CUDA toolkit's libraries and python3 with a
# CUDA build of torch, and no package registry. Run it from the root of a
# checkout that holds the bundle `make device-check` built:
#
#     sh tools/device_check.sh [BUNDLE]      (default build/device-check.tar.xz)
#
# 1. unpacks the bundle into a temporary folder; finds cuBLAS (the toolkit's
#    lib64 or torch's wheels) where the bundled programs do not already: it
#    is opened on first use, not linked (`optbench --loaded cublas` tries);
# 2. `optbench verify --device cuda` (the golden vectors through the CUDA
#    steps of every optimizer); without a usable GPU it stops here: "no CUDA
#    device", exit 1;
# 3. every test program, tests/e2e/cuda_gpu.sh, plugins_cuda.sh (the
#    bundled test plugin's CUDA step) and cuda_startup.sh through
#    tests/run.sh; a failed or a skipped GPU test fails the check. test_cuda's log gives
#    each transformer layer's max relative error and, for every problem,
#    the CPU/GPU agreement of 100-step loss curves (within 1e-3);
# 4. bench/cuda_optim.py: every optimizer at 1e7 and 1e8 against the
#    device's copy bandwidth, torch's fused AdamW at the same sizes, the step
#    times of every problem on the GPU and the transformer (the bench
#    configuration and 6 layers, d_model 384, context 256) beside torch's.
#
# Results go to $OUT (default build/device-check-out): summary.md (what
# passed, the layer errors, the agreement and the bench tables, in Markdown
# for BENCHMARKS.md's GPU section), gpu.txt, tests.log, test_cuda.log,
# bench.md, bench.jsonl and bench.log. Exits 0 only when every step passed,
# else 1, naming the step. Sized for 8 minutes on an H100/H200.
set -u
bundle=${1:-build/device-check.tar.xz}
out=${OUT:-build/device-check-out}
mkdir -p "$out"
summary=$out/summary.md
printf '## GPU check\n\nFrom `sh tools/device_check.sh` (bundle of `make device-check`), %s.\n\n' \
    "$(date -u +%Y-%m-%d)" >"$summary"
say() { echo "$*"; echo "- $*" >>"$summary"; }
die() { say "device-check: FAILED: $*"; exit 1; }

[ -f "$bundle" ] || die "no bundle $bundle (build it with make device-check)"
[ -f tests/run.sh ] && [ -f bench/cuda_optim.py ] || die "run from the repository root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -C "$tmp" -xJf "$bundle" || die "cannot unpack $bundle"
b=$tmp/optbench-device
export PATH="$b/bin:$PATH"

# The libraries the programs need and the bundle lacks: those ldd does not
# find, and cuBLAS, which optbench opens on first use (not linked, so ldd
# does not list it) where its run path points (/usr/local/cuda/lib64), else
# through LD_LIBRARY_PATH, which the wrappers extend by OPTBENCH_CUDA_LIBS.
missing=$(LD_LIBRARY_PATH="$b/lib" ldd "$b"/libexec/* "$b"/plugins/* | awk '/not found/ { print $1 }' | sort -u)
if ! "$b/bin/optbench" --loaded cublas >/dev/null 2>"$tmp/cublas"; then
    cublas=$(sed -n 's/.*cannot load cuBLAS (\(libcublas[^)]*\)).*/\1/p' "$tmp/cublas")
    [ -n "$cublas" ] || die "$(cat "$tmp/cublas")"
    missing="$missing $cublas"
fi
if [ -n "$missing" ]; then
    dirs=""
    for lib in $missing; do
        found=$(find /usr/local /usr/lib /opt -name "$lib" 2>/dev/null | head -n 1)
        [ -n "$found" ] || die "library $lib not found on this machine"
        dirs="$dirs${dirs:+:}$(dirname "$found")"
    done
    export OPTBENCH_CUDA_LIBS="$dirs"
fi
missing=$(LD_LIBRARY_PATH="$b/lib${OPTBENCH_CUDA_LIBS:+:$OPTBENCH_CUDA_LIBS}" ldd "$b"/libexec/* "$b"/plugins/* |
    awk '/not found/ { print $1 }' | sort -u)
[ -z "$missing" ] || die "libraries not found: $missing"
"$b/bin/optbench" --loaded cublas >/dev/null 2>"$tmp/cublas" || die "$(cat "$tmp/cublas")"

{ nvidia-smi 2>&1 || echo "nvidia-smi: not available"; } >"$out/gpu.txt"
if ! "$b/bin/optbench" verify --device cuda >"$tmp/verify" 2>&1; then
    if grep -q -e "no CUDA device" "$tmp/verify"; then
        die "no CUDA device: $(tail -n 1 "$tmp/verify")"
    fi
    cat "$tmp/verify" >>"$summary"
    die "optbench verify --device cuda"
fi
gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -n 1)
say "${gpu:-GPU}: $(grep -c '^OK' "$tmp/verify") golden files OK through the CUDA steps ($(grep -c '^SKIP' "$tmp/verify") skipped)"

# tests: every test program, and the end-to-end GPU script
mkdir "$tmp/logs"
OPTBENCH="$b/bin/optbench" TEST_BINS="$(ls "$b"/tests/* | tr '\n' ' ')" OPTBENCH_TEST_PLUGINS="$b/plugins" \
    E2E_SCRIPTS="tests/e2e/cuda_gpu.sh tests/e2e/plugins_cuda.sh tests/e2e/cuda_startup.sh" \
    TEST_LOG_DIR="$tmp/logs" timeout 330 sh tests/run.sh >"$out/tests.log" 2>&1
tests_rc=$?
cp "$tmp/logs/test_cuda.log" "$out/test_cuda.log" 2>/dev/null || echo "no test_cuda log" >"$out/test_cuda.log"
say "$(tail -n 1 "$out/tests.log")"
gpu_skips=$(grep -c -e 'test_cuda: \[SKIP\]' -e 'SKIP tests/e2e/' "$out/tests.log")
say "GPU tests skipped: $gpu_skips"
{
    printf '\nTransformer layers, device against CPU (test_cuda):\n\n'
    grep 'max relative error' "$out/test_cuda.log" | sed 's/^\[----\] */- /'
    printf '\nCPU/GPU agreement of 100-step runs (test_cuda, tolerance 1e-3 relative):\n\n'
    grep 'agreement:' "$out/test_cuda.log" | sed 's/^\[----\] *agreement: */- /'
    echo
} >>"$summary"
# bench: optimizer steps, torch, per-problem step times
PYTHONUNBUFFERED=1 timeout 240 python3 bench/cuda_optim.py --optbench "$b/bin/optbench" --n 1e7,1e8 \
    --optimizers all --save-bench "$out/bench.jsonl" >"$out/bench.md" 2>"$out/bench.log"
bench_rc=$?
cat "$out/bench.md" >>"$summary"
cat "$out/bench.md"

[ "$tests_rc" = 0 ] || die "tests (tests.log)"
[ "$gpu_skips" = 0 ] || die "$gpu_skips GPU tests skipped (tests.log)"
[ "$bench_rc" = 0 ] || die "bench/cuda_optim.py exited $bench_rc (bench.log)"
say "device-check: passed"
