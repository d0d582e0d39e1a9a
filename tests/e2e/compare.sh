#!/bin/sh
# compare.sh — `optbench compare` on real databases: identical copies pass;
# a copy with worsened losses and a run turned diverged (edited with
# sqlite3) fails and names exactly those runs; --sweep restricts; runs of
# the base missing from the new database fail unless --allow-missing, and
# nothing matched always fails; times are gated only with --time-tol.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for lr in 0.001 0.002 0.004; do
    for seed in 0 1; do
        "$OPTBENCH" run --problem rosenbrock,dim=4,noise=0.1 --optimizer adamw,lr=$lr --steps 30 \
            --seed $seed --db "$dir/base.db" --sweep main --quiet
    done
done
"$OPTBENCH" run --problem rosenbrock --optimizer lion,lr=0.001 --steps 30 --db "$dir/base.db" --sweep other --quiet
cp "$dir/base.db" "$dir/new.db"
"$OPTBENCH" compare "$dir/base.db" "$dir/new.db" >"$dir/out"
grep -q '^compare: 7 matched, 0 regressed, 0 only in base, 0 only in new$' "$dir/out"

key() { sqlite3 "$dir/base.db" "SELECT r.key FROM runs r JOIN sweeps s ON s.id = r.sweep_id WHERE s.name = '$1' ORDER BY r.id LIMIT 1 OFFSET $2"; }
k1=$(key main 1); k2=$(key main 4); k3=$(key main 2); k4=$(key other 0)
sqlite3 "$dir/new.db" "UPDATE runs SET final_loss = final_loss * 1.5 + 1 WHERE key = '$k1';
    UPDATE runs SET best_loss = best_loss * 1.01 + 1e-3 WHERE key = '$k2';
    UPDATE runs SET status = 'diverged' WHERE key = '$k3';
    UPDATE runs SET final_loss = final_loss + 10 WHERE key = '$k4';
    UPDATE runs SET step_time_median = step_time_median * 5, opt_time_median = opt_time_median * 5"
code=0; "$OPTBENCH" compare "$dir/base.db" "$dir/new.db" >"$dir/out" || code=$?
test "$code" -eq 1
grep '^REGRESSED' "$dir/out" | awk '{print $2}' | sort >"$dir/got"
printf 'main/%s\nmain/%s\nmain/%s\nother/%s\n' "$k1" "$k2" "$k3" "$k4" | sort >"$dir/want"
diff "$dir/got" "$dir/want"
grep -q 'regressed: status done -> diverged' "$dir/out"

# the same through JSON, restricted to one sweep
code=0; "$OPTBENCH" compare "$dir/base.db" "$dir/new.db" --sweep main --format json >"$dir/json" || code=$?
test "$code" -eq 1
test "$(jq -r '.runs[] | select(.regressed) | .key' "$dir/json" | sort | tr '\n' ' ')" = \
     "$(printf '%s\n%s\n%s\n' "$k1" "$k2" "$k3" | sort | tr '\n' ' ')"
test "$(jq '.matched' "$dir/json")" -eq 6

# the other sweep alone, with a loose tolerance, passes
"$OPTBENCH" compare "$dir/base.db" "$dir/new.db" --sweep other --loss-tol 100 >/dev/null

# times: not gated by default, gated with --time-tol
cp "$dir/base.db" "$dir/slow.db"
sqlite3 "$dir/slow.db" "UPDATE runs SET step_time_median = step_time_median * 5"
"$OPTBENCH" compare "$dir/base.db" "$dir/slow.db" >/dev/null
code=0; "$OPTBENCH" compare "$dir/base.db" "$dir/slow.db" --time-tol 0.5 >/dev/null || code=$?
test "$code" -eq 1

# a run of the base missing from the new database is a regression (unless
# --allow-missing); a run only in the new one is listed and does not fail
sqlite3 "$dir/slow.db" "DELETE FROM runs WHERE key = '$k1'"
code=0; "$OPTBENCH" compare "$dir/base.db" "$dir/slow.db" >"$dir/out" 2>"$dir/err" || code=$?
test "$code" -eq 1
grep -q "^only_in_base main/$k1 " "$dir/out"
grep -q "1 run of .* missing from" "$dir/err"
"$OPTBENCH" compare "$dir/base.db" "$dir/slow.db" --allow-missing >/dev/null
"$OPTBENCH" compare "$dir/slow.db" "$dir/base.db" | grep -q "^only_in_new main/$k1 "

# a database against one holding half its runs (a half-finished CI run)
cp "$dir/base.db" "$dir/half.db"
sqlite3 "$dir/half.db" "DELETE FROM metrics WHERE run_id % 2 = 0; DELETE FROM runs WHERE id % 2 = 0"
code=0; "$OPTBENCH" compare "$dir/base.db" "$dir/half.db" >"$dir/out" 2>/dev/null || code=$?
test "$code" -eq 1
grep -q '^compare: 4 matched, 0 regressed, 3 only in base, 0 only in new$' "$dir/out"
code=0; "$OPTBENCH" compare "$dir/base.db" "$dir/half.db" --format json >"$dir/json" 2>/dev/null || code=$?
test "$code" -eq 1
test "$(jq '.missing' "$dir/json")" -eq 3

# nothing matched (a renamed sweep): always a failure, --allow-missing or not
sqlite3 "$dir/half.db" "UPDATE sweeps SET name = name || '-renamed'"
code=0; "$OPTBENCH" compare "$dir/base.db" "$dir/half.db" --allow-missing >/dev/null 2>"$dir/err" || code=$?
test "$code" -eq 1
grep -q 'nothing was compared' "$dir/err"
code=0; "$OPTBENCH" compare "$dir/base.db" "$dir/half.db" --sweep main --allow-missing >/dev/null 2>&1 || code=$?
test "$code" -eq 1

# input errors
code=0; "$OPTBENCH" compare "$dir/base.db" "$dir/missing.db" 2>/dev/null || code=$?
test "$code" -eq 2
test ! -e "$dir/missing.db"
code=0; "$OPTBENCH" compare "$dir/base.db" 2>/dev/null || code=$?
test "$code" -eq 2
code=0; "$OPTBENCH" compare "$dir/base.db" "$dir/new.db" --sweep nosuch 2>/dev/null || code=$?
test "$code" -eq 2
"$OPTBENCH" compare --help | grep -q -- '--time-tol'
