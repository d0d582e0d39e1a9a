#!/bin/sh
# resume_safety.sh — a sweep re-run from a changed file is refused with exit 2
# naming the first differing setting and leaves the database byte-identical;
# --force records the new file and the report keeps the two step budgets
# apart; a comment-only change is no change; rm and rename; a re-run on
# another machine keeps the sweep's machine and records its own per run.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { sqlite3 "$1" "$2"; }

cat >"$tmp/s.yaml" <<'YAML'
name: budgets
steps: 60
seeds: [0, 1]
log_every: 10
problems:
  - rosenbrock: {dim: 4}
optimizers:
  adam: {lr: [1e-3, 1e-2]}
YAML
"$OPTBENCH" sweep "$tmp/s.yaml" --db "$tmp/a.db" --jobs 2 --quiet >/dev/null
sum=$(sha256sum <"$tmp/a.db")

# a comment and another spelling of a number are no change
sed 's/1e-2/0.01/' "$tmp/s.yaml" >"$tmp/same.yaml"
echo "# tuned later" >>"$tmp/same.yaml"
out=$("$OPTBENCH" sweep "$tmp/same.yaml" --db "$tmp/a.db" --quiet) || fail "a cosmetic change was refused"
echo "$out" | grep -q "4 of 4 runs already done" || fail "cosmetic rerun said: $out"

# another step budget: exit 2 naming steps, database unchanged
sed 's/steps: 60/steps: 80/' "$tmp/s.yaml" >"$tmp/s80.yaml"
set +e
"$OPTBENCH" sweep "$tmp/s80.yaml" --db "$tmp/a.db" --quiet 2>"$tmp/err"
code=$?
set -e
[ "$code" = 2 ] || fail "a changed file exited $code"
grep -q "first difference at 'steps' (recorded 60, now 80)" "$tmp/err" || fail "message: $(cat "$tmp/err")"
[ "$(sha256sum <"$tmp/a.db")" = "$sum" ] || fail "the refused resume changed the database"

# a changed axis is named by its path
sed 's/1e-2/3e-2/' "$tmp/s.yaml" >"$tmp/lr.yaml"
set +e
"$OPTBENCH" sweep "$tmp/lr.yaml" --db "$tmp/a.db" --quiet 2>"$tmp/err"
set -e
grep -q "first difference at 'optimizers.adam.lr\[1\]' (recorded 1e-2, now 3e-2)" "$tmp/err" || fail "axis message: $(cat "$tmp/err")"

# --force: the new file is recorded, old runs are kept, the report separates the budgets
"$OPTBENCH" sweep "$tmp/s80.yaml" --db "$tmp/a.db" --quiet --force >/dev/null || fail "--force failed"
[ "$(q "$tmp/a.db" "select group_concat(steps || ':' || n) from (select steps, count(*) n from runs group by steps order by steps)")" = "60:4,80:4" ] \
    || fail "runs by steps: $(q "$tmp/a.db" "select steps, count(*) from runs group by steps")"
q "$tmp/a.db" "select spec from sweeps where name = 'budgets'" | grep -q "steps: 80" || fail "the new spec was not recorded"
"$OPTBENCH" sweep "$tmp/s80.yaml" --db "$tmp/a.db" --quiet | grep -q "4 of 4 runs already done" || fail "resume after --force"
if command -v gnuplot >/dev/null; then
    "$OPTBENCH" report --db "$tmp/a.db" --sweep budgets --out "$tmp/rep" >/dev/null
    grep -q "Problem 1: rosenbrock steps=60" "$tmp/rep/report.md" || fail "no 60-step problem in the report"
    grep -q "Problem 2: rosenbrock steps=80" "$tmp/rep/report.md" || fail "no 80-step problem in the report"
fi

# rename and rm
"$OPTBENCH" rename budgets b2 --db "$tmp/a.db" | grep -q "renamed sweep budgets to b2" || fail "rename"
set +e
"$OPTBENCH" rename budgets b3 --db "$tmp/a.db" 2>/dev/null
c1=$?
"$OPTBENCH" sweep "$tmp/s.yaml" --db "$tmp/a.db" --quiet >/dev/null
"$OPTBENCH" rename budgets b2 --db "$tmp/a.db" 2>"$tmp/err"
c2=$?
set -e
[ "$c1" = 2 ] || fail "renaming a missing sweep exited $c1"
[ "$c2" = 2 ] && grep -q "'b2' exists already" "$tmp/err" || fail "renaming onto a taken name: $c2 $(cat "$tmp/err")"
"$OPTBENCH" rm --sweep b2 --db "$tmp/a.db" | grep -q "removed sweep b2: 8 runs" || fail "rm"
[ "$(q "$tmp/a.db" "select count(*) from runs")" = 4 ] || fail "rm left runs or removed others"
[ "$(q "$tmp/a.db" "select count(*) from metrics where run_id not in (select id from runs)")" = 0 ] || fail "rm left metrics"
set +e
"$OPTBENCH" rm --sweep b2 --db "$tmp/a.db" 2>/dev/null
c3=$?
set -e
[ "$c3" = 2 ] || fail "removing a missing sweep exited $c3"

# a re-run on another machine (here with other --jobs, which the machine
# records) keeps the sweep's machine and the finished runs' as they are,
# and records its own in the runs it runs; the report counts each's runs
cat >"$tmp/m.yaml" <<'YAML'
name: machines
steps: 30
seeds: [0, 1, 2]
problems:
  - rosenbrock: {dim: 4}
optimizers:
  adam: {lr: [1e-3, 1e-2]}
YAML
"$OPTBENCH" sweep "$tmp/m.yaml" --db "$tmp/m.db" --jobs 2 --quiet >/dev/null
first=$(q "$tmp/m.db" "select machine from sweeps")
[ "$(q "$tmp/m.db" "select json_extract(s.machine, '\$.jobs') || '/' || count(r.machine) from sweeps s, runs r")" = 2/0 ] \
    || fail "machines after the first invocation: $first; $(q "$tmp/m.db" "select machine from runs")"
q "$tmp/m.db" "update runs set status = 'failed' where seed = 2"
"$OPTBENCH" sweep "$tmp/m.yaml" --db "$tmp/m.db" --jobs 1 --quiet >/dev/null
[ "$(q "$tmp/m.db" "select machine from sweeps")" = "$first" ] || fail "the re-run replaced the sweep's machine"
[ "$(q "$tmp/m.db" "select seed, status, json_extract(machine, '\$.jobs') from runs order by seed, id" | tr '\n' ' ')" = \
  "0|done| 0|done| 1|done| 1|done| 2|done|1 2|done|1 " ] || fail "runs' machines: $(q "$tmp/m.db" "select seed, machine from runs")"
if command -v gnuplot >/dev/null; then
    "$OPTBENCH" report --sweep machines --db "$tmp/m.db" --out "$tmp/m-report" >/dev/null 2>"$tmp/err" || fail "report: $(cat "$tmp/err")"
    grep -q "Machine: .* 2 jobs x [0-9]* threads (4 runs); .* 1 jobs x [0-9]* threads (2 runs)\." "$tmp/m-report/report.md" \
        || fail "machine line: $(grep Machine "$tmp/m-report/report.md")"
fi
echo ok
