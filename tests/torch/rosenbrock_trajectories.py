#!/usr/bin/python3
"""Rosenbrock trajectories: optbench against torch.optim.

For each configuration below, runs torch.optim (float32, single-tensor path)
for 500 steps on the Rosenbrock function of DESIGN.md, and the same
configuration through `optbench run --log-every 1` into a temporary database,
then compares the per-step losses. A step's loss is the loss at the
parameters left by the previous step, reduced in double on both sides.
Passes when the largest relative difference is within 1e-4 (5e-3 for Lion,
whose sign makes float32 rounding visible). Exit 1 on any failure.

Environment: OPTBENCH, the optbench binary (default ./optbench).
"""
import math
import os
import sqlite3
import subprocess
import sys
import tempfile

import torch

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


def main():
    binary = os.environ.get("OPTBENCH", "./optbench")
    torch.set_num_threads(1)
    failures = 0
    print(f"torch {torch.__version__}; {STEPS} steps; relative tolerance 1e-4 (lion 5e-3)")
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "traj.db")
        for optimizer, make_opt, dim, schedule, clip in CASES:
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
    print(f"torch trajectories: {len(CASES) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
