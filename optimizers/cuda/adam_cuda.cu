/* adam_cuda.cu — the fused CUDA step of Adam and AdamW (with AMSGrad):
 * adam_update (update_impl.h), as the CPU loop of optimizers/adam.c. Slots:
 * m, v, then vmax with amsgrad. The bias corrections arrive in AdamCoef,
 * computed once per step on the host. */
#include "optimizers/cuda/fused.cuh"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/update_impl.h"

template <bool AMSGRAD> struct AdamOp {
    AdamCoef c; /* the step's constants */
    __device__ void operator()(float &p, float g, float *s) const
    {
        p = adam_update(&c, AMSGRAD, p, g, &s[0], &s[1], AMSGRAD ? &s[2] : NULL);
    }
};

extern "C" int adam_cuda(const AdamCoef *c, const StateSlots *st, float *p, const float *g, size_t n)
{
    if (c->amsgrad) return fused_launch_state<3>(AdamOp<true>{*c}, st, p, g, n);
    return fused_launch_state<2>(AdamOp<false>{*c}, st, p, g, n);
}
