#!/usr/bin/env python3
"""gen_torch.py: writes the golden update vectors of tests/golden/.

Each file replays 20 steps of one optimizer configuration on 64 float32
parameters with torch.optim's single-tensor path (foreach=False), or, for
Lion, the paper's algorithm written with torch operations. Numbers are
printed with 9 significant digits (enough to round-trip a float32).

The inputs (p0 and the gradient of every step) are read from the file
already in OUTDIR when there is one, so regenerating reproduces the
committed vectors and shows whether this torch computes the same updates.
With --fresh, or for a new file, they come from torch.Generator seeded with
the file's index in CONFIGS: gradients shrink as 0.7/sqrt(t) with a large
one every fifth step.

    python3 tests/golden/gen_torch.py [--fresh] [OUTDIR]   (default: this folder)
"""
import os
import sys

import torch

N, STEPS = 64, 20

# (file, optimizer, hparams as written in the file); absent keys take their defaults.
CONFIGS = [
    ("sgd_1", "sgd", "lr=0.1"),
    ("sgd_2", "sgd", "lr=0.05,momentum=0.9"),
    ("sgd_3", "sgd", "lr=0.05,momentum=0.9,nesterov=1,weight_decay=0.01"),
    ("sgd_4", "sgd", "lr=0.05,momentum=0.9,dampening=0.1"),
    ("adagrad_1", "adagrad", "lr=0.1"),
    ("adagrad_2", "adagrad", "lr=0.1,lr_decay=0.01,weight_decay=0.01,initial_accumulator_value=0.1"),
    ("rmsprop_1", "rmsprop", "lr=0.01"),
    ("rmsprop_2", "rmsprop", "lr=0.01,momentum=0.9,centered=1,weight_decay=0.01"),
    ("adam_1", "adam", "lr=0.01"),
    ("adam_2", "adam", "lr=0.01,weight_decay=0.1,amsgrad=1"),
    ("adamw_1", "adamw", "lr=0.01"),
    ("adamw_2", "adamw", "lr=0.01,weight_decay=0.1,amsgrad=1,beta1=0.8,beta2=0.95,eps=1e-06"),
    ("lion_1", "lion", "lr=0.001"),
    ("lion_2", "lion", "lr=0.001,weight_decay=1.0,beta1=0.95,beta2=0.98"),
    ("lion_3", "lion", "lr=0.001,weight_decay=0.1,beta1=0.9,beta2=0.9,wd_mode=l2"),
    ("lion_l2_1", "lion_l2", "lr=0.001,beta=0.9,weight_decay=0.1"),
    ("nadam_1", "nadam", "lr=0.01"),
    ("nadam_2", "nadam", "lr=0.01,beta1=0.8,beta2=0.95,weight_decay=0.01,momentum_decay=0.01,eps=1e-06"),
    ("radam_1", "radam", "lr=0.01"),
    ("radam_2", "radam", "lr=0.01,beta1=0.85,beta2=0.9,weight_decay=0.05"),
    ("adamax_1", "adamax", "lr=0.01"),
    ("adamax_2", "adamax", "lr=0.02,beta1=0.8,beta2=0.99,weight_decay=0.1,eps=1e-06"),
]


class Lion(torch.optim.Optimizer):
    """Lion as in Chen et al. 2023, with wd_mode decoupled (the paper) or l2."""

    def __init__(self, params, lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0.0, wd_mode="decoupled"):
        super().__init__(params, dict(lr=lr, beta1=beta1, beta2=beta2, weight_decay=weight_decay,
                                      wd_mode=wd_mode))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            lr, wd = group["lr"], group["weight_decay"]
            for p in group["params"]:
                state = self.state[p]
                if not state:
                    state["m"] = torch.zeros_like(p)
                m, g = state["m"], p.grad
                if group["wd_mode"] == "decoupled":
                    p.mul_(1 - lr * wd)
                else:
                    g = g.add(p, alpha=wd)
                c = m.mul(group["beta1"]).add_(g, alpha=1 - group["beta1"])
                p.add_(torch.sign(c), alpha=-lr)
                m.mul_(group["beta2"]).add_(g, alpha=1 - group["beta2"])


def parse(hparams):
    """'k=v,...' into a dict of floats (wd_mode stays text)."""
    out = {}
    for item in hparams.split(","):
        key, value = item.split("=")
        out[key] = value if key == "wd_mode" else float(value)
    return out


