#!/usr/bin/python3
"""Rosenbrock trajectories: optbench against torch.optim; and logistic
regression on digits with parameter groups, per step, against torch.

For each configuration below, runs torch.optim (float32, single-tensor path)
for 500 steps on the Rosenbrock function of problems/rosenbrock.c, and the same
configuration through `optbench run --log-every 1` into a temporary database,
then compares the per-step losses. A step's loss is the loss at the
parameters left by the previous step, reduced in double on both sides.
Passes when the largest relative difference is within 1e-4 (5e-3 for Lion,
whose sign makes float32 rounding visible). nadam, radam and adamax have a
section of their own below. adafactor, muon and sfadamw,
which torch 1.13 lacks, run through the reference implementations of
reference_optimizers.py beside this file. The parameter-group cases
(GROUP_CASES) train logreg on digits from the same (zero) parameters on the
same minibatches: this script rebuilds optbench's fixed split,
standardisation and minibatch order from its counter-based generator
(splitmix64) and compares every step's loss. Exit 1 on any failure.

Environment: OPTBENCH, the optbench binary (default ./optbench).
"""
import gzip
import math
import os
import sqlite3
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_optimizers as ref  # noqa: E402

STEPS = 500


class Lion(torch.optim.Optimizer):
    """The paper's Lion (Chen et al. 2023), written with torch operations."""

    def __init__(self, params, lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0.0, wd_mode="decoupled"):
        super().__init__(params, dict(lr=lr, beta1=beta1, beta2=beta2, weight_decay=weight_decay, wd_mode=wd_mode))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                state = self.state[p]
                if not state:
                    state["m"] = torch.zeros_like(p)
                m = state["m"]
                lr, wd = group["lr"], group["weight_decay"]
                if group["wd_mode"] == "decoupled":
                    p.mul_(1 - lr * wd)
                elif wd != 0:
                    g = g.add(p, alpha=wd)
                c = m.mul(group["beta1"]).add_(g, alpha=1 - group["beta1"])
                p.add_(torch.sign(c), alpha=-lr)
                m.mul_(group["beta2"]).add_(g, alpha=1 - group["beta2"])


def rosenbrock(x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def schedule_factor(spec, t, steps):
    """lr(t) / lr of optbench's schedules (harness/run/schedule.h)."""
    name, _, rest = spec.partition(",")
    opts = dict(kv.split("=") for kv in rest.split(",") if kv)
    warmup, min_lr = int(opts.get("warmup", 0)), float(opts.get("min_lr", 0))
    return name, warmup, min_lr


def lr_at(spec, base, t, steps):
    name, warmup, min_lr = schedule_factor(spec, t, steps)
    if t <= warmup:
        return base * t / warmup
    if name == "constant":
        return base
    e, horizon = t - warmup - 1, max(steps - warmup, 1)
    if name == "cosine":
        return min_lr + (base - min_lr) * (1 + math.cos(math.pi * e / horizon)) / 2
    return base + (min_lr - base) * e / horizon


def torch_losses(make_opt, dim, schedule, clip):
    start = [-1.2 if i % 2 == 0 else 1.0 for i in range(dim)]
    x = torch.tensor(start, dtype=torch.float32, requires_grad=True)
    opt = make_opt([x])
    base = opt.param_groups[0]["lr"]
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: lr_at(schedule, base, e + 1, STEPS) / base)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = rosenbrock(x)
        losses.append(rosenbrock(x.detach().double()).item())
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_([x], clip)
        opt.step()
        sched.step()
    return losses


def optbench_losses(binary, db, optimizer, dim, schedule, clip):
    cmd = [binary, "run", "--problem", f"rosenbrock,dim={dim}", "--optimizer", optimizer,
           "--schedule", schedule, "--clip", str(clip), "--steps", str(STEPS), "--log-every", "1",
           "--db", db, "--quiet", "--divergence-factor", "1e30"]
    subprocess.run(cmd, check=True)
    con = sqlite3.connect(db)
    rows = con.execute("SELECT step, loss FROM metrics WHERE run_id = (SELECT max(id) FROM runs) ORDER BY step").fetchall()
    con.close()
    return [loss for _, loss in rows]


