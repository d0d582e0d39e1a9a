#!/bin/sh
# transformer.sh — transformer runs on the fixture corpus and on modadd into a
# temporary database: held-out loss and accuracy and the activation bytes
# recorded; a corpus that is missing, empty or shorter than context + 1 is
# refused with exit 2 and one line naming the file, before the database is
# created.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
db="$dir/t.db"

"$OPTBENCH" run --problem transformer,corpus=tests/data/corpus.txt,layers=1,d_model=32,heads=2,context=16,batch=8 \
    --optimizer adamw,lr=3e-3 --steps 40 --eval-every 20 --db "$db" --quiet
"$OPTBENCH" run --problem transformer,task=modadd,p=11,layers=1,d_model=32,heads=2 \
    --optimizer adamw,lr=1e-3,weight_decay=1.0 --steps 20 --db "$db" --quiet
row=$(sqlite3 "$db" "SELECT count(*), sum(status = 'done'), sum(activation_bytes > 0), sum(eval_loss > 0),
                     sum(eval_accuracy BETWEEN 0 AND 1) FROM runs WHERE problem = 'transformer'")
[ "$row" = "2|2|2|2|2" ] || { echo "runs: '$row'"; exit 1; }
evals=$(sqlite3 "$db" "SELECT count(*) FROM metrics WHERE eval_loss IS NOT NULL")
[ "$evals" = 3 ] || { echo "expected 3 evaluation rows, got $evals"; exit 1; }

for case in "none.txt|cannot open" "empty.txt|empty corpus" "short_corpus.txt|corpus ends before context + 1"; do
    file=${case%%|*}
    set +e
    msg=$("$OPTBENCH" run --problem "transformer,corpus=tests/data/$file,context=16" --db "$dir/bad.db" 2>&1)
    code=$?
    set -e
    [ "$code" -eq 2 ] || { echo "$file: exit $code, expected 2"; exit 1; }
    [ "$(printf '%s\n' "$msg" | wc -l)" -eq 1 ] || { echo "$file: not one line: $msg"; exit 1; }
    case "$msg" in *"tests/data/$file"*"${case#*|}"*) ;; *) echo "$file: message: $msg"; exit 1 ;; esac
    [ ! -e "$dir/bad.db" ] || { echo "$file: database written"; exit 1; }
done
