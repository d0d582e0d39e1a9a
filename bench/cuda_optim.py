#!/usr/bin/env python3
"""cuda_optim.py: optbench's fused CUDA optimizer steps beside torch's fused
AdamW on the same GPU, and a training step time per problem.

Needs a CUDA device, an optbench built with CUDA, and python3 with a CUDA
build of torch. In one run it

1. runs `optbench bench --device cuda --json` (every optimizer, or those of
   --optimizers, at its default hyperparameters on the sizes of --n, by
   default 1e6, 1e7 and 1e8 float32 parameters): each row holds the fused
   step's median time, its GB/s of useful traffic and the fraction of the
   device's streaming kernel with the same streams, measured alternately
   with it (--save-bench keeps the rows as JSON lines);
2. times torch.optim.AdamW on the same sizes with fused=True (and
   foreach=True, the default path, for reference) with CUDA events, after
   warm-up steps, and a plain device-to-device copy (torch's
   Tensor.copy_, 8 bytes per float) as a second bandwidth reference;
3. runs `optbench run --device cuda` for 200 steps of rosenbrock, logreg,
   mlp and the transformer (AdamW or Lion; adafactor on the MLP, muon and
   sfadamw on the transformer) and reads their median step,
   forward+backward and optimizer times from the result database;
4. times the transformer's training step in torch on the same GPU (the
   model of transformer_step_torch.py, fused AdamW, CUDA events) at the
   bench configuration (2 layers, d_model 128, context 64, batch 16) and a
   larger one (6 layers, d_model 384, context 256, batch 16), beside
   optbench's step on the same generated corpus.

It prints Markdown tables for BENCHMARKS.md, with the GPU and torch version
(and the optimizers `optbench bench` does not time on the GPU), and exits 1
after them when the bench of an optimizer failed otherwise.

    make CUDA=1 && python3 bench/cuda_optim.py [--optbench ./optbench] [--n 1e6,1e7,1e8] [--optimizers all]
"""
import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transformer_step_torch import CORPUS_BYTES, VOCAB, make_gpt, write_corpus  # noqa: E402

ADAMW_BYTES = 28  # p, g, m, v read; p, m, v written; float32
# (layers, d_model, heads, context, batch): the bench configuration and a larger one
TRANSFORMERS = [(2, 128, 4, 64, 16), (6, 384, 6, 256, 16)]


def optimizer_names(optbench):
    """Every optimizer `optbench optimizers` lists."""
    out = subprocess.run([optbench, "optimizers"], check=True, capture_output=True, text=True).stdout
    return [line.split(" ")[0] for line in out.splitlines() if " — " in line and not line.startswith(" ")]


