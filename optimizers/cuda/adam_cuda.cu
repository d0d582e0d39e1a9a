/* adam_cuda.cu — the fused CUDA step of Adam and AdamW (with AMSGrad); CPU
 * twin: optimizers/adam.c. Slots: m, v, then vmax with amsgrad. The bias
 * corrections arrive in AdamCoef, computed once per step on the host. */
#include "optimizers/cuda/fused.cuh"
#include "optimizers/cuda/fused_steps.h"

/* The new parameter from the decayed one and the updated moments, with
 * torch's order: eps after the bias-corrected root. */
__device__ __forceinline__ float adam_param(float pi, float mi, float vi, const AdamCoef &c)
{
    return pi + c.neg_step * (mi / (sqrtf(vi) / c.bc2_sqrt + c.eps));
}

template <bool AMSGRAD> struct AdamOp {
    AdamCoef c; /* the step's constants */
    __device__ void operator()(float &p, float g, float *s) const
    {
        const float pi = p * c.decay, d = g + c.wd_grad * pi;
        const float mi = s[0] * c.b1 + c.one_m_b1 * d, vi = s[1] * c.b2 + c.one_m_b2 * (d * d);
        s[0] = mi;
        s[1] = vi;
        if (AMSGRAD) {
            const float vm = s[2] != s[2] || s[2] > vi ? s[2] : vi; /* torch.maximum: NaN wins */
            s[2] = vm;
            p = adam_param(pi, mi, vm, c);
        } else {
            p = adam_param(pi, mi, vi, c);
        }
    }
};

extern "C" int adam_cuda(const AdamCoef *c, float *const *state, float *p, const float *g, size_t n)
{
    if (c->amsgrad) return fused_launch<3>(AdamOp<true>{*c}, state, p, g, n);
    return fused_launch<2>(AdamOp<false>{*c}, state, p, g, n);
}
