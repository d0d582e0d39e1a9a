#!/bin/sh
# cuda_startup.sh — what starting optbench costs, for several binaries (a
# CUDA build before and after cuBLAS was opened on first use, and the build
# without CUDA, say), measured in one alternated run: each round times every
# binary in turn on
#   - `optbench --version`, the mean of VERSION_RUNS executions (default 20);
#   - `optbench run --problem rosenbrock --optimizer adamw --steps 10 --db
#     DB`, the mean of RUN_RUNS executions (default 5) into one database per
#     binary;
#   - `sh bench/sweep_overhead.sh` (1000 runs, --jobs 2): its wall time,
#     the harness's overhead per run, and the CPU time (user + system) of
#     all its processes, which a loaded machine disturbs less than the wall
#     time;
# then prints the median over ROUNDS rounds (default 5) with the smallest
# and the largest round, and, once per binary, what the dynamic loader did
# for `--version` (LD_DEBUG=statistics: relative relocations, loader time),
# its system calls (strace -c -f, when strace exists), its peak RSS
# (/usr/bin/time, when it exists) and the instructions it executes
# (valgrind --tool=callgrind, when valgrind exists: the figure a loaded
# machine does not disturb). Times include the shell's fork and exec.
#
# usage: sh bench/cuda_startup.sh BINARY...      (from the repository root)
set -eu
[ $# -ge 1 ] || { echo "usage: sh bench/cuda_startup.sh BINARY..." >&2; exit 2; }
rounds=${ROUNDS:-5}
version_runs=${VERSION_RUNS:-20}
run_runs=${RUN_RUNS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s%N; }
# Prints the CPU time (user + system) of this shell's finished children in
# microseconds; to be called in the shell itself, not in a $(...) subshell.
child_cpu() {
    times >"$tmp/times_out"
    tail -n 1 "$tmp/times_out" | tr 'ms' '  ' | awk '{ printf "%.0f\n", 1e6 * (60 * ($1 + $3) + $2 + $4) }'
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# One line "INDEX KIND VALUE" per binary and round into $tmp/times.
r=0
while [ "$r" -lt "$rounds" ]; do
    i=0
    for b in "$@"; do
        i=$((i + 1))
        t0=$(now)
        k=0
        while [ "$k" -lt "$version_runs" ]; do
            "$b" --version >/dev/null
            k=$((k + 1))
        done
        t1=$(now)
        echo "$i version $(((t1 - t0) / version_runs / 1000))" >>"$tmp/times"
        t0=$(now)
        k=0
        while [ "$k" -lt "$run_runs" ]; do
            "$b" run --problem rosenbrock --optimizer adamw --steps 10 --db "$tmp/run$i.db" >/dev/null
            k=$((k + 1))
        done
        t1=$(now)
        echo "$i run $(((t1 - t0) / run_runs / 1000))" >>"$tmp/times"
        child_cpu >"$tmp/cpu0"
        OPTBENCH=$b sh bench/sweep_overhead.sh >"$tmp/sweep"
        child_cpu >"$tmp/cpu1"
        echo "$i sweep_cpu $(($(cat "$tmp/cpu1") - $(cat "$tmp/cpu0")))" >>"$tmp/times"
        sed -n 's/.*total wall \([0-9.]*\) s.*/\1/p' "$tmp/sweep" | awk -v i="$i" '{ printf "%d sweep %.0f\n", i, $1 * 1e6 }' >>"$tmp/times"
        sed -n 's/.*(\([0-9]*\) us per run).*/\1/p' "$tmp/sweep" | awk -v i="$i" '{ print i, "overhead", $1 }' >>"$tmp/times"
    done
    r=$((r + 1))
done

# The median (min-max) of binary $1's values of kind $2, divided by $3, with format $4.
stat() {
    awk -v i="$1" -v kind="$2" '$1 == i && $2 == kind { print $3 }' "$tmp/times" | sort -n |
        awk -v div="$3" -v fmt="$4" '{ v[NR] = $1 / div } END {
            m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf fmt " (" fmt "-" fmt ")", m, v[1], v[NR] }'
}

echo "load before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $rounds rounds"
echo
echo "| binary | \`--version\` ms | \`run\` 10 steps ms | sweep_overhead.sh wall s | overhead us/run | sweep CPU s |"
echo "|---|---|---|---|---|---|"
i=0
for b in "$@"; do
    i=$((i + 1))
    echo "| $b | $(stat $i version 1000 %.1f) | $(stat $i run 1000 %.1f) | $(stat $i sweep 1e6 %.2f) | $(stat $i overhead 1 %.0f) | $(stat $i sweep_cpu 1e6 %.2f) |"
done
echo
echo "| binary | relative relocations | loader time (cycles) | system calls | peak RSS KiB | instructions |"
echo "|---|---|---|---|---|---|"
for b in "$@"; do
    LD_DEBUG=statistics "$b" --version 2>"$tmp/ld" >/dev/null
    rel=$(sed -n 's/.*number of relative relocations: *\([0-9]*\).*/\1/p' "$tmp/ld" | head -n 1)
    cyc=$(sed -n 's/.*total startup time in dynamic loader: *\([0-9]*\).*/\1/p' "$tmp/ld" | head -n 1)
    calls=-
    if command -v strace >/dev/null; then
        strace -c -f -o "$tmp/strace" "$b" --version >/dev/null
        calls=$(awk '$NF == "total" { print $4 }' "$tmp/strace")
    fi
    rss=-
    [ ! -x /usr/bin/time ] || rss=$(/usr/bin/time -f %M "$b" --version 2>&1 >/dev/null | tail -n 1)
    ir=-
    if command -v valgrind >/dev/null; then
        valgrind --tool=callgrind --callgrind-out-file="$tmp/callgrind" "$b" --version 2>"$tmp/vg" >/dev/null
        ir=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$tmp/vg")
    fi
    echo "| $b | $rel | $cyc | $calls | $rss | $ir |"
done
