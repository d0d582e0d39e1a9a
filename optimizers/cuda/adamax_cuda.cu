/* adamax_cuda.cu — the fused CUDA step of Adamax: adamax_update
 * (update_impl.h), as the CPU loop of optimizers/adam_variants.c. Slots: m, u. */
#include "optimizers/cuda/fused.cuh"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/update_impl.h"

struct AdamaxOp {
    AdamaxCoef c; /* the step's constants */
    __device__ void operator()(float &p, float g, float *s) const { p = adamax_update(&c, p, g, &s[0], &s[1]); }
};

extern "C" int adamax_cuda(const AdamaxCoef *c, const StateSlots *st, float *p, const float *g, size_t n)
{
    return fused_launch_state<2>(AdamaxOp{*c}, st, p, g, n);
}
