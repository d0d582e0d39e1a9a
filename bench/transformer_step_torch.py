#!/usr/bin/python3
"""transformer_step_torch.py — one training step (forward, backward, AdamW)
of optbench's transformer problem against PyTorch on the same model, batch
and thread count.

The model is the GPT of problems/transformer.c: 2 layers, d_model 128, 4 heads, context
64, vocabulary 64, batch 16; token and position embeddings, pre-LayerNorm
blocks of causal attention and a 4x GELU MLP, a final LayerNorm and the
output head tied to the token embedding, cross-entropy at every position.

optbench's figure is the median whole-step time that `optbench run` records
(runs.step_time_median: drawing the minibatch windows, forward, backward and
the AdamW update) for task=chars on a generated corpus of exactly 64
distinct bytes. PyTorch's is the median of the same step timed with
perf_counter: index 16 random windows out of a token tensor, zero_grad,
forward (attention written out as in nanoGPT's fallback path, since torch
1.13 has no fused scaled_dot_product_attention), cross-entropy, backward,
torch.optim.AdamW.step. Threads, OMP_WAIT_POLICY=passive and the
alternating best-of-rounds measurement are those of mlp_step_torch.py.

Each round also times optbench's sgemm floor: the step's own matrix products
alone (same shapes, transposes and thread count, `optbench bench --gemm`),
what the step would cost if everything around them took no time; a second
table gives it, the rest of the step, and its share of torch's step (the
best optbench/torch reachable without a faster sgemm).

usage: OPTBENCH=./optbench /usr/bin/python3 bench/transformer_step_torch.py [--steps N] [--rounds R]
"""
import argparse
import ctypes
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlp_step_torch import blas_libraries, optbench_median, thread_env  # noqa: E402

LAYERS, D_MODEL, HEADS, CONTEXT, VOCAB, BATCH = 2, 128, 4, 64, 64, 16
THREADS = [1, 2]
CORPUS_BYTES = 1 << 20


