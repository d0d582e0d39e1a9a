#!/usr/bin/env python3
"""torch_optim.py: torch's CPU AdamW beside `optbench bench`.

Times torch.optim.AdamW (float32, the single-tensor path foreach=False and
the foreach path) on the sizes and thread counts of optbench's rows, once
with glibc malloc and once with jemalloc preloaded when libjemalloc.so.2 is
installed, and prints both sets of figures side by side with the ratio of
torch's fastest variant to optbench's fused AdamW step.

    optbench bench --json > rows.jsonl
    python3 bench/torch_optim.py --optbench rows.jsonl
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def measure(n, threads, foreach, warmup, repeats):
    """Median seconds of one torch AdamW step on n floats."""
    import torch

    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    p = torch.randn(n, generator=gen, dtype=torch.float32)
    p.grad = torch.randn(n, generator=gen, dtype=torch.float32)
    opt = torch.optim.AdamW([p], lr=1e-3, weight_decay=1e-2, foreach=foreach)
    times = []
    with torch.no_grad():
        for r in range(warmup + repeats):
            t0 = time.perf_counter()
            opt.step()
            if r >= warmup:
                times.append(time.perf_counter() - t0)
    return statistics.median(times)


def child(args):
    """Measures every (n, threads, path) and prints one JSON row each."""
    import torch

    allocator = "jemalloc" if "jemalloc" in os.environ.get("LD_PRELOAD", "") else "glibc"
    for n in args.n:
        for threads in args.threads:
            for foreach in (False, True):
                sec = measure(n, threads, foreach, args.warmup, args.repeats)
                print(json.dumps({"torch": torch.__version__, "allocator": allocator,
                                  "path": "foreach" if foreach else "single-tensor",
                                  "n": n, "threads": threads, "step_seconds": sec}), flush=True)


def find_jemalloc():
    """Path of libjemalloc.so.2 from the loader cache, or None."""
    try:
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    except OSError:
        return None
    for line in out.splitlines():
        if "libjemalloc.so.2" in line and "=>" in line:
            return line.split("=>")[1].strip()
    return None


def run_children(args, sizes, threads):
    """Torch rows under glibc malloc, then under jemalloc when present."""
    rows = []
    cmd = [sys.executable, __file__, "--child", "--repeats", str(args.repeats), "--warmup",
           str(args.warmup), "--n", ",".join(map(str, sizes)),
           "--threads", ",".join(map(str, threads))]
    preloads = [None]
    jemalloc = find_jemalloc()
    if jemalloc:
        preloads.append(jemalloc)
    else:
        print("# libjemalloc.so.2 not found: torch measured with glibc malloc only", flush=True)
    for preload in preloads:
        env = dict(os.environ)
        env.pop("LD_PRELOAD", None)
        if preload:
            env["LD_PRELOAD"] = preload
        out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
        rows += [json.loads(line) for line in out.splitlines() if line.strip()]
    return rows


def report(ours, torch_rows):
    """The side-by-side table and the ratios."""
    print("# optbench fused step (median; fraction of the roofline measured in the same run)")
    print(f"{'optimizer':<10} {'n':>11} {'threads':>7} {'step ms':>9} {'GB/s':>7} {'of roof':>8}")
    for r in ours:
        print(f"{r['optimizer']:<10} {r['n']:>11} {r['threads']:>7} {1e3 * r['step_seconds']:>9.3f} "
              f"{r['gbps']:>7.2f} {100 * r['fraction']:>7.1f}%")
    version = torch_rows[0]["torch"] if torch_rows else "?"
    print(f"\n# torch {version} AdamW on the CPU (median step ms)")
    print(f"{'n':>11} {'threads':>7} {'allocator':<9} {'single-tensor':>14} {'foreach':>9}")
    for n, threads, alloc in sorted({(t["n"], t["threads"], t["allocator"]) for t in torch_rows}):
        ms = {t["path"]: 1e3 * t["step_seconds"] for t in torch_rows
              if (t["n"], t["threads"], t["allocator"]) == (n, threads, alloc)}
        print(f"{n:>11} {threads:>7} {alloc:<9} {ms['single-tensor']:>14.3f} {ms['foreach']:>9.3f}")
    print("\n# ratio: torch's fastest AdamW variant / optbench's fused AdamW step")
    print(f"{'n':>11} {'threads':>7} {'optbench ms':>12} {'torch best ms':>14} {'torch variant':<26} {'ratio':>6}")
    for r in ours:
        if r["optimizer"] != "adamw":
            continue
        same = [t for t in torch_rows if t["n"] == r["n"] and t["threads"] == r["threads"]]
        if not same:
            continue
        best = min(same, key=lambda t: t["step_seconds"])
        variant = f"{best['path']}, {best['allocator']}"
        print(f"{r['n']:>11} {r['threads']:>7} {1e3 * r['step_seconds']:>12.3f} "
              f"{1e3 * best['step_seconds']:>14.3f} {variant:<26} "
              f"{best['step_seconds'] / r['step_seconds']:>5.2f}x")


def int_list(text):
    return [int(float(x)) for x in text.split(",")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--optbench", help="JSON rows of `optbench bench --json`; sizes and threads follow them")
    ap.add_argument("--n", type=int_list, default=[1000000, 10000000, 30000000])
    ap.add_argument("--threads", type=int_list, default=[1, 2])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    ours = []
    if args.optbench:
        with open(args.optbench) as f:
            ours = [json.loads(line) for line in f if line.strip()]
    sizes = sorted({r["n"] for r in ours}) or args.n
    threads = sorted({r["threads"] for r in ours}) or args.threads
    report(ours, run_children(args, sizes, threads))


if __name__ == "__main__":
    main()
