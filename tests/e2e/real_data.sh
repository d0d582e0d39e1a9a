#!/bin/sh
# real_data.sh — logreg and mlp runs on shipped data into a temporary
# database: held-out accuracy and evaluation rows recorded, bit-identical
# losses on 1 and 2 threads, and bad data refused with exit 2 before the
# database is created.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
db="$dir/r.db"

"$OPTBENCH" run --problem logreg,dataset=digits,batch=64 --optimizer adam,lr=1e-2 --steps 1000 \
    --eval-every 100 --log-every 50 --db "$db" --quiet
row=$(sqlite3 "$db" "SELECT status, eval_accuracy >= 0.95 FROM runs WHERE problem = 'logreg'")
[ "$row" = "done|1" ] || { echo "logreg run: '$row'"; exit 1; }
evals=$(sqlite3 "$db" "SELECT count(*) FROM metrics WHERE eval_accuracy IS NOT NULL")
[ "$evals" = 10 ] || { echo "expected 10 evaluation rows, got $evals"; exit 1; }

"$OPTBENCH" run --problem logreg,dataset=csv:tests/data/good_named.csv --optimizer lion,lr=1e-4 \
    --steps 5 --db "$db" --quiet

for t in 1 2; do
    OMP_NUM_THREADS=$t "$OPTBENCH" run --problem "mlp,dataset=digits,hidden=[128,128],batch=128" \
        --optimizer adamw,lr=1e-3 --steps 40 --db "$dir/t$t.db" --quiet
    sqlite3 "$dir/t$t.db" "SELECT step, quote(loss) FROM metrics ORDER BY step" > "$dir/t$t.txt"
done
cmp "$dir/t1.txt" "$dir/t2.txt" || { echo "losses differ between 1 and 2 threads"; exit 1; }

for spec in "logreg,dataset=csv:tests/data/ragged.csv" "mlp,dataset=fashion_mnist,path=$dir/none" \
            "logreg,dataset=libsvm:tests/data/index_order.svm"; do
    set +e
    msg=$("$OPTBENCH" run --problem "$spec" --db "$dir/bad.db" 2>&1)
    code=$?
    set -e
    [ "$code" -eq 2 ] || { echo "$spec: exit $code, expected 2"; exit 1; }
    [ "$(printf '%s\n' "$msg" | wc -l)" -eq 1 ] || { echo "$spec: not one line: $msg"; exit 1; }
    [ ! -e "$dir/bad.db" ] || { echo "$spec: database written"; exit 1; }
done
msg=$("$OPTBENCH" run --problem "logreg,dataset=csv:tests/data/ragged.csv" --db "$dir/bad.db" 2>&1 || true)
case "$msg" in *"ragged.csv:4: 2 fields, expected 3"*) ;; *) echo "message: $msg"; exit 1 ;; esac
