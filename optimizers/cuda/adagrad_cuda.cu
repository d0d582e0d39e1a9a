/* adagrad_cuda.cu — the fused CUDA step of Adagrad; CPU twin:
 * optimizers/adagrad.c. Slot 0 is the sum of squares. */
#include "optimizers/cuda/fused.cuh"
#include "optimizers/cuda/fused_steps.h"

struct AdagradOp {
    AdagradCoef c; /* the step's constants */
    __device__ void operator()(float &p, float g, float *s) const
    {
        const float d = c.has_wd ? g + c.wd * p : g;
        const float sum = s[0] + d * d;
        s[0] = sum;
        p = p + c.neg_clr * (d / (sqrtf(sum) + c.eps));
    }
};

extern "C" int adagrad_cuda(const AdagradCoef *c, float *const *state, float *p, const float *g, size_t n)
{
    return fused_launch<1>(AdagradOp{*c}, state, p, g, n);
}
