#!/bin/sh
# install.sh — `make install PREFIX=DIR` installs the binary, the shipped
# datasets, the golden vectors and python/optbench_golden.py, and the
# installed binary finds them from its prefix whatever the current folder
# (here /tmp, which has no data/).
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
command -v make >/dev/null || { echo "skipped: make not found"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# -o: install the binary under test as it is, never rebuild it; BUILD: leave
# the build folders alone
make -s -o "$OPTBENCH" install PREFIX="$tmp/prefix" BIN="$OPTBENCH" BUILD="$tmp/build" >"$tmp/log" 2>&1 || fail "make install: $(cat "$tmp/log")"
[ -x "$tmp/prefix/bin/optbench" ] || fail "no binary installed"
cd /tmp
"$tmp/prefix/bin/optbench" run --problem logreg,dataset=iris --optimizer adam,lr=1e-2 --steps 20 \
    --db "$tmp/r.db" --quiet 2>"$tmp/err" || fail "installed binary, dataset iris: $(cat "$tmp/err")"
[ "$(sqlite3 "$tmp/r.db" "select status from runs")" = done ] || fail "the run is not done"
"$tmp/prefix/bin/optbench" run --problem mlp,dataset=digits,hidden=[8] --optimizer adam --steps 5 \
    --db "$tmp/r.db" --quiet 2>"$tmp/err" || fail "installed binary, dataset digits: $(cat "$tmp/err")"
"$tmp/prefix/bin/optbench" verify >"$tmp/verify" || fail "installed verify: $(tail -n 3 "$tmp/verify")"
grep -q "0 mismatched, 0 unreadable" "$tmp/verify" || fail "verify: $(tail -n 1 "$tmp/verify")"
# the PyTorch bridge is installed beside the golden vectors (its --help needs no torch)
if command -v python3 >/dev/null; then
    PYTHONPATH="$tmp/prefix/share/optbench/python" python3 -m optbench_golden --help >"$tmp/help" ||
        fail "installed optbench_golden: $(cat "$tmp/help")"
fi
echo ok