O = torch.optim
CASES = [
    # (optbench optimizer spec, torch constructor, dim, schedule, clip)
    ("sgd,lr=1e-4", lambda p: O.SGD(p, lr=1e-4), 2, "constant", 0),
    ("sgd,lr=1e-4,momentum=0.9", lambda p: O.SGD(p, lr=1e-4, momentum=0.9), 10, "constant", 0),
    ("sgd,lr=1e-4,momentum=0.9,dampening=0.1", lambda p: O.SGD(p, lr=1e-4, momentum=0.9, dampening=0.1), 2, "constant", 0),
    ("sgd,lr=1e-4,momentum=0.8,nesterov=1,weight_decay=0.01",
     lambda p: O.SGD(p, lr=1e-4, momentum=0.8, nesterov=True, weight_decay=0.01), 10, "constant", 0),
    ("adagrad,lr=0.1", lambda p: O.Adagrad(p, lr=0.1), 2, "constant", 0),
    ("adagrad,lr=0.1,lr_decay=0.01,weight_decay=0.01,initial_accumulator_value=0.1",
     lambda p: O.Adagrad(p, lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1), 10, "constant", 0),
    ("rmsprop,lr=1e-3", lambda p: O.RMSprop(p, lr=1e-3), 2, "constant", 0),
    ("rmsprop,lr=1e-4,momentum=0.9,centered=1,weight_decay=0.01",
     lambda p: O.RMSprop(p, lr=1e-4, momentum=0.9, centered=True, weight_decay=0.01), 10, "constant", 0),
    ("adam,lr=1e-2", lambda p: O.Adam(p, lr=1e-2, foreach=False), 2, "constant", 0),
    ("adam,lr=1e-2,weight_decay=0.1,amsgrad=1", lambda p: O.Adam(p, lr=1e-2, weight_decay=0.1, amsgrad=True, foreach=False), 10, "constant", 0),
    ("adamw,lr=1e-2", lambda p: O.AdamW(p, lr=1e-2, foreach=False), 2, "constant", 0),
    ("adamw,lr=1e-2,weight_decay=0.1,amsgrad=1,beta1=0.8,beta2=0.95,eps=1e-6",
     lambda p: O.AdamW(p, lr=1e-2, weight_decay=0.1, amsgrad=True, betas=(0.8, 0.95), eps=1e-6, foreach=False), 10, "constant", 0),
    ("adamw,lr=2e-2", lambda p: O.AdamW(p, lr=2e-2, foreach=False), 10, "cosine,warmup=50,min_lr=1e-3", 5.0),
    ("adam,lr=1e-2", lambda p: O.Adam(p, lr=1e-2, foreach=False), 2, "linear,warmup=20", 1.0),
    ("lion,lr=1e-3", lambda p: Lion(p, lr=1e-3), 2, "constant", 0),
    ("lion,lr=3e-4,weight_decay=0.5", lambda p: Lion(p, lr=3e-4, weight_decay=0.5), 10, "constant", 0),
    ("lion,lr=1e-3,weight_decay=1,beta1=0.95,beta2=0.98", lambda p: Lion(p, lr=1e-3, weight_decay=1.0, beta1=0.95, beta2=0.98), 2, "cosine,warmup=10", 0),
    ("lion,lr=1e-3,weight_decay=0.1,beta1=0.9,beta2=0.9,wd_mode=l2",
     lambda p: Lion(p, lr=1e-3, weight_decay=0.1, beta1=0.9, beta2=0.9, wd_mode="l2"), 10, "constant", 0),
    ("lion_l2,lr=1e-3,beta=0.9,weight_decay=0.1",
     lambda p: Lion(p, lr=1e-3, weight_decay=0.1, beta1=0.9, beta2=0.9, wd_mode="l2"), 2, "constant", 0),
]

