/* lion_cuda.cu — the fused CUDA step of Lion (both entries, lion and
 * lion_l2); CPU twin: optimizers/lion.c. Slot 0 is m; sign(0) = 0. */
#include "optimizers/cuda/fused.cuh"
#include "optimizers/cuda/fused_steps.h"

struct LionOp {
    LionCoef c; /* the step's constants */
    __device__ void operator()(float &p, float g, float *s) const
    {
        const float pi = p * c.decay, d = g + c.wd_grad * pi, mi = s[0];
        const float dir = mi * c.b1 + c.one_m_b1 * d;
        s[0] = mi * c.b2 + c.one_m_b2 * d;
        p = pi - copysignf(dir != 0.f ? -c.neg_lr : 0.f, dir); /* lr * sign(dir), as the CPU loop */
    }
};

extern "C" int lion_cuda(const LionCoef *c, float *const *state, float *p, const float *g, size_t n)
{
    return fused_launch<1>(LionOp{*c}, state, p, g, n);
}
