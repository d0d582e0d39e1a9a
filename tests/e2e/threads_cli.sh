#!/bin/sh
# threads_cli.sh — `run --threads` and a sweep's threads_per_job: the same
# losses and per-step norms bit for bit on 1 and 2 threads, and thread counts that do not fit
# the cores refused with exit 2 before anything is written.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { sqlite3 "$1" "$2"; }
cores=$(nproc)
expect_usage() { # expect_usage PATTERN COMMAND...: exit 2, PATTERN on stderr, no database
    pattern=$1
    shift
    set +e
    "$@" 2>"$tmp/err" >/dev/null
    code=$?
    set -e
    [ "$code" = 2 ] || fail "$* exited $code, not 2"
    grep -q -- "$pattern" "$tmp/err" || fail "$*: stderr lacks '$pattern': $(cat "$tmp/err")"
}

corpus=tests/data/corpus.txt
problem="transformer,corpus=$corpus,layers=1,d_model=128,heads=4,context=64,batch=16"
expect_usage "--threads: '-1' is not an integer in \[0, 1024\]" "$OPTBENCH" run --threads -1 --db "$tmp/x.db"
expect_usage "--threads: $((cores + 1)) is more than the $cores cores" "$OPTBENCH" run --threads $((cores + 1)) --db "$tmp/x.db"
[ ! -e "$tmp/x.db" ] || fail "a refused run wrote a database"

if [ "$cores" -ge 2 ]; then
    for t in 1 2; do
        "$OPTBENCH" run --problem "$problem" --optimizer adamw,lr=1e-3 --steps 3 --threads $t --db "$tmp/t$t.db" --quiet
    done
    dump() { q "$1" "select m.step, hex(m.loss), hex(m.grad_norm), hex(m.clipped_grad_norm), hex(m.update_norm),
                     hex(m.param_norm) from metrics m order by m.step; select hex(eval_loss) from runs"; }
    [ "$(dump "$tmp/t1.db")" = "$(dump "$tmp/t2.db")" ] || fail "losses or norms differ between --threads 1 and 2"
    [ "$(q "$tmp/t2.db" "select count(*) from metrics where update_norm > 0 and param_norm > 0")" = 3 ] ||
        fail "rows without their norms"
fi

cat >"$tmp/tpj.yaml" <<YAML
name: tpj
steps: 3
threads_per_job: $cores
problems:
  - transformer: {corpus: $corpus, layers: 1, d_model: 128, heads: 4, context: 64, batch: 16}
optimizers:
  adamw: {lr: 1e-3}
YAML
"$OPTBENCH" sweep "$tmp/tpj.yaml" --db "$tmp/s.db" --quiet >/dev/null
[ "$(q "$tmp/s.db" "select count(*) from runs where status = 'done'")" = 1 ] || fail "threads_per_job run not done"
if [ "$cores" -ge 2 ]; then
    expect_usage "--jobs 2 x threads_per_job $cores (.*tpj.yaml) = $((2 * cores)) threads, more than the $cores cores" \
        "$OPTBENCH" sweep "$tmp/tpj.yaml" --db "$tmp/s2.db" --jobs 2 --quiet
    [ ! -e "$tmp/s2.db" ] || fail "a refused sweep wrote a database"
fi
sed "s/threads_per_job: $cores/threads_per_job: $((cores + 1))/" "$tmp/tpj.yaml" >"$tmp/big.yaml"
expect_usage "threads_per_job: $((cores + 1)) is more than the $cores cores" \
    "$OPTBENCH" sweep "$tmp/big.yaml" --db "$tmp/s3.db" --quiet
sed "s/threads_per_job: $cores/threads_per_job: -1/" "$tmp/tpj.yaml" >"$tmp/negative.yaml"
expect_usage "negative.yaml:3:.*threads_per_job" "$OPTBENCH" sweep "$tmp/negative.yaml" --db "$tmp/s4.db" --quiet
echo ok
