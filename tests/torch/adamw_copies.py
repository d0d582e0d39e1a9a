"""Two hand-written copies of torch.optim.AdamW (torch 1.13's single-tensor
path, written with torch operations) for the test of python/optbench_golden.py:
AdamWCopy, which should pass a golden file of optbench's adamw as AdamW does,
and AdamWNoBiasCorrection, the same code with the bias correction removed,
which must fail it at step 1."""
import math

import torch


class AdamWCopy(torch.optim.Optimizer):
    bias_correction = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                g = p.grad
                state = self.state[p]
                if not state:
                    state["t"], state["m"], state["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
                    state["vmax"] = torch.zeros_like(p)
                state["t"] += 1
                t, m, v = state["t"], state["m"], state["v"]
                p.mul_(1 - lr * wd)
                m.mul_(beta1).add_(g, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                if group["amsgrad"]:
                    torch.maximum(state["vmax"], v, out=state["vmax"])
                    v = state["vmax"]
                bc1, bc2 = (1 - beta1 ** t, 1 - beta2 ** t) if self.bias_correction else (1.0, 1.0)
                denom = (v.sqrt() / math.sqrt(bc2)).add_(eps)
                p.addcdiv_(m, denom, value=-lr / bc1)


class AdamWNoBiasCorrection(AdamWCopy):
    bias_correction = False
