#!/usr/bin/env python3
"""cuda_optim.py: optbench's fused CUDA optimizer steps beside torch's fused
AdamW on the same GPU, and a training step time per problem.

Needs a CUDA device, an optbench built with CUDA, and python3 with a CUDA
build of torch. In one run it

1. runs `optbench bench --device cuda --json` (AdamW and Lion at their
   default hyperparameters on 1e6, 1e7 and 1e8 float32 parameters): each
   row holds the fused step's median time, its GB/s of useful traffic
   (AdamW 28 bytes per parameter, Lion 20) and the fraction of the device's
   streaming kernel with the same streams, measured alternately with it;
2. times torch.optim.AdamW on the same sizes with fused=True (and
   foreach=True, the default path, for reference) with CUDA events, after
   warm-up steps, and a plain device-to-device copy (torch's
   Tensor.copy_, 8 bytes per float) as a second bandwidth reference;
3. runs `optbench run --device cuda` for 200 steps of rosenbrock, logreg
   and mlp and reads their median step, forward+backward and optimizer
   times from the result database.

It prints Markdown tables for BENCHMARKS.md, with the GPU and torch version.

    make CUDA=1 && python3 bench/cuda_optim.py [--optbench ./optbench] [--n 1e6,1e7,1e8]
"""
import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile

ADAMW_BYTES = 28  # p, g, m, v read; p, m, v written; float32


def run_optbench_bench(optbench, sizes, repeats):
    """Rows of `optbench bench --device cuda --json`."""
    cmd = [optbench, "bench", "--device", "cuda", "--json", "--optimizer", "adamw,lion",
           "--n", ",".join(str(n) for n in sizes), "--repeats", str(repeats)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def cuda_median_seconds(fn, warmup, repeats):
    """Median seconds of fn() on the current CUDA stream, timed with events."""
    import torch

    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    return statistics.median(times)


def torch_adamw_seconds(n, path, warmup, repeats):
    """Median seconds of one torch AdamW step (float32, on the GPU)."""
    import torch

    gen = torch.Generator(device="cuda").manual_seed(0)
    p = torch.randn(n, generator=gen, device="cuda", dtype=torch.float32)
    p.grad = torch.randn(n, generator=gen, device="cuda", dtype=torch.float32)
    kwargs = {"fused": True} if path == "fused" else {"foreach": True}
    opt = torch.optim.AdamW([p], lr=1e-3, weight_decay=1e-2, **kwargs)
    with torch.no_grad():
        sec = cuda_median_seconds(opt.step, warmup, repeats)
    del opt, p
    torch.cuda.empty_cache()
    return sec


def torch_copy_gbps(n, warmup, repeats):
    """GB/s of a device-to-device copy of n floats (read + write, 8 bytes each)."""
    import torch

    src = torch.ones(n, device="cuda", dtype=torch.float32)
    dst = torch.empty_like(src)
    sec = cuda_median_seconds(lambda: dst.copy_(src), warmup, repeats)
    del src, dst
    torch.cuda.empty_cache()
    return 8.0 * n / sec / 1e9


def training_steps(optbench, steps):
    """Median step, forward+backward and optimizer ms per problem on the GPU."""
    problems = [
        ("rosenbrock,dim=1000000", "adamw,lr=1e-3"),
        ("logreg,dataset=digits", "adamw,lr=1e-2"),
        ("mlp,dataset=digits,hidden=[256,128]", "adamw,lr=1e-3"),
        ("mlp,dataset=fashion_mnist,hidden=[256,128],batch=128", "lion,lr=1e-4"),
    ]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "steps.db")
        for problem, optimizer in problems:
            cmd = [optbench, "run", "--device", "cuda", "--problem", problem, "--optimizer", optimizer,
                   "--steps", str(steps), "--log-every", str(steps), "--db", db, "--quiet"]
            if subprocess.run(cmd).returncode != 0:
                print(f"# skipped {problem}: optbench run failed (data missing?)", file=sys.stderr)
                continue
            with sqlite3.connect(db) as con:
                rows.append((problem, optimizer) + con.execute(
                    "SELECT step_time_median, fb_time_median, opt_time_median, device_peak_bytes "
                    "FROM runs ORDER BY id DESC LIMIT 1").fetchone())
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--optbench", default=os.environ.get("OPTBENCH", "./optbench"))
    ap.add_argument("--n", default="1000000,10000000,100000000",
                    help="comma-separated parameter counts")
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--steps", type=int, default=200, help="steps of each training-step run")
    args = ap.parse_args()
    sizes = [int(float(x)) for x in args.n.split(",")]

    import torch

    if not torch.cuda.is_available():
        sys.exit("cuda_optim.py: torch sees no CUDA device")
    gpu = torch.cuda.get_device_name(0)
    rows = run_optbench_bench(args.optbench, sizes, args.repeats)
    print(f"# {gpu}; torch {torch.__version__}; median of {args.repeats} steps after warm-up\n")
    print("| n | optimizer | step ms | GB/s | of optbench roofline | torch copy GB/s |")
    print("|---:|---|---:|---:|---:|---:|")
    for n in sizes:
        copy = torch_copy_gbps(n, args.warmup, args.repeats)
        roof = None
        for r in (r for r in rows if r["n"] == n):
            roof = r["roofline_gbps"] if r["optimizer"] == "adamw" else roof
            print(f"| {n:.0e} | optbench {r['optimizer']} (fused) | {1e3 * r['step_seconds']:.3f} | "
                  f"{r['gbps']:.0f} | {100 * r['fraction']:.1f}% | {copy:.0f} |")
        for path in ("fused", "foreach"):
            sec = torch_adamw_seconds(n, path, args.warmup, args.repeats)
            gbps = ADAMW_BYTES * n / sec / 1e9
            frac = f"{100 * gbps / roof:.1f}%" if roof else "-"
            print(f"| {n:.0e} | torch AdamW {path} | {1e3 * sec:.3f} | {gbps:.0f} | {frac} | {copy:.0f} |")

    print("\n| problem | optimizer | step ms | fwd+bwd ms | optimizer ms | device peak MiB |")
    print("|---|---|---:|---:|---:|---:|")
    for problem, optimizer, step, fb, opt, peak in training_steps(args.optbench, args.steps):
        print(f"| {problem} | {optimizer} | {1e3 * step:.3f} | {1e3 * fb:.3f} | {1e3 * opt:.3f} | "
              f"{peak / 2**20:.1f} |")


if __name__ == "__main__":
    main()