def make_optimizer(name, hp, params):
    """The torch optimizer of an optbench configuration."""
    flag = lambda key: bool(hp.pop(key, 0))
    if name in ("adam", "adamw"):
        betas = (hp.pop("beta1", 0.9), hp.pop("beta2", 0.999))
        cls = torch.optim.Adam if name == "adam" else torch.optim.AdamW
        return cls(params, betas=betas, amsgrad=flag("amsgrad"), foreach=False, **hp)
    if name in ("nadam", "radam", "adamax"):
        defaults = {"nadam": (0.9, 0.999), "radam": (0.9, 0.999), "adamax": (0.9, 0.999)}[name]
        betas = (hp.pop("beta1", defaults[0]), hp.pop("beta2", defaults[1]))
        cls = {"nadam": torch.optim.NAdam, "radam": torch.optim.RAdam, "adamax": torch.optim.Adamax}[name]
        return cls(params, betas=betas, foreach=False, **hp)
    if name == "sgd":
        return torch.optim.SGD(params, nesterov=flag("nesterov"), foreach=False, **hp)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, centered=flag("centered"), foreach=False, **hp)
    if name == "adagrad":
        return torch.optim.Adagrad(params, foreach=False, **hp)
    if name == "lion":
        return Lion(params, **hp)
    if name == "lion_l2":
        beta = hp.pop("beta", 0.9)
        return Lion(params, beta1=beta, beta2=beta, wd_mode="l2", **hp)
    raise ValueError(f"no torch reference for {name}")


def row(tag, values):
    return tag + " " + " ".join(f"{float(v):.9g}" for v in values) + "\n"


def read_inputs(path, steps=STEPS):
    """p0 and the gradients g1..g<steps> of an existing golden file, or None."""
    if not os.path.exists(path):
        return None
    vectors = {}
    with open(path) as f:
        for line in f:
            tag, _, rest = line.partition(" ")
            if tag[:1] in "pg" and tag[1:].isdigit():
                vectors[tag] = torch.tensor([float(v) for v in rest.split()], dtype=torch.float32)
    return vectors["p0"], [vectors[f"g{t}"] for t in range(1, steps + 1)]


def generated_inputs(index, n=N, steps=STEPS, seed=1000):
    """Seeded p0 and gradients for a new file (the generator seeded with seed + index)."""
    gen = torch.Generator().manual_seed(seed + index)
    p0 = torch.randn(n, generator=gen, dtype=torch.float32)
    grads = []
    for t in range(1, steps + 1):
        scale = 2.0 if t % 5 == 0 else 0.7 / t ** 0.5
        grads.append(torch.randn(n, generator=gen, dtype=torch.float32) * scale)
    return p0, grads


def cli_args():
    """(fresh, outdir) of `gen_*.py [--fresh] [OUTDIR]`: --fresh draws new inputs
    instead of reading the existing files' p0 and gradients; OUTDIR defaults to
    this folder."""
    args = sys.argv[1:]
    fresh = "--fresh" in args
    args = [a for a in args if a != "--fresh"]
    return fresh, args[0] if args else os.path.dirname(os.path.abspath(__file__))


HEADER = "# optbench golden update vector (reference: torch.optim, float32)\n"


def read_header(path):
    """The comment line that opens an existing golden file, else HEADER."""
    if os.path.exists(path):
        with open(path) as f:
            first = f.readline()
        if first.startswith("#"):
            return first
    return HEADER


def generate(name, hparams, inputs, header=HEADER):
    """The text of one golden file from its inputs (p0, gradients)."""
    p0, grads = inputs
    p = p0.clone()
    opt = make_optimizer(name, parse(hparams), [p])
    # the header names the reference (Lion's is the Lion class above)
    text = header + f"optimizer {name}\nhparams {hparams}\nn {N}\nsteps {STEPS}\n" + row("p0", p.tolist())
    for t, g in enumerate(grads, start=1):
        p.grad = g.clone()
        opt.step()
        text += row(f"g{t}", g.tolist()) + row(f"p{t}", p.detach().tolist())
    return text


def main():
    fresh, outdir = cli_args()
    torch.set_num_threads(1)
    for index, (fname, name, hparams) in enumerate(CONFIGS):
        path = os.path.join(outdir, fname + ".txt")
        inputs = None if fresh else read_inputs(path)
        text = generate(name, hparams, inputs or generated_inputs(index), read_header(path))
        with open(path, "w") as f:
            f.write(text)
    print(f"wrote {len(CONFIGS)} files to {outdir}")


if __name__ == "__main__":
    main()
