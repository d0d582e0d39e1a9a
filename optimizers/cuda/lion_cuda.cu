/* lion_cuda.cu — the fused CUDA step of Lion (both entries, lion and
 * lion_l2): lion_update (update_impl.h), as the CPU loop of
 * optimizers/lion.c. Slot 0 is m. */
#include "optimizers/cuda/fused.cuh"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/update_impl.h"

struct LionOp {
    LionCoef c; /* the step's constants */
    __device__ void operator()(float &p, float g, float *s) const { p = lion_update(&c, p, g, &s[0]); }
};

extern "C" int lion_cuda(const LionCoef *c, const StateSlots *st, float *p, const float *g, size_t n)
{
    return fused_launch_state<1>(LionOp{*c}, st, p, g, n);
}