def make_gpt(layers, d_model, heads, context, vocab):
    """optbench's transformer in torch (on the CPU; .to() moves it)."""
    import torch
    import torch.nn.functional as F

    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = torch.nn.LayerNorm(d_model)
            self.qkv = torch.nn.Linear(d_model, 3 * d_model)
            self.proj = torch.nn.Linear(d_model, d_model)
            self.ln2 = torch.nn.LayerNorm(d_model)
            self.fc = torch.nn.Linear(d_model, 4 * d_model)
            self.fc_proj = torch.nn.Linear(4 * d_model, d_model)
            self.register_buffer("mask", torch.tril(torch.ones(context, context, dtype=torch.bool)))

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
            q, k, v = (t.view(B, T, heads, C // heads).transpose(1, 2) for t in (q, k, v))
            att = (q @ k.transpose(-2, -1)) * (1.0 / (C // heads) ** 0.5)
            att = F.softmax(att.masked_fill(~self.mask[:T, :T], float("-inf")), dim=-1)
            x = x + self.proj((att @ v).transpose(1, 2).contiguous().view(B, T, C))
            return x + self.fc_proj(F.gelu(self.fc(self.ln2(x))))

    class GPT(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = torch.nn.Embedding(vocab, d_model)
            self.wpe = torch.nn.Embedding(context, d_model)
            self.blocks = torch.nn.ModuleList(Block() for _ in range(layers))
            self.lnf = torch.nn.LayerNorm(d_model)

        def forward(self, idx):
            x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1], device=idx.device))
            for block in self.blocks:
                x = block(x)
            return F.linear(self.lnf(x), self.wte.weight)

    return GPT()


def torch_step(steps, threads):
    """Median seconds of one torch training step (run in a child process)."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = make_gpt(LAYERS, D_MODEL, HEADS, CONTEXT, VOCAB)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    data = torch.randint(0, VOCAB, (CORPUS_BYTES,))
    offsets = torch.arange(CONTEXT + 1)
    times = []
    for _ in range(steps):
        starts = torch.randint(0, CORPUS_BYTES - CONTEXT - 1, (BATCH, 1))
        t0 = time.perf_counter()
        window = data[starts + offsets]
        x, y = window[:, :-1], window[:, 1:]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x).view(-1, VOCAB), y.reshape(-1))
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times[steps // 10:])


def optbench_spec(corpus):
    """The bench configuration as an optbench problem spec."""
    return (f"transformer,task=chars,corpus={corpus},layers={LAYERS},d_model={D_MODEL},heads={HEADS},"
            f"context={CONTEXT},batch={BATCH}")


def optbench_step(binary, corpus, steps, threads, db):
    """Median whole-step seconds of optbench's transformer step."""
    return optbench_median(binary, optbench_spec(corpus), steps, threads, db)


def sgemm_floor(binary, spec, threads):
    """Seconds of the step's products alone at `threads` (optbench bench --gemm's sgemm_floor_ms)."""
    out = subprocess.run([binary, "bench", "--gemm", "--json", "--problem", spec, "--threads", str(threads),
                          "--repeats", "3", "--warmup", "1"], check=True, capture_output=True, text=True,
                         env=thread_env(threads))
    return json.loads(out.stdout.splitlines()[-1])["sgemm_floor_ms"] / 1e3


def torch_step_in_child(steps, threads):
    """torch_step in a fresh process with the thread environment."""
    out = subprocess.run([sys.executable, __file__, "--steps", str(steps), "--torch-worker", str(threads)],
                         check=True, capture_output=True, text=True, env=thread_env(threads))
    return float(out.stdout.split()[-1])


def write_corpus(path, vocab=VOCAB):
    """A corpus of CORPUS_BYTES random bytes drawn from exactly vocab letters."""
    alphabet = bytes(range(48, 48 + vocab))
    rng = random.Random(0)
    text = bytearray(alphabet) + bytearray(rng.choice(alphabet) for _ in range(CORPUS_BYTES - VOCAB))
    with open(path, "wb") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=100, help="training steps per measurement")
    ap.add_argument("--rounds", type=int, default=3, help="alternating measurements of each side")
    ap.add_argument("--torch-worker", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_worker:
        print(torch_step(args.steps, args.torch_worker))
        return
    import torch

    binary = os.environ.get("OPTBENCH", "./optbench")
    torch.ones(64, 64) @ torch.ones(64, 64)  # loads the BLAS library
    libs = blas_libraries()
    print(f"torch {torch.__version__}; BLAS libraries mapped:", *libs, sep="\n  ")
    openblas = [p for p in libs if "openblas" in os.path.basename(p)]
    if openblas:
        corename = ctypes.CDLL(openblas[0]).openblas_get_corename
        corename.restype = ctypes.c_char_p
        print(f"OpenBLAS kernels for core {corename().decode()} (OPENBLAS_CORETYPE overrides the detection)")
    print(f"\nTransformer training step: {LAYERS} layers, d_model {D_MODEL}, {HEADS} heads, context {CONTEXT}, "
          f"vocabulary {VOCAB}, batch {BATCH}, AdamW; median of {args.steps} steps, best of {args.rounds} rounds")
    print(f"{'threads':>7} {'optbench ms':>12} {'torch ms':>10} {'optbench/torch':>15}")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        write_corpus(corpus)
        floors = {}
        for threads in THREADS:
            ours = theirs = floor = float("inf")
            for _ in range(args.rounds):
                ours = min(ours, optbench_step(binary, corpus, args.steps, threads, os.path.join(tmp, "b.db")))
                floor = min(floor, sgemm_floor(binary, optbench_spec(corpus), threads))
                theirs = min(theirs, torch_step_in_child(args.steps, threads))
            floors[threads] = (floor, ours, theirs)
            print(f"{threads:>7} {1e3 * ours:>12.3f} {1e3 * theirs:>10.3f} {ours / theirs:>15.2f}")
        print("\noptbench's sgemm floor: the step's own products alone, best of the same rounds")
        print(f"{'threads':>7} {'sgemm ms':>9} {'rest ms':>8} {'optbench/sgemm':>15} {'sgemm/torch':>12}")
        for threads, (floor, ours, theirs) in floors.items():
            print(f"{threads:>7} {1e3 * floor:>9.3f} {1e3 * (ours - floor):>8.3f} {ours / floor:>15.2f} "
                  f"{floor / theirs:>12.2f}")


if __name__ == "__main__":
    main()
