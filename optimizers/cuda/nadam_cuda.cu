/* nadam_cuda.cu — the fused CUDA step of NAdam: nadam_update
 * (update_impl.h), as the CPU loop of optimizers/adam_variants.c. Slots: m, v. The
 * mu products arrive in NadamCoef, computed once per step on the host. */
#include "optimizers/cuda/fused.cuh"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/update_impl.h"

struct NadamOp {
    NadamCoef c; /* the step's constants */
    __device__ void operator()(float &p, float g, float *s) const { p = nadam_update(&c, p, g, &s[0], &s[1]); }
};

extern "C" int nadam_cuda(const NadamCoef *c, const StateSlots *st, float *p, const float *g, size_t n)
{
    return fused_launch_state<2>(NadamOp{*c}, st, p, g, n);
}
