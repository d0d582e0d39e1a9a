#!/bin/sh
# signals.sh — a sweep stopped by SIGTERM exits 143 and `optbench run`
# stopped by SIGINT (Ctrl-C) exits 130, leaving the unfinished run to be
# resumed; the signal is sent once a worker exists, i.e. once the handlers
# are in place, so the test does not depend on timing.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$tmp/long.yaml" <<'YAML'
name: long
steps: 100000000
log_every: 100000
problems:
  - rosenbrock: {dim: 1000}
optimizers:
  sgd: {lr: [1e-6, 2e-6]}
YAML

# Starts "$@" in the background, sends signal $sig once it has a worker
# process, and checks the exit status is $want.
stop_with() {
    sig=$1 want=$2
    shift 2
    "$@" >"$tmp/out" 2>&1 &
    pid=$!
    while [ -z "$(pgrep -P "$pid")" ]; do
        kill -0 "$pid" 2>/dev/null || fail "$* ended before it was signalled: $(cat "$tmp/out")"
        sleep 0.05
    done
    kill -s "$sig" "$pid"
    code=0
    wait "$pid" || code=$?
    [ "$code" = "$want" ] || fail "$* stopped by SIG$sig exited $code, not $want: $(cat "$tmp/out")"
}

stop_with TERM 143 "$OPTBENCH" sweep "$tmp/long.yaml" --db "$tmp/s.db" --jobs 2 --quiet
grep -q "interrupted, re-run to resume" "$tmp/out" || fail "sweep summary: $(cat "$tmp/out")"
[ "$(sqlite3 "$tmp/s.db" "select count(*) from runs where status in ('done', 'diverged')")" = 0 ] \
    || fail "a stopped run was recorded as finished"

stop_with INT 130 "$OPTBENCH" run --problem rosenbrock,dim=1000 --optimizer sgd,lr=1e-6 --steps 100000000 \
    --log-every 100000 --db "$tmp/r.db" --quiet
echo ok
