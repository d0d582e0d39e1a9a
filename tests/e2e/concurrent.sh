#!/bin/sh
# concurrent.sh — sweeps on one database at once: started together on a new
# database (same spec, and two specs), or one while the other is under way,
# every sweep exits 0 and every key is run exactly once (the runs each sweep
# did add up to the total); runs left by a process that has ended are
# taken over, also by a pruned sweep, once a live holder of them ends;
# writers (a sweep and a run) held off by another process's lock say so,
# and go on once the lock is released.
# Nothing here waits for a fixed time: each step waits for the state it needs.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { sqlite3 "$1" "$2"; }

sweep_file() { # name, lr list
    cat >"$tmp/$1.yaml" <<YAML
name: $1
steps: 400
seeds: [0, 1, 2, 3]
log_every: 20
problems:
  - rosenbrock: {dim: 2000, noise: 0.1}
optimizers:
  adamw: {lr: [$2]}
  lion: {lr: [$2]}
YAML
}
sweep_file same "1e-3, 3e-3, 1e-2"
sweep_file other "1e-4, 3e-4"

# The runs one sweep's summary line says it did itself.
ran() { sed -n 's/.*runs: \([0-9]*\) done, \([0-9]*\) diverged.*/\1 \2/p' "$1" | awk '{print $1 + $2}'; }
ran_or_zero() { n=$(ran "$1"); echo "${n:-0}"; }

# Every key of sweep $2 in $1 once and done; $3 runs in all.
once() {
    [ "$(q "$1" "select count(*) || '/' || count(distinct r.key) || '/' || sum(r.status = 'done')
                 from runs r join sweeps s on s.id = r.sweep_id where s.name = '$2'")" = "$3/$3/$3" ] \
        || fail "$2: $(q "$1" "select status, count(*) from runs group by status")"
    [ "$(q "$1" "select count(*) from sweeps where name = '$2'")" = 1 ] || fail "$2: sweep rows"
}

# 1. the same sweep twice, started together on a new database, three times over
for round in 1 2 3; do
    db="$tmp/same$round.db"
    "$OPTBENCH" sweep "$tmp/same.yaml" --db "$db" --jobs 1 >"$tmp/a.out" 2>"$tmp/a.err" & a=$!
    "$OPTBENCH" sweep "$tmp/same.yaml" --db "$db" --jobs 1 >"$tmp/b.out" 2>"$tmp/b.err" & b=$!
    ca=0; wait "$a" || ca=$?
    cb=0; wait "$b" || cb=$?
    [ "$ca" = 0 ] && [ "$cb" = 0 ] || fail "round $round: exits $ca and $cb: $(cat "$tmp/a.err" "$tmp/b.err")"
    once "$db" same 24
    [ $(($(ran_or_zero "$tmp/a.out") + $(ran_or_zero "$tmp/b.out"))) = 24 ] \
        || fail "round $round: runs done twice: $(cat "$tmp/a.out" "$tmp/b.out")"
    [ "$(q "$db" "pragma integrity_check")" = ok ] || fail "integrity"
done

# 2. two different sweeps started together on a new database
db="$tmp/two.db"
"$OPTBENCH" sweep "$tmp/same.yaml" --db "$db" --jobs 1 --quiet >/dev/null 2>"$tmp/a.err" & a=$!
"$OPTBENCH" sweep "$tmp/other.yaml" --db "$db" --jobs 1 --quiet >/dev/null 2>"$tmp/b.err" & b=$!
ca=0; wait "$a" || ca=$?
cb=0; wait "$b" || cb=$?
[ "$ca" = 0 ] && [ "$cb" = 0 ] || fail "two specs: exits $ca and $cb: $(cat "$tmp/a.err" "$tmp/b.err")"
once "$db" same 24
once "$db" other 16

# 3. a second sweep started while the first is under way waits for the runs
#    the first has claimed and finishes with it
db="$tmp/late.db"
"$OPTBENCH" sweep "$tmp/same.yaml" --db "$db" --jobs 1 >"$tmp/a.out" 2>"$tmp/a.err" & a=$!
until [ "$(q "$db" "select count(*) from runs where status = 'done'" 2>/dev/null || echo 0)" -ge 1 ]; do
    kill -0 "$a" 2>/dev/null || break
    sleep 0.05
done
"$OPTBENCH" sweep "$tmp/same.yaml" --db "$db" --jobs 1 >"$tmp/b.out" 2>"$tmp/b.err" & b=$!
ca=0; wait "$a" || ca=$?
cb=0; wait "$b" || cb=$?
[ "$ca" = 0 ] && [ "$cb" = 0 ] || fail "late start: exits $ca and $cb: $(cat "$tmp/a.err" "$tmp/b.err")"
once "$db" same 24
[ $(($(ran_or_zero "$tmp/a.out") + $(ran_or_zero "$tmp/b.out"))) = 24 ] \
    || fail "late start: runs done twice: $(cat "$tmp/a.out" "$tmp/b.out")"

