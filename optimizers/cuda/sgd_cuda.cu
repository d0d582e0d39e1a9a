/* sgd_cuda.cu — the fused CUDA step of SGD: sgd_update (update_impl.h), as
 * the CPU loop of optimizers/sgd.c. */
#include "optimizers/cuda/fused.cuh"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/update_impl.h"

/* MOM: slot 0 is the momentum buffer; without it, no state. */
template <bool MOM> struct SgdOp {
    SgdCoef c; /* the step's constants */
    __device__ void operator()(float &p, float g, float *s) const { p = sgd_update(&c, MOM, p, g, &s[0]); }
};

extern "C" int sgd_cuda(const SgdCoef *c, const StateSlots *st, float *p, const float *g, size_t n)
{
    if (c->mom == 0) return fused_launch_state<0>(SgdOp<false>{*c}, st, p, g, n);
    return fused_launch_state<1>(SgdOp<true>{*c}, st, p, g, n);
}
