#!/bin/sh
# readonly.sh — a database in a read-only file (chmod 444) or folder (chmod
# 555) is opened read-only by list, export, report and compare, which work;
# a sweep or run into it says "read-only" and exits 2, writing nothing; a
# WAL with changes that cannot be read there is refused with the way out.
# Root ignores file modes, so as root the commands run as the user nobody
# (setpriv); without a way to drop privileges the test is skipped.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

as_user() { "$@"; }
if [ "$(id -u)" = 0 ]; then
    command -v setpriv >/dev/null || { echo "skipped: running as root and setpriv (util-linux) is missing"; exit 77; }
    as_user() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
    chmod 755 "$tmp"
    as_user "$OPTBENCH" --version >/dev/null 2>&1 \
        || { echo "skipped: the user nobody cannot run $OPTBENCH"; exit 77; }
fi

cat >"$tmp/small.yaml" <<'YAML'
name: small
steps: 50
seeds: [0, 1]
problems:
  - rosenbrock: {dim: 4}
optimizers:
  adamw: {lr: [1e-3, 1e-2]}
YAML

for mode in file folder; do
    d="$tmp/$mode"
    mkdir "$d"
    "$OPTBENCH" sweep "$tmp/small.yaml" --db "$d/r.db" --quiet >/dev/null
    cp "$d/r.db" "$tmp/base.db"
    [ "$(id -u)" = 0 ] && chown -R nobody "$d"
    # read-only connections leave an empty -wal behind: it holds nothing
    if [ "$mode" = file ]; then chmod 444 "$d/r.db"; else : >"$d/r.db-wal"; chmod 555 "$d"; fi
    sum=$(cksum <"$d/r.db")
    out="$tmp/out-$mode"
    mkdir "$out"
    [ "$(id -u)" = 0 ] && chown nobody "$out"
    as_user "$OPTBENCH" list runs --db "$d/r.db" >"$out/list" 2>"$out/err" || fail "$mode: list: $(cat "$out/err")"
    [ "$(grep -c ' done ' "$out/list")" = 4 ] || fail "$mode: list: $(cat "$out/list")"
    as_user "$OPTBENCH" list sweeps --db "$d/r.db" --format json >/dev/null 2>"$out/err" || fail "$mode: list sweeps: $(cat "$out/err")"
    as_user "$OPTBENCH" export --sweep small --db "$d/r.db" >"$out/csv" 2>"$out/err" || fail "$mode: export: $(cat "$out/err")"
    [ "$(wc -l <"$out/csv")" = 5 ] || fail "$mode: export wrote $(wc -l <"$out/csv") lines"
    as_user "$OPTBENCH" compare "$tmp/base.db" "$d/r.db" >/dev/null 2>"$out/err" || fail "$mode: compare: $(cat "$out/err")"
    as_user "$OPTBENCH" check "$d/r.db" >/dev/null 2>"$out/err" || fail "$mode: check: $(cat "$out/err")"
    # a read-only shard merges into a writable database (it is attached read-only)
    as_user "$OPTBENCH" merge "$out/merged.db" "$d/r.db" >/dev/null 2>"$out/err" || fail "$mode: merge: $(cat "$out/err")"
    [ "$(sqlite3 "$out/merged.db" "select count(*) from runs where status = 'done'")" = 4 ] || fail "$mode: merge copied no runs"
    if command -v gnuplot >/dev/null; then
        as_user "$OPTBENCH" report --sweep small --db "$d/r.db" --out "$out/report" >/dev/null 2>"$out/err" \
            || fail "$mode: report: $(cat "$out/err")"
        [ -s "$out/report/report.html" ] || fail "$mode: no report"
    fi
    for cmd in "sweep $tmp/small.yaml" "run --problem rosenbrock --optimizer adam --steps 5"; do
        code=0
        # shellcheck disable=SC2086
        as_user "$OPTBENCH" $cmd --db "$d/r.db" --quiet >/dev/null 2>"$out/err" || code=$?
        [ "$code" = 2 ] || fail "$mode: $cmd into a read-only database exited $code: $(cat "$out/err")"
        grep -q "read-only" "$out/err" || fail "$mode: $cmd said: $(cat "$out/err")"
    done
    [ "$(cksum <"$d/r.db")" = "$sum" ] || fail "$mode: the database changed"
done

# a read-only folder whose WAL holds changes not yet in the file (a writer
# was killed): they cannot be read without a -shm, and the message says how
# to fold them in
d="$tmp/wal"
mkdir "$d"
"$OPTBENCH" sweep "$tmp/small.yaml" --db "$d/r.db" --quiet >/dev/null
mkfifo "$tmp/fifo"
sqlite3 "$d/r.db" <"$tmp/fifo" >/dev/null 2>&1 & writer=$!
exec 3>"$tmp/fifo"
echo "PRAGMA wal_autocheckpoint = 0; UPDATE runs SET final_loss = 0;" >&3
until [ -s "$d/r.db-wal" ] && [ "$(sqlite3 "$d/r.db" "select count(*) from runs where final_loss = 0")" = 4 ]; do
    sleep 0.05
done
kill -9 "$writer"
wait "$writer" 2>/dev/null || true
exec 3>&-
rm -f "$d/r.db-shm"
[ "$(id -u)" = 0 ] && chown -R nobody "$d"
chmod 555 "$d"
code=0
as_user "$OPTBENCH" list runs --db "$d/r.db" >/dev/null 2>"$tmp/err" || code=$?
[ "$code" = 2 ] || fail "a WAL that cannot be read: exit $code: $(cat "$tmp/err")"
grep -q "r.db-wal holds changes not yet in the file" "$tmp/err" || fail "message: $(cat "$tmp/err")"
echo ok
