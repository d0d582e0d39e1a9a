/* adagrad_cuda.cu — the fused CUDA step of Adagrad: adagrad_update
 * (update_impl.h), as the CPU loop of optimizers/adagrad.c. Slot 0 is the
 * sum of squares. */
#include "optimizers/cuda/fused.cuh"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/update_impl.h"

struct AdagradOp {
    AdagradCoef c; /* the step's constants */
    __device__ void operator()(float &p, float g, float *s) const { p = adagrad_update(&c, p, g, &s[0]); }
};

extern "C" int adagrad_cuda(const AdagradCoef *c, const StateSlots *st, float *p, const float *g, size_t n)
{
    return fused_launch_state<1>(AdagradOp{*c}, st, p, g, n);
}