# nadam, radam and adamax against torch.optim 1.13: each option, and
# schedules with clipping. The settings keep off the chaotic regime of the
# Rosenbrock valley, where one float32 rounding (torch's CPU kernels contract
# m = b1*m + (1-b1)*g into a fused multiply-add, optbench rounds twice)
# grows past 1e-4 within 500 steps whatever the implementation.
CASES += [
    ("nadam,lr=1e-2", lambda p: O.NAdam(p, lr=1e-2, foreach=False), 2, "constant", 0),
    ("nadam,lr=3e-3,beta1=0.8,beta2=0.95,weight_decay=0.01,momentum_decay=0.01,eps=1e-6",
     lambda p: O.NAdam(p, lr=3e-3, betas=(0.8, 0.95), weight_decay=0.01, momentum_decay=0.01, eps=1e-6,
                       foreach=False), 10, "constant", 0),
    ("nadam,lr=3e-3,momentum_decay=0", lambda p: O.NAdam(p, lr=3e-3, momentum_decay=0, foreach=False), 10,
     "constant", 0),
    ("nadam,lr=3e-3,beta2=0.99,weight_decay=0.1,momentum_decay=0.02",
     lambda p: O.NAdam(p, lr=3e-3, betas=(0.9, 0.99), weight_decay=0.1, momentum_decay=0.02, foreach=False), 10,
     "constant", 0),
    ("nadam,lr=1e-2,momentum_decay=0.05", lambda p: O.NAdam(p, lr=1e-2, momentum_decay=0.05, foreach=False), 2,
     "cosine,warmup=20", 1.0),
    ("radam,lr=1e-3", lambda p: O.RAdam(p, lr=1e-3, foreach=False), 2, "constant", 0),
    ("radam,lr=1e-3,weight_decay=0.1", lambda p: O.RAdam(p, lr=1e-3, weight_decay=0.1, foreach=False), 10,
     "constant", 0),
    ("radam,lr=1e-3,beta1=0.85,beta2=0.9,weight_decay=0.05",
     lambda p: O.RAdam(p, lr=1e-3, betas=(0.85, 0.9), weight_decay=0.05, foreach=False), 2, "constant", 0),
    ("radam,lr=1e-2", lambda p: O.RAdam(p, lr=1e-2, foreach=False), 2, "constant", 1.0),
    ("radam,lr=5e-3,weight_decay=0.1", lambda p: O.RAdam(p, lr=5e-3, weight_decay=0.1, foreach=False), 10,
     "constant", 1.0),
    ("radam,lr=3e-3,beta2=0.99,eps=1e-6", lambda p: O.RAdam(p, lr=3e-3, betas=(0.9, 0.99), eps=1e-6, foreach=False),
     10, "linear,warmup=10", 1.0),
    ("adamax,lr=1e-2", lambda p: O.Adamax(p, lr=1e-2, foreach=False), 2, "constant", 0),
    ("adamax,lr=2e-2,beta1=0.8,beta2=0.99,weight_decay=0.1,eps=1e-6",
     lambda p: O.Adamax(p, lr=2e-2, betas=(0.8, 0.99), weight_decay=0.1, eps=1e-6, foreach=False), 10, "constant", 0),
    ("adamax,lr=2e-3", lambda p: O.Adamax(p, lr=2e-3, foreach=False), 10, "cosine,warmup=50,min_lr=1e-4", 5.0),
]

# ---- tensor-aware optimizers on Rosenbrock (x is one vector tensor) ----
TENSOR_CASES = [
    ("adafactor,lr=0.01", lambda p: ref.Adafactor(p, lr=0.01), 2, "constant", 0),
    ("adafactor,lr=0.05,beta2_decay=-0.5,eps2=0.01,d=1.5,weight_decay=0.1",
     lambda p: ref.Adafactor(p, lr=0.05, beta2_decay=-0.5, eps2=0.01, d=1.5, weight_decay=0.1), 10, "constant", 0),
    ("adafactor,lr=0.02", lambda p: ref.Adafactor(p, lr=0.02), 10, "cosine,warmup=20", 0),
    # a vector takes muon's AdamW branch, at adam_lr x the schedule's factor
    ("muon,lr=0.02,adam_lr=0.003", lambda p: ref.Muon(p, lr=0.02, adam_lr=0.003), 2, "constant", 0),
    ("muon,lr=0.02,adam_lr=0.02,adam_beta1=0.8,adam_beta2=0.99,adam_weight_decay=0.1",
     lambda p: ref.Muon(p, lr=0.02, adam_lr=0.02, adam_beta1=0.8, adam_beta2=0.99, adam_weight_decay=0.1), 10,
     "cosine,warmup=50", 0),
    ("sfadamw,lr=0.01", lambda p: ref.SFAdamW(p, lr=0.01), 2, "constant", 0),
    ("sfadamw,lr=0.02,beta1=0.8,weight_decay=0.05,warmup_steps=5,r=0.5",
     lambda p: ref.SFAdamW(p, lr=0.02, beta1=0.8, weight_decay=0.05, warmup_steps=5, r=0.5), 10, "constant", 0),
    ("sfadamw,lr=0.01,weight_lr_power=1", lambda p: ref.SFAdamW(p, lr=0.01, weight_lr_power=1), 10, "linear,warmup=10", 0),
]


