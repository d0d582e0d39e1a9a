#!/bin/sh
# run_cli.sh — `optbench run` end to end: a Lion run on Rosenbrock into a
# fresh database, checked with sqlite3; bad input exits 2 and adds nothing;
# foreign files are refused and left byte-identical.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/r/optbench.db"
fail() { echo "FAIL: $*"; exit 1; }

"$OPTBENCH" run --problem rosenbrock,dim=10 --optimizer lion,lr=3e-4,weight_decay=0.5 \
    --steps 500 --log-every 1 --db "$db" --quiet
[ "$(sqlite3 "$db" 'select count(*) from metrics where run_id = 1')" = 500 ] || fail "500 metrics rows"
[ "$(sqlite3 "$db" 'select min(step) || "-" || max(step) from metrics')" = "1-500" ] || fail "steps 1..500"
# step 1 holds the loss at the start: 4.5 terms of 24.2 for dim 10 (x alternates -1.2, 1)
first=$(sqlite3 "$db" 'select printf("%.4f", loss) from metrics where step = 1')
[ "$first" = "2057.0001" ] || fail "first loss $first"
row=$(sqlite3 "$db" "select status, optimizer, steps_done, state_bytes, n_params, json_extract(hyperparameters, '\$.weight_decay') from runs")
[ "$row" = "done|lion|500|40|10|0.5" ] || fail "run row: $row"
[ "$(sqlite3 "$db" 'select count(*) from runs where step_time_median > 0 and peak_rss > 0 and final_loss < first_loss')" = 1 ] || fail "summary columns"
[ "$(sqlite3 "$db" 'pragma journal_mode')" = wal ] || fail "WAL mode"

# the same run again is recognised and not repeated
"$OPTBENCH" run --problem rosenbrock,dim=10 --optimizer lion,weight_decay=0.5,lr=0.0003 \
    --steps 500 --db "$db" | grep -q "already recorded" || fail "rerun not recognised"

# bad names, keys and values: exit 2, one line, nothing added
before=$(sqlite3 "$db" 'select count(*) from runs')
for spec in "adamx" "adam,lr=-1" "adam,bogus=1" "adam,beta1=1" "sgd,nesterov=1" "adam,lr=abc"; do
    set +e
    "$OPTBENCH" run --optimizer "$spec" --db "$db" >"$tmp/out" 2>"$tmp/err"
    code=$?
    set -e
    [ "$code" = 2 ] || fail "--optimizer $spec exited $code"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "--optimizer $spec: not one line: $(cat "$tmp/err")"
done
set +e
"$OPTBENCH" run --problem rosenbrock,dim=1 --db "$db" 2>/dev/null; [ $? = 2 ] || fail "dim=1"
"$OPTBENCH" run --steps 0 --db "$db" 2>/dev/null; [ $? = 2 ] || fail "steps 0"
"$OPTBENCH" run --frobnicate --db "$db" 2>/dev/null; [ $? = 2 ] || fail "unknown flag"
"$OPTBENCH" frobnicate 2>/dev/null; [ $? = 2 ] || fail "unknown command"
set -e
[ "$(sqlite3 "$db" 'select count(*) from runs')" = "$before" ] || fail "a bad run was recorded"

# a file that is not an optbench database is refused and left as it was
printf 'not a database\n' >"$tmp/notes.db"
sqlite3 "$tmp/other.db" 'create table t(x); insert into t values (1);'
for f in "$tmp/notes.db" "$tmp/other.db"; do
    sum=$(cksum <"$f")
    set +e
    "$OPTBENCH" run --db "$f" 2>"$tmp/err"
    code=$?
    set -e
    [ "$code" = 2 ] || fail "$f accepted (exit $code)"
    grep -q "refusing to touch it" "$tmp/err" || fail "message: $(cat "$tmp/err")"
    [ "$(cksum <"$f")" = "$sum" ] || fail "$f was modified"
done

# a diverging run is recorded as diverged at its step
"$OPTBENCH" run --optimizer sgd,lr=0.1 --steps 100 --db "$db" --quiet
[ "$(sqlite3 "$db" "select status from runs where optimizer = 'sgd'")" = diverged ] || fail "divergence"

# verify, gradcheck and the listings
"$OPTBENCH" verify >/dev/null || fail "verify"
mkdir "$tmp/golden"
sed '/^p3 /s/^p3 [^ ]*/p3 9.5/' tests/golden/adam_1.txt >"$tmp/golden/adam_1.txt"
set +e
"$OPTBENCH" verify --dir "$tmp/golden" >"$tmp/out"
code=$?
set -e
[ "$code" = 1 ] || fail "verify of a corrupted file exited $code"
grep -q "MISMATCH.*adam_1.txt.*step 3, index 0: got .* expected 9.5" "$tmp/out" || fail "mismatch line: $(cat "$tmp/out")"
"$OPTBENCH" gradcheck --problem rosenbrock,dim=12 >/dev/null || fail "gradcheck"
"$OPTBENCH" optimizers | grep -q "^lion " || fail "optimizers listing"
"$OPTBENCH" problems | grep -q "^rosenbrock " || fail "problems listing"
echo ok
