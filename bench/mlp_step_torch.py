#!/usr/bin/python3
"""mlp_step_torch.py — one MLP training step (forward, backward, AdamW) of
optbench against PyTorch on the same network, batch and thread count.

optbench's figure is the median whole-step time that `optbench run
--threads N` records in its database (runs.step_time_median, which covers
gathering the minibatch, forward, backward and the AdamW update: the step
every run and sweep job takes). PyTorch's is the median of the same step
timed with perf_counter: index the minibatch out of a training tensor of the
dataset's size, zero_grad, forward, cross-entropy, backward,
torch.optim.AdamW.step. Each side runs in its own process with
OMP_NUM_THREADS and OPENBLAS_NUM_THREADS set to the thread count and
OMP_WAIT_POLICY=passive: both programs hold two thread pools (OpenMP's and
OpenBLAS's pthreads), and busy-waiting threads of one starve the other when
they share the cores. optbench is timed a second time in a plain
environment (those variables removed: libgomp's default, which spins a
while before sleeping, as a user's `optbench run --threads N` gets): the
last column. The three alternate for --rounds rounds and each reports its
best round, which keeps other load on the machine out of the ratios as far
as it can.

usage: OPTBENCH=./optbench /usr/bin/python3 bench/mlp_step_torch.py [--steps N]
"""
import argparse
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

# (name, optbench dataset, input features, hidden widths, classes, training rows)
NETWORKS = [
    ("64-256-256-10", "digits", 64, [256, 256], 10, 1438),
    ("784-256-128-10", "fashion_mnist", 784, [256, 128], 10, 60000),
]
BATCH = 128
THREADS = [1, 2]


THREAD_VARIABLES = ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT"]


def thread_env(threads):
    """The environment of a measurement on `threads` threads."""
    env = plain_env()
    env["OMP_NUM_THREADS"] = str(threads)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    env["OMP_WAIT_POLICY"] = "passive"
    return env


def plain_env():
    """This environment without the variables that set OpenMP's and OpenBLAS's threads and waiting."""
    return {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}


def blas_libraries():
    """Shared libraries with 'blas' in their name mapped into this process."""
    seen = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6 and "blas" in os.path.basename(fields[5]) and fields[5] not in seen:
                seen.append(fields[5])
    return seen


def torch_step(features, hidden, classes, rows, steps, threads):
    """Median seconds of one torch training step (run in a child process)."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    widths = [features] + hidden + [classes]
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(rows, features)
    y = torch.randint(0, classes, (rows,))
    times = []
    for _ in range(steps):
        idx = torch.randint(0, rows, (BATCH,))
        t0 = time.perf_counter()
        xb, yb = x[idx], y[idx]
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times[steps // 10:])


def optbench_step(binary, dataset, hidden, steps, threads, db, env=None):
    """Median whole-step seconds of optbench's MLP step."""
    spec = f"mlp,dataset={dataset},hidden=[{','.join(map(str, hidden))}],batch={BATCH}"
    return optbench_median(binary, spec, steps, threads, db, env)


def optbench_median(binary, spec, steps, threads, db, env=None):
    """Median whole-step seconds of `optbench run` of problem `spec` with AdamW, read from its database;
    in thread_env(threads) unless env is given."""
    if os.path.exists(db):
        os.remove(db)
    subprocess.run([binary, "run", "--problem", spec, "--optimizer", "adamw,lr=1e-3", "--steps", str(steps),
                    "--threads", str(threads), "--db", db, "--quiet"], check=True,
                   env=thread_env(threads) if env is None else env)
    with sqlite3.connect(db) as con:
        (median,) = con.execute("SELECT step_time_median FROM runs").fetchone()
    return median


def torch_step_in_child(features, hidden, classes, rows, steps, threads):
    """torch_step in a fresh process with the thread environment."""
    out = subprocess.run([sys.executable, __file__, "--steps", str(steps), "--torch-worker", str(features),
                          ",".join(map(str, hidden)), str(classes), str(rows), str(threads)],
                         check=True, capture_output=True, text=True, env=thread_env(threads))
    return float(out.stdout.split()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=500, help="training steps per measurement")
    ap.add_argument("--rounds", type=int, default=3, help="alternating measurements of each side")
    ap.add_argument("--torch-worker", nargs=5, type=str, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_worker:
        features, hidden, classes, rows, threads = args.torch_worker
        print(torch_step(int(features), [int(h) for h in hidden.split(",")], int(classes), int(rows),
                         args.steps, int(threads)))
        return
    import torch

    binary = os.environ.get("OPTBENCH", "./optbench")
    torch.ones(64, 64) @ torch.ones(64, 64)  # loads the BLAS library
    blas_info = re.search(r"BLAS_INFO=([^,]*)", torch.__config__.show())
    print(f"torch {torch.__version__}, built with BLAS_INFO={blas_info.group(1) if blas_info else '?'}")
    loaded = blas_libraries()
    print("BLAS libraries mapped into this process:", *loaded, sep="\n  ")
    alternative = "/usr/lib/x86_64-linux-gnu/libblas.so.3"
    if os.path.exists(alternative):
        print(f"{alternative} (Debian alternative) -> {os.path.realpath(alternative)}")
    kind = "OpenBLAS" if any("openblas" in p for p in loaded) else "the reference BLAS (slow)"
    print(f"torch's sgemm comes from {kind}")
    print(f"\nMLP training step, batch {BATCH}, AdamW, relu; median of {args.steps} steps, "
          f"best of {args.rounds} rounds")
    print("optbench ms and torch ms: OMP_WAIT_POLICY=passive; plain ms: optbench without OMP_*, OPENBLAS_* "
          "(libgomp's default wait)")
    print(f"{'network':<16} {'threads':>7} {'optbench ms':>12} {'torch ms':>10} {'torch/optbench':>15} "
          f"{'plain ms':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "b.db")
        for name, dataset, features, hidden, classes, rows in NETWORKS:
            for threads in THREADS:
                ours = theirs = plain = float("inf")
                for _ in range(args.rounds):
                    ours = min(ours, optbench_step(binary, dataset, hidden, args.steps, threads, db))
                    theirs = min(theirs, torch_step_in_child(features, hidden, classes, rows, args.steps, threads))
                    plain = min(plain, optbench_step(binary, dataset, hidden, args.steps, threads, db, plain_env()))
                print(f"{name:<16} {threads:>7} {1e3 * ours:>12.3f} {1e3 * theirs:>10.3f} {theirs / ours:>15.2f} "
                      f"{1e3 * plain:>9.3f}")


if __name__ == "__main__":
    main()
