#!/bin/sh
# start.sh DIR — a one-node Slurm cluster for the tests, all of its state in
# DIR (created, or emptied first): installs Debian's slurmctld, slurmd,
# slurm-client and munge when missing, writes DIR/slurm.conf (munge
# authentication with its own key), starts munged, slurmctld and slurmd,
# and waits until `sinfo` shows the node idle. Run as root. Then
# `SLURM_CONF=DIR/slurm.conf sbatch ...`; tests/slurm/stop.sh DIR stops it.
# Environment: SLURM_WAIT_S (seconds to wait for the node, default 60),
# SLURMCTLD_PORT and SLURMD_PORT (default 6817 and 6818).
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "start.sh: run as root (the daemons run as root)" >&2; exit 2; }
dir=$1
wait_s=${SLURM_WAIT_S:-60}

missing=""
for p in slurmctld slurmd slurm-client munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "start.sh: installing$missing"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >/dev/null ||
        { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >/dev/null; }
fi

rm -rf "$dir"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
trap 'sh "$(dirname "$0")/stop.sh" "$dir"' EXIT # stops what started when a step fails
chmod 755 "$dir"
mkdir -m 755 "$dir/munge"
mkdir -m 700 "$dir/state" "$dir/spool" "$dir/log"

host=$(hostname -s)
cpus=$(nproc)
free_mb=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
memory=$((free_mb * 9 / 10))

dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$dir/munge/munge.key"
munged --force --socket="$dir/munge/munge.socket.2" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"

cat >"$dir/slurm.conf" <<CONF
# A one-node cluster for optbench's tests; everything lives in $dir.
ClusterName=optbench
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${SLURMCTLD_PORT:-6817}
SlurmdPort=${SLURMD_PORT:-6818}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket.2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
KillWait=5
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

export SLURM_CONF="$dir/slurm.conf"
slurmctld -c -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"

waited=0
until sinfo -h -N -o '%T' 2>/dev/null | grep -qx idle; do
    if [ "$waited" -ge "$wait_s" ]; then
        echo "start.sh: node $host not idle after ${wait_s}s (sinfo: $(sinfo -h -N -o '%T' 2>&1 | head -n 1)); logs in $dir/log" >&2
        tail -n 5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 2>/dev/null || true
        exit 1
    fi
    sleep 1
    waited=$((waited + 1))
done
trap - EXIT
echo "start.sh: node $host idle with $cpus CPUs and ${memory} MB after ${waited}s; SLURM_CONF=$SLURM_CONF"