# ---- parameter groups: logreg on digits, the same parameters and minibatches ----
GROUP_STEPS = 200
GROUP_BATCH = 64
MASK = (1 << 64) - 1


def mix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def rng_bits(seed, stream, counter):
    """optbench's counter-based generator (harness/core/rng_impl.h)."""
    return mix64(mix64(mix64(seed) ^ stream) ^ counter)


def digits_train(path="data/digits.csv.gz", test_fraction=0.2):
    """optbench's training rows of digits: the fixed shuffle (seed 0, stream
    5), the last round(test_fraction * rows) held out, features standardised
    with the training rows' mean and std (in double, stored as float32)."""
    rows = [line.split(",") for line in gzip.open(path, "rt") if line.strip()]
    x = [[float(v) for v in r[:-1]] for r in rows]
    y = [int(float(r[-1])) for r in rows]
    for i in range(len(x) - 1, 0, -1):
        j = rng_bits(0, 5, i) % (i + 1)
        x[i], x[j] = x[j], x[i]
        y[i], y[j] = y[j], y[i]
    n = len(x) - int(math.floor(test_fraction * len(x) + 0.5))
    x, y = x[:n], y[:n]
    feats = len(x[0])
    mean = [math.fsum(r[f] for r in x) / n for f in range(feats)]
    var = [sum((r[f] - mean[f]) ** 2 for r in x) for f in range(feats)]
    inv = [1 / math.sqrt(v / n) if v > 0 else 1.0 for v in var]
    xs = torch.tensor([[(r[f] - mean[f]) * inv[f] for f in range(feats)] for r in x], dtype=torch.float32)
    return xs, torch.tensor(y)


def batch_rows(seed, batch, n, size):
    """Rows of minibatch `batch` (optbench's classifier_batch: a Fisher-Yates
    permutation per epoch from (seed, stream 3))."""
    per_epoch = (n + size - 1) // size
    epoch, first = batch // per_epoch, (batch % per_epoch) * size
    order = list(range(n))
    if size < n:
        for i in range(n - 1, 0, -1):
            j = rng_bits(seed, 3, epoch * n + i) % (i + 1)
            order[i], order[j] = order[j], order[i]
    return order[first:first + size]


O_ = torch.optim
GROUP_CASES = [
    # (optbench optimizer spec, schedule, torch constructor of (weight, bias)); both start at 0 (logreg)
    ("adamw,lr=0.01,weight_decay=0.1,vectors.weight_decay=0,vectors.lr_scale=2", "cosine,warmup=20",
     lambda w, b: O_.AdamW([{"params": [w]}, {"params": [b], "weight_decay": 0.0, "lr": 0.02}], lr=0.01,
                           weight_decay=0.1, foreach=False)),
    ("sgd,lr=0.1,momentum=0.9,vectors.momentum=0,matrices.weight_decay=0.01", "constant",
     lambda w, b: O_.SGD([{"params": [w], "weight_decay": 0.01}, {"params": [b], "momentum": 0.0}], lr=0.1,
                         momentum=0.9)),
    ("lion,lr=3e-4,weight_decay=1,vectors.lr_scale=0.5", "constant",
     lambda w, b: Lion([{"params": [w]}, {"params": [b], "lr": 1.5e-4}], lr=3e-4, weight_decay=1.0)),
    ("adafactor,lr=0.01,matrices.weight_decay=0.1", "constant",
     lambda w, b: ref.Adafactor([{"params": [w], "weight_decay": 0.1}, {"params": [b]}], lr=0.01)),
    ("muon,lr=0.02,adam_lr=0.01,vectors.adam_weight_decay=0.1,vectors.lr_scale=2", "constant",
     lambda w, b: ref.Muon([{"params": [w], "role": "matrix"},
                            {"params": [b], "adam_weight_decay": 0.1, "lr": 0.04, "lr_ref": 0.02}],
                           lr=0.02, adam_lr=0.01)),
    ("muon,lr=0.01,momentum=0.9,nesterov=0,adjust_lr=match_rms_adamw,weight_decay=0.05", "cosine,warmup=10",
     lambda w, b: ref.Muon([{"params": [w], "role": "matrix"}, {"params": [b]}], lr=0.01, momentum=0.9,
                           nesterov=False, adjust_lr="match_rms_adamw", weight_decay=0.05)),
    ("sfadamw,lr=0.01,weight_decay=0.05,vectors.weight_decay=0", "constant",
     lambda w, b: ref.SFAdamW([{"params": [w]}, {"params": [b], "weight_decay": 0.0}], lr=0.01, weight_decay=0.05)),
]