# 4. runs claimed by a process that has ended are taken over
db="$tmp/dead.db"
"$OPTBENCH" sweep "$tmp/other.yaml" --db "$db" --jobs 1 --quiet >/dev/null
q "$db" "update runs set status = 'running', owner = '1 no-such-boot 1' where id % 2 = 0"
"$OPTBENCH" sweep "$tmp/other.yaml" --db "$db" --jobs 1 >"$tmp/a.out" 2>/dev/null
grep -q "16 runs: 8 done, 0 diverged, 0 failed, 0 timeout, 8 already done" "$tmp/a.out" \
    || fail "dead owner: $(cat "$tmp/a.out")"
once "$db" other 16

# 5. a writer waiting for another process's lock says so, then goes on
db="$tmp/lock.db"
"$OPTBENCH" sweep "$tmp/other.yaml" --db "$db" --jobs 1 --quiet >/dev/null
q "$db" "delete from metrics; delete from runs"
mkfifo "$tmp/fifo"
# the holder waits for a lock itself: the probe below may hold one for an instant
sqlite3 -cmd ".timeout 10000" "$db" <"$tmp/fifo" >/dev/null 2>&1 & holder=$!
exec 3>"$tmp/fifo"
echo "BEGIN IMMEDIATE; SELECT 1;" >&3
# the holder has the lock once a write from here times out at once
tries=0
until ! sqlite3 -cmd ".timeout 0" "$db" "BEGIN IMMEDIATE; ROLLBACK;" 2>/dev/null; do
    tries=$((tries + 1)); [ "$tries" -lt 400 ] || fail "the sqlite3 shell never took the lock"
    sleep 0.05
done
"$OPTBENCH" sweep "$tmp/other.yaml" --db "$db" --jobs 1 >"$tmp/w.out" 2>"$tmp/w.err" & w=$!
"$OPTBENCH" run --problem rosenbrock --optimizer adam --steps 5 --db "$db" >"$tmp/r.out" 2>"$tmp/r.err" & r=$!
for job in w r; do
    until grep -q "waiting for the database lock, held by another process" "$tmp/$job.err"; do
        kill -0 "$w" 2>/dev/null && kill -0 "$r" 2>/dev/null \
            || fail "a writer ended while the lock was held: $(cat "$tmp/w.err" "$tmp/r.err")"
        sleep 0.05
    done
done
echo "COMMIT;" >&3
exec 3>&-
wait "$holder"
cw=0; wait "$w" || cw=$?
cr=0; wait "$r" || cr=$?
[ "$cw" = 0 ] && [ "$cr" = 0 ] || fail "after the lock was released: exits $cw, $cr: $(cat "$tmp/w.err" "$tmp/r.err")"
once "$db" other 16
once "$db" adhoc 1

# 6. runs held by a live process are waited for, not run, and taken over
#    once it ends, with pruning too (its later round runs in its own order)
sed -e 's/^name: other/name: held/' -e 's/dim: 2000,/dim: 100,/' "$tmp/other.yaml" >"$tmp/held.yaml"
sed -e 's/^name: held/name: held-pruned/' -e 's/^steps: 400/steps: 405/' "$tmp/held.yaml" >"$tmp/held-pruned.yaml"
echo "prune: {method: asha, min_steps: 45, reduction: 3}" >>"$tmp/held-pruned.yaml"
for spec in held held-pruned; do
    db="$tmp/$spec.db"
    "$OPTBENCH" sweep "$tmp/$spec.yaml" --db "$db" --jobs 1 --quiet >/dev/null
    sleep 600 & holder=$!
    owner="$holder $(cat /proc/sys/kernel/random/boot_id) $(awk '{print $22}' "/proc/$holder/stat")"
    q "$db" "update runs set status = 'running', owner = '$owner' where id % 3 = 0;
             update runs set status = 'failed' where id % 3 = 1"
    held=$(q "$db" "select count(*) from runs where status = 'running'")
    "$OPTBENCH" sweep "$tmp/$spec.yaml" --db "$db" --jobs 2 >"$tmp/h.out" 2>"$tmp/h.err" & s=$!
    until grep -q "waiting for $held runs claimed by another optbench process (pid $holder)" "$tmp/h.err"; do
        kill -0 "$s" 2>/dev/null || fail "$spec: the sweep ended while a live process held runs: $(cat "$tmp/h.err")"
        sleep 0.05
    done
    # the failed runs are run, the held ones still wait
    until [ "$(q "$db" "select count(*) from runs where status = 'failed' or status = 'pending'")" = 0 ]; do
        kill -0 "$s" 2>/dev/null || fail "$spec: the sweep ended before running the failed runs: $(cat "$tmp/h.err")"
        sleep 0.05
    done
    [ "$(q "$db" "select count(*) from runs where status = 'running' and owner = '$owner'")" = "$held" ] \
        || fail "$spec: runs held by pid $holder were taken while it lived"
    kill "$holder"
    wait "$holder" 2>/dev/null || true
    cs=0; wait "$s" || cs=$?
    [ "$cs" = 0 ] || fail "$spec: exit $cs: $(cat "$tmp/h.err")"
    [ "$(q "$db" "select count(*) || '/' || count(distinct key) || '/' || sum(status in ('done', 'pruned')) || '/' ||
                  count(owner) from runs")" = "16/16/16/0" ] || fail "$spec: $(q "$db" "select status, owner from runs")"
done
echo ok