def run_optbench_bench(optbench, optimizers, sizes, repeats):
    """Rows of `optbench bench --device cuda --json`, one optimizer at a
    time; the optimizers it does not bench (no CUDA kernel, or not
    elementwise); and those whose bench failed otherwise. Each of the last
    two is reported on stderr and left out of the rows."""
    rows, no_kernel, failed = [], [], []
    for name in optimizers:
        cmd = [optbench, "bench", "--device", "cuda", "--json", "--optimizer", name,
               "--n", ",".join(str(n) for n in sizes), "--repeats", str(repeats)]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            print(f"# optbench bench --device cuda --optimizer {name}: {run.stderr.strip()}", file=sys.stderr)
            benchable = "no CUDA kernel" not in run.stderr and "not an elementwise optimizer" not in run.stderr
            (failed if benchable else no_kernel).append(name)
            continue
        rows += [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    return rows, no_kernel, failed


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


def transformer_spec(corpus, layers, d_model, heads, context, batch):
    """optbench's problem spec of a transformer configuration on corpus."""
    return (f"transformer,task=chars,corpus={corpus},layers={layers},d_model={d_model},heads={heads},"
            f"context={context},batch={batch}")


def training_steps(optbench, steps, corpus):
    """Median step, forward+backward and optimizer ms per problem on the GPU."""
    problems = [
        ("rosenbrock,dim=1000000", "adamw,lr=1e-3"),
        ("logreg,dataset=digits", "adamw,lr=1e-2"),
        ("mlp,dataset=digits,hidden=[256,128]", "adamw,lr=1e-3"),
        ("mlp,dataset=fashion_mnist,hidden=[256,128],batch=128", "lion,lr=1e-4"),
    ] + [(transformer_spec(corpus, *cfg), "adamw,lr=1e-3") for cfg in TRANSFORMERS] + [
        # the tensor-aware optimizers' CUDA steps
        ("mlp,dataset=digits,hidden=[256,128]", "adafactor"),
        (transformer_spec(corpus, *TRANSFORMERS[0]), "muon,lr=0.02"),
        (transformer_spec(corpus, *TRANSFORMERS[0]), "sfadamw,lr=1e-3"),
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


def torch_transformer_seconds(layers, d_model, heads, context, batch, steps, warmup):
    """Median seconds of torch's training step of the transformer on the GPU:
    windows indexed out of a token tensor, forward, cross-entropy, backward,
    fused AdamW."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    model = make_gpt(layers, d_model, heads, context, VOCAB).cuda()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, fused=True)
    data = torch.randint(0, VOCAB, (CORPUS_BYTES,), device="cuda")
    offsets = torch.arange(context + 1, device="cuda")

    def step():
        starts = torch.randint(0, CORPUS_BYTES - context - 1, (batch, 1), device="cuda")
        window = data[starts + offsets]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(window[:, :-1]).reshape(-1, VOCAB), window[:, 1:].reshape(-1))
        loss.backward()
        opt.step()

    sec = cuda_median_seconds(step, warmup, steps)
    del model, opt, data
    torch.cuda.empty_cache()
    return sec


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--optbench", default=os.environ.get("OPTBENCH", "./optbench"))
    ap.add_argument("--n", default="1000000,10000000,100000000",
                    help="comma-separated parameter counts")
    ap.add_argument("--optimizers", default="all", help="comma-separated optimizer names, or all")
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--steps", type=int, default=200, help="steps of each training-step run")
    ap.add_argument("--save-bench", help="write optbench's bench rows to this file as JSON lines")
    args = ap.parse_args()
    sizes = [int(float(x)) for x in args.n.split(",")]
    optimizers = optimizer_names(args.optbench) if args.optimizers == "all" else args.optimizers.split(",")

    import torch

    if not torch.cuda.is_available():
        sys.exit("cuda_optim.py: torch sees no CUDA device")
    gpu = torch.cuda.get_device_name(0)
    rows, no_kernel, failed = run_optbench_bench(args.optbench, optimizers, sizes, args.repeats)
    if args.save_bench:
        with open(args.save_bench, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
    print(f"# {gpu}; torch {torch.__version__}; median of {args.repeats} steps after warm-up\n")
    if no_kernel:
        print(f"Not benchmarked (no CUDA kernel, or not elementwise): {', '.join(no_kernel)}\n")
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

    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        write_corpus(corpus)
        print("\n| problem | optimizer | step ms | fwd+bwd ms | optimizer ms | device peak MiB |")
        print("|---|---|---:|---:|---:|---:|")
        steps = training_steps(args.optbench, args.steps, corpus)
        for problem, optimizer, step, fb, opt, peak in steps:
            print(f"| {problem.replace(corpus, 'CORPUS')} | {optimizer} | {1e3 * step:.3f} | {1e3 * fb:.3f} | "
                  f"{1e3 * opt:.3f} | {peak / 2**20:.1f} |")
        print(f"\nTransformer training step on the GPU (CORPUS: {CORPUS_BYTES} random bytes of {VOCAB} letters; "
              f"AdamW; median of {args.steps} steps)\n")
        print("| layers | d_model | heads | context | batch | optbench ms | torch ms (fused AdamW) | optbench/torch |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for cfg in TRANSFORMERS:
            ours = next((r[2] for r in steps if r[0] == transformer_spec(corpus, *cfg) and r[1].startswith("adamw")),
                        None)
            theirs = torch_transformer_seconds(*cfg, args.steps, args.warmup)
            ratio = f"{ours / theirs:.2f}" if ours else "-"
            ours_ms = f"{1e3 * ours:.3f}" if ours else "failed"
            print("| " + " | ".join(str(x) for x in cfg) + f" | {ours_ms} | {1e3 * theirs:.3f} | {ratio} |")
    if failed:
        sys.exit(f"cuda_optim.py: optbench bench --device cuda failed for {', '.join(failed)}")


if __name__ == "__main__":
    main()
