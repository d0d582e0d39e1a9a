"""Reference implementations, written with torch operations from the rules of
docs/OPTIMIZERS.md, of the optimizers torch 1.13 lacks: Adafactor (the
semantics of torch.optim.Adafactor), Muon (torch.optim.Muon, with the
Newton-Schulz iteration in float32) and schedule-free AdamW (the reference
form). Each keeps torch's param-group conventions: a group's lr is its
scheduled lr, and every hyperparameter may differ per group. Muon needs each
parameter's role: pass groups with role="matrix" for the 2-D weights it
orthogonalises; every other group takes AdamW with the adam_* values, at
adam_lr x (the group's lr / lr_ref), lr_ref being the lr hyperparameter
before the schedule and lr_scale (by default the lr given).
"""
import math

import torch


class Adafactor(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps1=None, eps2=1e-3, d=1.0, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps1=eps1, eps2=eps2, d=d,
                                      weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            lr, eps2, d, wd = group["lr"], group["eps2"], group["d"], group["weight_decay"]
            for p in group["params"]:
                g = p.grad
                eps1 = group["eps1"] if group["eps1"] is not None else torch.finfo(p.dtype).eps
                state = self.state[p]
                if not state:
                    state["t"] = 0
                    if p.dim() == 2:
                        state["row"] = torch.zeros(p.shape[0], 1, dtype=p.dtype)
                        state["col"] = torch.zeros(1, p.shape[1], dtype=p.dtype)
                    else:
                        state["v"] = torch.zeros_like(p)
                state["t"] += 1
                t = state["t"]
                rho = min(lr, 1 / math.sqrt(t))
                w = t ** group["beta2_decay"]
                alpha = max(eps2, p.norm(2).item() / math.sqrt(p.numel())) * rho
                if wd != 0:
                    p.mul_(1 - lr * wd)
                if p.dim() == 2:
                    row, col = state["row"], state["col"]
                    row.lerp_((g * g).mean(dim=1, keepdim=True), w)
                    col.lerp_((g * g).mean(dim=0, keepdim=True), w)
                    v = (row @ col) / row.mean().clamp(min=eps1)
                else:
                    state["v"].lerp_(g * g, w)
                    v = state["v"]
                u = g / v.clamp(min=eps1 * eps1).sqrt()
                denom = max(1.0, u.norm(2).item() / math.sqrt(u.numel()) / d)
                p.add_(u, alpha=-alpha / denom)


NS_ABC = (3.4445, -4.7750, 2.0315)


def newton_schulz(u, steps, eps):
    a, b, c = NS_ABC
    x = u.T if u.shape[0] > u.shape[1] else u
    x = x / x.norm().clamp(min=eps)
    for _ in range(steps):
        gram = x @ x.T
        poly = b * gram + c * (gram @ gram)
        x = a * x + poly @ x
    return x.T if u.shape[0] > u.shape[1] else x


class Muon(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True, ns_steps=5, eps=1e-7,
                 adjust_lr="original", adam_lr=3e-4, adam_beta1=0.9, adam_beta2=0.95, adam_eps=1e-8,
                 adam_weight_decay=0.0, role="vector"):
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                                      ns_steps=ns_steps, eps=eps, adjust_lr=adjust_lr, adam_lr=adam_lr,
                                      adam_beta1=adam_beta1, adam_beta2=adam_beta2, adam_eps=adam_eps,
                                      adam_weight_decay=adam_weight_decay, role=role))
        for g in self.param_groups:  # lr_ref: the lr hyperparameter, before the schedule and lr_scale
            g.setdefault("lr_ref", g["lr"])

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            lr = group["lr"]
            for p in group["params"]:
                g = p.grad
                state = self.state[p]
                if group["role"] == "matrix":
                    if not state:
                        state["buf"] = torch.zeros_like(p)
                    buf = state["buf"]
                    buf.lerp_(g, 1 - group["momentum"])
                    u = g.lerp(buf, group["momentum"]) if group["nesterov"] else buf
                    o = newton_schulz(u, group["ns_steps"], group["eps"])
                    r, c = p.shape
                    scale = math.sqrt(max(1, r / c)) if group["adjust_lr"] == "original" else 0.2 * math.sqrt(max(r, c))
                    p.mul_(1 - lr * group["weight_decay"])
                    p.add_(o, alpha=-lr * scale)
                    continue
                if not state:
                    state["t"], state["m"], state["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
                state["t"] += 1
                t, m, v = state["t"], state["m"], state["v"]
                alr = group["adam_lr"] * (lr / group["lr_ref"])
                b1, b2 = group["adam_beta1"], group["adam_beta2"]
                p.mul_(1 - alr * group["adam_weight_decay"])
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
                denom = (v.sqrt() / math.sqrt(bc2)).add_(group["adam_eps"])
                p.addcdiv_(m, denom, value=-alr / bc1)


class SFAdamW(torch.optim.Optimizer):
    """Schedule-free AdamW, the reference form: the parameters hold y; x is
    where evaluation is taken (swap with eval_point / train_point)."""

    def __init__(self, params, lr=0.0025, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, warmup_steps=0, r=0.0,
                 weight_lr_power=2.0):
        super().__init__(params, dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                                      warmup_steps=warmup_steps, r=r, weight_lr_power=weight_lr_power,
                                      k=0, lr_max=-1.0, weight_sum=0.0))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            k = group["k"]
            warmup = group["warmup_steps"]
            sched = (k + 1) / warmup if k < warmup else 1.0
            b1, b2 = group["beta1"], group["beta2"]
            lr = group["lr"] * sched * math.sqrt(1 - b2 ** (k + 1))
            group["lr_max"] = max(group["lr_max"], lr)
            weight = (k + 1) ** group["r"] * group["lr_max"] ** group["weight_lr_power"]
            group["weight_sum"] += weight
            c = weight / group["weight_sum"] if group["weight_sum"] > 0 else 0.0
            for y in group["params"]:
                g = y.grad
                state = self.state[y]
                if not state:
                    state["z"], state["x"], state["v"] = y.clone(), y.clone(), torch.zeros_like(y)
                z, x, v = state["z"], state["x"], state["v"]
                if group["weight_decay"] != 0:
                    z.sub_(y, alpha=lr * group["weight_decay"])
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                z.addcdiv_(g, v.sqrt().add_(group["eps"]), value=-lr)
                x.mul_(1 - c).add_(z, alpha=c)
                y.copy_(x.mul(b1).add_(z, alpha=1 - b1))
            group["k"] = k + 1