def group_losses_torch(make_opt, schedule, x, y, seed=0):
    w = torch.zeros(10, x.shape[1], requires_grad=True)
    b = torch.zeros(10, requires_grad=True)
    opt = make_opt(w, b)
    bases = [g["lr"] for g in opt.param_groups]
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, [lambda e, base=base: lr_at(schedule, base, e + 1, GROUP_STEPS) / base for base in bases])
    losses = []
    for s in range(GROUP_STEPS):
        rows = batch_rows(seed, s, x.shape[0], GROUP_BATCH)
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(x[rows] @ w.T + b, y[rows])
        losses.append(loss.item())
        loss.backward()
        opt.step()
        sched.step()
    return losses


def group_losses_optbench(binary, db, optimizer, schedule):
    cmd = [binary, "run", "--problem", f"logreg,dataset=digits,batch={GROUP_BATCH}", "--optimizer", optimizer,
           "--schedule", schedule, "--steps", str(GROUP_STEPS), "--log-every", "1", "--db", db, "--quiet"]
    subprocess.run(cmd, check=True)
    con = sqlite3.connect(db)
    rows = con.execute("SELECT step, loss FROM metrics WHERE run_id = (SELECT max(id) FROM runs) ORDER BY step").fetchall()
    con.close()
    return [loss for _, loss in rows]


def group_checks(binary, db):
    """Every GROUP_CASES entry; returns the number of failures."""
    x, y = digits_train()
    failures = 0
    for optimizer, schedule, make_opt in GROUP_CASES:
        want = group_losses_torch(make_opt, schedule, x, y)
        got = group_losses_optbench(binary, db, optimizer, schedule)
        tol = 5e-3 if optimizer.startswith("lion") else 1e-4
        errs = [abs(a - b) / max(abs(b), 1e-12) for a, b in zip(got, want)] if len(got) == len(want) else [math.inf]
        worst = max(errs)
        ok = worst <= tol
        failures += not ok
        print(f"{'OK ' if ok else 'BAD'} logreg {optimizer:75s} {schedule:18s} final {want[-1]:.6g} "
              f"worst rel {worst:.2e} at step {errs.index(worst) + 1}")
    print(f"parameter groups: {len(GROUP_CASES) - failures} passed, {failures} failed")
    return failures


def main():
    binary = os.environ.get("OPTBENCH", "./optbench")
    torch.set_num_threads(1)
    failures = 0
    print(f"torch {torch.__version__}; {STEPS} steps; relative tolerance 1e-4 (lion 5e-3)")
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "traj.db")
        for optimizer, make_opt, dim, schedule, clip in CASES + TENSOR_CASES:
            ref = torch_losses(make_opt, dim, schedule, clip)
            got = optbench_losses(binary, db, optimizer, dim, schedule, clip)
            tol = 5e-3 if optimizer.startswith("lion") else 1e-4
            if len(got) != len(ref):
                worst, at = math.inf, len(got)
            else:
                errs = [abs(a - b) / max(abs(b), 1e-12) for a, b in zip(got, ref)]
                worst = max(errs)
                at = errs.index(worst) + 1
            ok = worst <= tol
            failures += not ok
            print(f"{'OK ' if ok else 'BAD'} dim {dim:2d} {optimizer:70s} {schedule:30s} clip {clip:<4g} "
                  f"final {ref[-1]:.6g} worst rel {worst:.2e} at step {at}")
        print(f"torch trajectories: {len(CASES) + len(TENSOR_CASES) - failures} passed, {failures} failed")
        failures += group_checks(binary, db)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
