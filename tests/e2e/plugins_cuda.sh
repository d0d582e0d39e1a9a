#!/bin/sh
# plugins_cuda.sh — a plugin's CUDA step on a GPU: the test plugin
# tests/plugins/cuda_lion.cu (built by a CUDA build's make test) passes the
# built-in lion's golden vectors through its kernel, and a run on the
# device follows the same run on the CPU. Skips (exit 77) without a CUDA
# build or a GPU.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
plugin=${OPTBENCH_TEST_PLUGINS:-build/tests/plugins}/cuda_lion.so
"$OPTBENCH" --version | grep -q "with CUDA" || { echo "skipped: optbench is built without CUDA"; exit 77; }
[ -f "$plugin" ] || fail "$plugin is missing (make test builds it in a CUDA build)"
set -- tests/golden/lion_1.txt tests/golden/lion_2.txt tests/golden/lion_groups_1.txt
if ! "$OPTBENCH" verify --device cuda --plugin "$plugin" --optimizer cuda_lion "$@" >"$tmp/verify" 2>"$tmp/err"; then
    if grep -q "no CUDA device found" "$tmp/err"; then
        echo "skipped: no CUDA device ($(cat "$tmp/err"))"
        exit 77
    fi
    fail "verify --device cuda: $(cat "$tmp/verify" "$tmp/err")"
fi
grep -q "3 files, 3 ok" "$tmp/verify" || fail "verify --device cuda: $(cat "$tmp/verify")"
for device in cpu cuda; do
    "$OPTBENCH" run --plugin "$plugin" --device $device --problem logreg --optimizer cuda_lion,lr=1e-3 --steps 50 \
        --sweep "on-$device" --db "$tmp/r.db" --quiet 2>"$tmp/err" || fail "run on $device: $(cat "$tmp/err")"
done
agree=$(sqlite3 "$tmp/r.db" "select abs(a.final_loss - b.final_loss) <= 1e-3 * abs(a.final_loss) from runs a, runs b
    where a.device = 'cpu' and b.device = 'cuda' and a.status = 'done' and b.status = 'done'")
[ "$agree" = 1 ] || fail "the CPU and CUDA runs of cuda_lion disagree: $(sqlite3 "$tmp/r.db" "select device, final_loss from runs")"
echo ok
