#!/bin/sh
# tsan.sh — the threaded paths of a run on 2 threads, for the
# ThreadSanitizer build of `make test-tsan` (any build runs it): every
# optimizer's OpenMP passes on a vector long enough to be split
# (OPT_PARALLEL_MIN), with clipping and the per-step norms on every step,
# and each on an MLP, whose matrix products are split in row blocks and whose
# matrices take muon's and adafactor's matrix paths. The runs on 1 and 2
# threads must record the same losses and norms bit for bit; under
# ThreadSanitizer a race ends the run with exit 66, which fails the script.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "skip: one core"; exit 77; }
dump() { sqlite3 "$1" "select step, hex(loss), hex(grad_norm), hex(clipped_grad_norm), hex(update_norm), hex(param_norm)
    from metrics order by run_id, step"; }
optimizers=$("$OPTBENCH" optimizers | sed -n 's/^\([a-z_]*\) — .*/\1/p')
[ -n "$optimizers" ] || fail "no optimizers listed"
for opt in $optimizers; do
    for problem in rosenbrock,dim=40000,noise=0.1 "mlp,dataset=digits,hidden=[256,128],batch=128"; do
        for t in 1 2; do
            "$OPTBENCH" run --problem "$problem" --optimizer "$opt" --steps 4 --log-every 1 --clip 1 --threads $t \
                --db "$tmp/$opt.$t.db" --quiet || fail "$opt on $problem, $t threads: exit $?"
        done
    done
    [ "$(dump "$tmp/$opt.1.db")" = "$(dump "$tmp/$opt.2.db")" ] || fail "$opt: 1 and 2 threads differ"
done
echo ok
