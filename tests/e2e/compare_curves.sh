#!/bin/sh
# compare_curves.sh — `optbench compare --curves`: two databases whose
# metrics differ only from step 37 of one run (the copy's losses of that run
# scaled by 1 + 1e-4 from step 37 on, with sqlite3) are told apart at that
# run and step and nowhere else; a change in one norm alone is named with its
# column; a change within the tolerance passes; a step logged in one
# database only is a difference; identical databases pass, in JSON too.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
for lr in 0.001 0.003; do
    for seed in 0 1; do
        "$OPTBENCH" run --problem rosenbrock,dim=4,noise=0.1 --optimizer adamw,lr=$lr --steps 60 --log-every 1 \
            --clip 1 --seed $seed --db "$dir/base.db" --sweep main --quiet
    done
done
q() { sqlite3 "$@"; }
[ "$(q "$dir/base.db" "select count(*) from metrics where grad_norm > 0 and clipped_grad_norm <= 1.000001
    and update_norm > 0 and param_norm > 0")" = 240 ] || fail "rows without their norms"
key() { q "$dir/base.db" "SELECT key FROM runs ORDER BY id LIMIT 1 OFFSET $1"; }
id() { q "$dir/base.db" "SELECT id FROM runs ORDER BY id LIMIT 1 OFFSET $1"; }
k2=$(key 2)

cp "$dir/base.db" "$dir/same.db"
"$OPTBENCH" compare "$dir/base.db" "$dir/same.db" --curves --loss-tol 1e-6 >"$dir/out" || fail "identical databases differ"
grep -q '^compare: 4 matched, 0 differ, 0 only in base, 0 only in new$' "$dir/out" || fail "$(cat "$dir/out")"

# from step 37 of the third run on, its losses move by 1e-4 relative
cp "$dir/base.db" "$dir/new.db"
q "$dir/new.db" "UPDATE metrics SET loss = loss * (1 + 1e-4) WHERE run_id = $(id 2) AND step >= 37"
code=0; "$OPTBENCH" compare "$dir/base.db" "$dir/new.db" --curves --loss-tol 1e-6 >"$dir/out" || code=$?
[ "$code" = 1 ] || fail "exit $code, not 1"
[ "$(grep -c '^DIFFERS' "$dir/out")" = 1 ] || fail "$(cat "$dir/out")"
grep -A1 "^DIFFERS   main/$k2 " "$dir/out" | grep -q '^          first at step 37: loss ' || fail "$(cat "$dir/out")"
grep -q '^compare: 4 matched, 1 differ,' "$dir/out" || fail "$(cat "$dir/out")"
code=0; "$OPTBENCH" compare "$dir/base.db" "$dir/new.db" --curves --loss-tol 1e-6 --format json >"$dir/json" || code=$?
[ "$code" = 1 ] || fail "json: exit $code"
[ "$(jq -r '.runs[] | select(.differs) | "\(.key) \(.first_step) \(.value)"' "$dir/json")" = "$k2 37 loss" ] ||
    fail "json: $(cat "$dir/json")"
# a looser tolerance accepts it
"$OPTBENCH" compare "$dir/base.db" "$dir/new.db" --curves --loss-tol 1e-3 >/dev/null || fail "1e-4 is within 1e-3"

# one norm alone, at step 12 of the first run
cp "$dir/base.db" "$dir/norm.db"
q "$dir/norm.db" "UPDATE metrics SET update_norm = update_norm * 1.01 WHERE run_id = $(id 0) AND step = 12"
code=0; "$OPTBENCH" compare "$dir/base.db" "$dir/norm.db" --curves --loss-tol 1e-6 >"$dir/out" || code=$?
[ "$code" = 1 ] || fail "norm: exit $code"
grep -A1 "^DIFFERS   main/$(key 0) " "$dir/out" | grep -q 'first at step 12: update_norm ' || fail "$(cat "$dir/out")"

# a step logged in one database only
cp "$dir/base.db" "$dir/gap.db"
q "$dir/gap.db" "DELETE FROM metrics WHERE run_id = $(id 1) AND step = 50"
code=0; "$OPTBENCH" compare "$dir/base.db" "$dir/gap.db" --curves >"$dir/out" || code=$?
[ "$code" = 1 ] || fail "gap: exit $code"
grep -q 'first at step 50: logged in one database only' "$dir/out" || fail "$(cat "$dir/out")"
echo ok
