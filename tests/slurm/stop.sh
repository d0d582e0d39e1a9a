#!/bin/sh
# stop.sh DIR — stops the cluster of tests/slurm/start.sh DIR: cancels
# its jobs (waiting at most 10 s for them to end), then stops slurmd,
# slurmctld and munged, each by the PID in its PID file, waiting (at most
# 20 s each, then SIGKILL) until it has exited. Leaves DIR in place.
set -u
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
if [ -s "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
    export SLURM_CONF="$dir/slurm.conf"
    timeout 10 scancel --user="$(id -un)" 2>/dev/null
    waited=0
    while [ "$waited" -lt 10 ] && [ -n "$(timeout 5 squeue -h -o %i 2>/dev/null)" ]; do
        sleep 1
        waited=$((waited + 1))
    done
fi
for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [ -s "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || continue
    waited=0
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$waited" -ge 200 ]; then
            echo "stop.sh: $pidfile: PID $pid still running after 20 s; killing it" >&2
            kill -9 "$pid" 2>/dev/null
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
done
exit 0
