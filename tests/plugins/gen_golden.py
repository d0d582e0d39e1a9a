#!/usr/bin/env python3
"""gen_golden.py: writes the golden update vectors of the example plugins
(examples/plugins/) into tests/plugins/golden/.

Each optimizer is written here again from its paper with torch operations
(float32), independently of the plugin's C: CautiousLion (Liang et al.
2024, the C-Lion of the authors' code: Lion's update kept where its sign
agrees with the gradient's, rescaled by numel / (kept + 1) per tensor) and
AdEMAMix (Pagliardini et al. 2024, Algorithm 1 with the alpha and beta3
warm-ups of the authors' code). A file holds 20 steps; with tensors, each
is its own torch parameter (the cautious mask is per tensor) and the groups
of optbench (matrices, embeddings, vectors) are torch parameter groups.

Inputs come from torch.Generator seeded with the file's index in CONFIGS,
so running this rewrites the committed files byte for byte (torch 1.13).

    /usr/bin/python3 tests/plugins/gen_golden.py [OUTDIR]   (default: golden/ beside this file)
"""
import math
import os
import sys

import torch

STEPS = 20
GROUPS = {"matrix": "matrices", "embedding": "embeddings", "vector": "vectors"}

# (file, optimizer, hparams as written in the file, tensors as (name, role, shape) or None: one vector of 64)
CONFIGS = [
    ("cautious_lion_1", "cautious_lion", "lr=0.001", None),
    ("cautious_lion_2", "cautious_lion", "lr=0.001,beta1=0.95,beta2=0.98,weight_decay=0.5,vectors.weight_decay=0.0",
     [("w", "matrix", (8, 6)), ("b", "vector", (6,)), ("emb", "embedding", (5, 4))]),
    ("ademamix_1", "ademamix", "lr=0.001", None),
    ("ademamix_2", "ademamix",
     "lr=0.002,beta1=0.8,beta2=0.95,beta3=0.999,alpha=5,weight_decay=0.1,alpha_warmup=12,beta3_warmup=15,"
     "vectors.weight_decay=0.0",
     [("w", "matrix", (8, 6)), ("b", "vector", (6,))]),
]


class CautiousLion(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, beta1=beta1, beta2=beta2, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            lr, b1, b2 = group["lr"], group["beta1"], group["beta2"]
            for p in group["params"]:
                state = self.state[p]
                if not state:
                    state["m"] = torch.zeros_like(p)
                m, g = state["m"], p.grad
                update = torch.sign(m * b1 + g * (1 - b1))
                mask = (update * g > 0).to(g.dtype)
                mask = mask * (mask.numel() / (mask.sum() + 1))
                p.mul_(1 - lr * group["weight_decay"])
                p.add_(update * mask, alpha=-lr)
                m.mul_(b2).add_(g, alpha=1 - b2)


class AdEMAMix(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, beta1=0.9, beta2=0.999, beta3=0.9999, alpha=2.0, eps=1e-8,
                 weight_decay=0.0, alpha_warmup=0, beta3_warmup=0):
        super().__init__(params, dict(lr=lr, beta1=beta1, beta2=beta2, beta3=beta3, alpha=alpha, eps=eps,
                                      weight_decay=weight_decay, alpha_warmup=alpha_warmup,
                                      beta3_warmup=beta3_warmup))

    @staticmethod
    def beta3_at(t, warmup, start, end):
        half_life = lambda beta: math.log(0.5) / math.log(beta + 1e-8) - 1
        if warmup <= 0 or t >= warmup:
            return end
        a = t / warmup
        return math.pow(0.5, 1 / ((1 - a) * half_life(start) + a * half_life(end) + 1))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            b1, b2 = group["beta1"], group["beta2"]
            for p in group["params"]:
                state = self.state[p]
                if not state:
                    state["t"] = 0
                    state["m1"], state["m2"], state["nu"] = (torch.zeros_like(p) for _ in range(3))
                state["t"] += 1
                t, g = state["t"], p.grad
                ta = group["alpha_warmup"]
                alpha = group["alpha"] * t / ta if 0 < ta and t < ta else group["alpha"]
                b3 = self.beta3_at(t, group["beta3_warmup"], b1, group["beta3"])
                state["m1"].mul_(b1).add_(g, alpha=1 - b1)
                state["m2"].mul_(b3).add_(g, alpha=1 - b3)
                state["nu"].mul_(b2).addcmul_(g, g, value=1 - b2)
                denom = (state["nu"].sqrt() / math.sqrt(1 - b2 ** t)).add_(group["eps"])
                update = (state["m1"] / (1 - b1 ** t) + alpha * state["m2"]) / denom
                update.add_(p, alpha=group["weight_decay"])
                p.add_(-group["lr"] * update)


def parse(hparams):
    """'k=v,...,GROUP.k=v' into set-wide values and each group's overrides."""
    values, groups = {}, {g: {} for g in GROUPS.values()}
    for item in hparams.split(","):
        key, value = item.split("=")
        group, _, name = key.rpartition(".")
        (groups[group] if group else values)[name] = float(value)
    return values, groups


def row(tag, values):
    return tag + " " + " ".join(f"{float(v):.9g}" for v in values) + "\n"


def generate(index, name, hparams, tensors):
    gen = torch.Generator().manual_seed(2000 + index)
    tensors = tensors or [("p", "vector", (64,))]
    params = [torch.randn(*shape, generator=gen, dtype=torch.float32) for _, _, shape in tensors]
    values, overrides = parse(hparams)
    groups = []
    for group in GROUPS.values():
        members = [p for p, (_, role, _) in zip(params, tensors) if GROUPS[role] == group]
        if members:
            groups.append(dict(params=members, **{**values, **overrides[group]}))
    opt = {"cautious_lion": CautiousLion, "ademamix": AdEMAMix}[name](groups)
    flat = lambda ts: torch.cat([t.reshape(-1) for t in ts]).tolist()
    n = sum(p.numel() for p in params)
    text = ("# optbench golden update vector (reference: tests/plugins/gen_golden.py, torch ops, float32)\n"
            f"optimizer {name}\nhparams {hparams}\n")
    if len(tensors) > 1:
        text += f"tensors {len(tensors)}\n" + "".join(
            f"tensor {tname} {role} {' '.join(map(str, shape))}\n" for tname, role, shape in tensors)
    text += f"n {n}\nsteps {STEPS}\n" + row("p0", flat(params))
    for t in range(1, STEPS + 1):
        scale = 2.0 if t % 5 == 0 else 0.7 / t ** 0.5
        grads = [torch.randn(*p.shape, generator=gen, dtype=torch.float32) * scale for p in params]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        opt.step()
        text += row(f"g{t}", flat(grads)) + row(f"p{t}", flat(params))
    return text


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
    torch.set_num_threads(1)
    os.makedirs(outdir, exist_ok=True)
    for index, (fname, name, hparams, tensors) in enumerate(CONFIGS):
        with open(os.path.join(outdir, fname + ".txt"), "w") as f:
            f.write(generate(index, name, hparams, tensors))
    print(f"wrote {len(CONFIGS)} files to {outdir}")


if __name__ == "__main__":
    main()
