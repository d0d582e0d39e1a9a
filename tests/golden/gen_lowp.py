#!/usr/bin/env python3
"""gen_lowp.py: writes the golden update vectors of low-precision optimizer
state (state=bf16 and state=int8) in tests/golden/.

Each step widens the stored state to float32, applies the optimizer's float32
rule of docs/OPTIMIZERS.md with torch operations, updates the parameters with
those float32 values and stores the new state back:
  bf16  as torch.bfloat16 tensors (torch's conversion: round to nearest even);
  int8  with the reference quantiser below: per tensor, blocks of 256 values
        with one float32 absmax each, the nearest code of the signed dynamic
        map (momenta) or the unsigned one (second moments); a tensor of
        fewer than 128 values keeps float32 state.
Each operation is one torch call on float32 tensors (no fused multiply-add),
in the order of optimizers/update_impl.h, so that the rounding of the state
sees the same float32 values as optbench's own step.

The inputs (p0 and every gradient) are read from the file already in OUTDIR
when there is one, so regenerating reproduces the committed vectors; with
--fresh, or for a new file, they come from torch.Generator seeded per file.

    /usr/bin/python3 tests/golden/gen_lowp.py [--fresh] [OUTDIR]   (default: this folder)
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_torch import cli_args, generated_inputs, read_header, read_inputs, row  # noqa: E402  (the shared file format)

F32 = torch.float32
BLOCK, INT8_MIN = 256, 128

# (file, optimizer, hparams as written in the file, tensors (name, role, shape) or None for one
# vector of 64, steps)
TWO_TENSORS = [("w", "matrix", (16, 20)), ("b", "vector", (8,))]
CONFIGS = [
    ("sgd_bf16_1", "sgd", "lr=0.05,momentum=0.9,state=bf16", None, 20),
    ("adamw_bf16_1", "adamw", "lr=0.01,state=bf16", None, 20),
    ("adamw_bf16_2", "adamw", "lr=0.01,weight_decay=0.1,beta2=0.95,amsgrad=1,state=bf16", None, 20),
    ("lion_bf16_1", "lion", "lr=0.001,beta1=0.95,beta2=0.98,weight_decay=0.1,state=bf16", None, 20),
    ("adamw_int8_1", "adamw", "lr=0.01,weight_decay=0.1,state=int8", TWO_TENSORS, 12),
    ("lion_int8_1", "lion", "lr=0.001,weight_decay=0.1,beta2=0.95,state=int8", TWO_TENSORS, 12),
]

DEFAULTS = {
    "sgd": dict(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0),
    "adamw": dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2, amsgrad=0),
    "lion": dict(lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0.0),
}
# Slots of each optimizer, and whether each is signed (the int8 map it takes).
SLOTS = {"sgd": [True], "adamw": [True, False, False], "lion": [True]}


def f32(x):
    """A Python number as a float32 scalar tensor (optbench's (float) cast)."""
    return torch.tensor(x, dtype=F32)


def dynamic_map(signed):
    """The int8 dynamic map, ascending: per decade e = 0..6, the midpoints of
    2^e (signed) or 2^(e+1) (unsigned) equal steps of [0.1, 1] times 10^(e-6),
    both signs when signed, and 0 and 1; in double, rounded to float32."""
    values = [0.0, 1.0]
    for e in range(7):
        k = 2 ** e if signed else 2 ** (e + 1)
        for j in range(k):
            mid = 0.1 + 0.9 * (j + 0.5) / k
            values.append(mid / float(10 ** (6 - e)))
            if signed:
                values.append(-mid / float(10 ** (6 - e)))
    assert len(values) == 256
    return torch.tensor(sorted(values), dtype=torch.float64).to(F32).sort().values


CODES = {True: dynamic_map(True), False: dynamic_map(False)}


class Int8State:
    """One slot of one tensor in blockwise int8: codes and absmax per block."""

    def __init__(self, n, signed):
        self.code = CODES[signed]
        self.zero = int((self.code == 0).nonzero()[0])
        self.q = torch.full((n,), self.zero, dtype=torch.long)
        self.absmax = torch.zeros((n + BLOCK - 1) // BLOCK, dtype=F32)

    def widen(self):
        scale = self.absmax.repeat_interleave(BLOCK)[: self.q.numel()]
        return self.code[self.q] * scale

    def store(self, x):
        for b in range(self.absmax.numel()):
            part = x[b * BLOCK:(b + 1) * BLOCK]
            m = part.abs().max()
            self.absmax[b] = m
            if m > 0:
                dist = (self.code.unsqueeze(0) - (part / m).unsqueeze(1)).abs()
                self.q[b * BLOCK:(b + 1) * BLOCK] = dist.argmin(dim=1)  # the first (lower) code on a tie
            else:
                self.q[b * BLOCK:(b + 1) * BLOCK] = self.zero


class Bf16State:
    """One slot stored as a torch.bfloat16 tensor."""

    def __init__(self, n, signed):
        self.v = torch.zeros(n, dtype=torch.bfloat16)

    def widen(self):
        return self.v.to(F32)

    def store(self, x):
        self.v = x.to(torch.bfloat16)


class Fp32State:
    """One slot kept in float32 (an int8 run's small tensor)."""

    def __init__(self, n, signed):
        self.v = torch.zeros(n, dtype=F32)

    def widen(self):
        return self.v.clone()

    def store(self, x):
        self.v = x.clone()


def step(name, hp, t, p, g, s):
    """The float32 rule of update_impl.h on widened slots s; returns the new
    p and the new slot values."""
    if name == "sgd":
        d = g if hp["weight_decay"] == 0 else g + f32(hp["weight_decay"]) * p
        buf = d.clone() if t == 1 else s[0] * f32(hp["momentum"]) + f32(1 - hp["dampening"]) * d
        return p + f32(-hp["lr"]) * buf, [buf]
    if name == "adamw":
        b1, b2, lr = hp["beta1"], hp["beta2"], hp["lr"]
        pi = p * f32(1 - lr * hp["weight_decay"])
        m = s[0] * f32(b1) + f32(1 - b1) * g
        v = s[1] * f32(b2) + f32(1 - b2) * (g * g)
        vd = v
        if hp["amsgrad"]:
            vd = torch.maximum(s[2], v)
        neg_step, bc2_sqrt = f32(-(lr / (1 - b1 ** t))), f32(math.sqrt(1 - b2 ** t))
        p = pi + neg_step * (m / (torch.sqrt(vd) / bc2_sqrt + f32(hp["eps"])))
        return p, [m, v, vd][: len(s)]
    if name == "lion":
        b1, b2, lr = hp["beta1"], hp["beta2"], hp["lr"]
        pi = p * f32(1 - lr * hp["weight_decay"])
        direction = s[0] * f32(b1) + f32(1 - b1) * g
        m = s[0] * f32(b2) + f32(1 - b2) * g
        return pi - f32(lr) * torch.sign(direction), [m]
    raise ValueError(name)


def parse(name, hparams):
    hp = dict(DEFAULTS[name])
    for item in hparams.split(","):
        key, value = item.split("=")
        hp[key] = value if key == "state" else float(value)
    return hp


def slot_kind(prec, numel):
    if prec == "bf16":
        return Bf16State
    return Int8State if numel >= INT8_MIN else Fp32State


HEADER = "# optbench golden update vector (reference: tests/golden/gen_lowp.py, {} state)\n"


def generate(name, hparams, tensors, steps, inputs, header):
    hp = parse(name, hparams)
    prec = hp.pop("state")
    tensors = tensors or [("p", "vector", (64,))]
    sizes = [math.prod(shape) for _, _, shape in tensors]
    n = sum(sizes)
    p0, grads = inputs
    signs = SLOTS[name][: 2 + int(hp.get("amsgrad", 0))] if name == "adamw" else SLOTS[name]
    state = [[slot_kind(prec, k)(k, sign) for sign in signs] for k in sizes]
    text = header + f"optimizer {name}\nhparams {hparams}\n"
    if len(tensors) > 1:
        text += f"tensors {len(tensors)}\n"
        text += "".join(f"tensor {tn} {role} {' '.join(map(str, shape))}\n" for tn, role, shape in tensors)
    text += f"n {n}\nsteps {steps}\n" + row("p0", p0.tolist())
    p = p0.clone()
    for t, g in enumerate(grads, start=1):
        parts, at = [], 0
        for k, size in enumerate(sizes):
            new_p, new_s = step(name, hp, t, p[at:at + size], g[at:at + size], [s.widen() for s in state[k]])
            for slot, value in zip(state[k], new_s):
                slot.store(value)
            parts.append(new_p)
            at += size
        p = torch.cat(parts)
        text += row(f"g{t}", g.tolist()) + row(f"p{t}", p.tolist())
    return text


def main():
    fresh, outdir = cli_args()
    torch.set_num_threads(1)
    for index, (fname, name, hparams, tensors, steps) in enumerate(CONFIGS):
        path = os.path.join(outdir, fname + ".txt")
        n = sum(math.prod(shape) for _, _, shape in tensors) if tensors else 64
        inputs = None if fresh else read_inputs(path, steps)
        prec = "bf16" if "state=bf16" in hparams else "int8"
        header = read_header(path) if os.path.exists(path) else HEADER.format(prec)
        text = generate(name, hparams, tensors, steps, inputs or generated_inputs(index, n, steps, seed=2000), header)
        with open(path, "w") as f:
            f.write(text)
    print(f"wrote {len(CONFIGS)} files to {outdir}")


if __name__ == "__main__":
    main()
