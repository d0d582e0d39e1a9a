#!/bin/sh
# corrupt.sh — a database with 4 KB of random bytes in the middle is
# noticed: a resumed sweep, a merge, a report and the read-only commands say
# "database is corrupt" and exit 2 without writing anything, and `optbench
# check` lists the problems (exit 1); a sound database checks ok (exit 0),
# a missing one is a usage error (exit 2), and a wrong schema and metrics
# rows of no run are reported.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$tmp/forty.yaml" <<'YAML'
name: forty
steps: 200
seeds: [0, 1, 2, 3]
log_every: 2
problems:
  - rosenbrock: {dim: 10}
optimizers:
  adamw: {lr: [1e-3, 3e-3, 1e-2, 3e-2, 1e-1]}
  lion: {lr: [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]}
YAML
"$OPTBENCH" sweep "$tmp/forty.yaml" --db "$tmp/good.db" --jobs 2 --quiet >/dev/null
"$OPTBENCH" check "$tmp/good.db" >"$tmp/out" || fail "check of a sound database: $(cat "$tmp/out")"
grep -q "good.db: ok$" "$tmp/out" || fail "check said: $(cat "$tmp/out")"

# 4 KB of random bytes across the page boundary in the middle of the file
cp "$tmp/good.db" "$tmp/bad.db"
page=$(sqlite3 "$tmp/good.db" "pragma page_size")
pages=$(sqlite3 "$tmp/good.db" "pragma page_count")
[ "$pages" -ge 8 ] || fail "the database has only $pages pages"
sqlite3 :memory: "select writefile('$tmp/noise', randomblob(4096))" >/dev/null
dd if="$tmp/noise" of="$tmp/bad.db" bs=1 seek=$((page * (pages / 2) - 2048)) conv=notrunc 2>/dev/null
sum=$(cksum <"$tmp/bad.db")

expect_corrupt() { # what, command...
    what=$1
    shift
    code=0
    "$@" >"$tmp/out" 2>"$tmp/err" || code=$?
    [ "$code" = 2 ] || fail "$what on a corrupt database exited $code: $(cat "$tmp/out" "$tmp/err")"
    grep -q "bad.db: database is corrupt: " "$tmp/err" || fail "$what said: $(cat "$tmp/err")"
    [ "$(cksum <"$tmp/bad.db")" = "$sum" ] || fail "$what changed the corrupt database"
}
expect_corrupt "a resumed sweep" "$OPTBENCH" sweep "$tmp/forty.yaml" --db "$tmp/bad.db" --jobs 2 --quiet
expect_corrupt "run" "$OPTBENCH" run --problem rosenbrock --optimizer adam --steps 5 --db "$tmp/bad.db" --quiet
expect_corrupt "merge" "$OPTBENCH" merge "$tmp/merged.db" "$tmp/good.db" "$tmp/bad.db"
[ ! -e "$tmp/merged.db" ] || fail "merge wrote an output"
expect_corrupt "merge into it" "$OPTBENCH" merge "$tmp/bad.db" "$tmp/good.db"
if command -v gnuplot >/dev/null; then
    expect_corrupt "report" "$OPTBENCH" report --sweep forty --db "$tmp/bad.db" --out "$tmp/report"
    [ ! -e "$tmp/report/report.html" ] || fail "report wrote a report"
fi
expect_corrupt "list" "$OPTBENCH" list runs --db "$tmp/bad.db"
expect_corrupt "export" "$OPTBENCH" export --sweep forty --db "$tmp/bad.db"
expect_corrupt "compare" "$OPTBENCH" compare "$tmp/good.db" "$tmp/bad.db"

code=0
"$OPTBENCH" check "$tmp/bad.db" >"$tmp/out" 2>&1 || code=$?
[ "$code" = 1 ] || fail "check of the corrupt database exited $code: $(cat "$tmp/out")"
grep -q "bad.db: integrity: " "$tmp/out" || fail "check said: $(cat "$tmp/out")"
grep -q "bad.db: [0-9]* problems\?$" "$tmp/out" || fail "check said: $(cat "$tmp/out")"
[ "$(cksum <"$tmp/bad.db")" = "$sum" ] || fail "check changed the database"

# metrics rows of a run that is gone (a sweep writes without the per-row
# foreign-key probe): the foreign key check names them
cp "$tmp/good.db" "$tmp/orphan.db"
sqlite3 "$tmp/orphan.db" "insert into metrics (run_id, step, loss) values (99999, 1, 0.5), (99999, 2, 0.25)"
code=0
"$OPTBENCH" check "$tmp/orphan.db" >"$tmp/out" 2>&1 || code=$?
[ "$code" = 1 ] || fail "check of orphan metrics rows exited $code: $(cat "$tmp/out")"
grep -q "orphan.db: foreign key: 2 rows of metrics refer to no row of runs" "$tmp/out" || fail "check said: $(cat "$tmp/out")"

# the schema check: a dropped column and a foreign table are named
cp "$tmp/good.db" "$tmp/schema.db"
sqlite3 "$tmp/schema.db" "alter table metrics drop column lr; create table notes (x)"
code=0
"$OPTBENCH" check "$tmp/schema.db" >"$tmp/out" 2>&1 || code=$?
[ "$code" = 1 ] || fail "check of a changed schema exited $code"
grep -q "schema: table metrics: column lr missing" "$tmp/out" || fail "check said: $(cat "$tmp/out")"
grep -q "schema: unexpected table notes" "$tmp/out" || fail "check said: $(cat "$tmp/out")"
printf 'not a database at all, just some text that is long enough to fill a header..............\n' >"$tmp/text.db"
code=0; "$OPTBENCH" check "$tmp/text.db" >"$tmp/out" 2>&1 || code=$?
[ "$code" = 1 ] && grep -q "not an SQLite database" "$tmp/out" || fail "check of a text file: $code $(cat "$tmp/out")"

# usage
code=0; "$OPTBENCH" check "$tmp/missing.db" 2>/dev/null || code=$?
[ "$code" = 2 ] || fail "check of a missing file exited $code"
[ ! -e "$tmp/missing.db" ] || fail "check created a file"
code=0; "$OPTBENCH" check 2>/dev/null || code=$?
[ "$code" = 2 ] || fail "check without a database exited $code"
"$OPTBENCH" --help | grep -q "^  check " || fail "check is not in the command list"
echo ok
