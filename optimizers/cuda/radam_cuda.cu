/* radam_cuda.cu — the fused CUDA step of RAdam: radam_update
 * (update_impl.h), as the CPU loop of optimizers/adam_variants.c. Slots: m, v. The
 * rectification test and term arrive in RadamCoef, computed once per step
 * on the host; each outcome of the test is its own instantiation. */
#include "optimizers/cuda/fused.cuh"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/update_impl.h"

template <bool RECTIFY> struct RadamOp {
    RadamCoef c; /* the step's constants */
    __device__ void operator()(float &p, float g, float *s) const
    {
        p = radam_update(&c, RECTIFY, p, g, &s[0], &s[1]);
    }
};

extern "C" int radam_cuda(const RadamCoef *c, const StateSlots *st, float *p, const float *g, size_t n)
{
    if (c->rectify) return fused_launch_state<2>(RadamOp<true>{*c}, st, p, g, n);
    return fused_launch_state<2>(RadamOp<false>{*c}, st, p, g, n);
}
