/* sgd_cuda.cu — the fused CUDA step of SGD; CPU twin: optimizers/sgd.c. */
#include "optimizers/cuda/fused.cuh"
#include "optimizers/cuda/fused_steps.h"

/* momentum 0: p = p - lr*d, no state. */
struct SgdPlainOp {
    SgdCoef c; /* the step's constants */
    __device__ void operator()(float &p, float g, float *s) const
    {
        (void)s;
        const float d = c.has_wd ? g + c.wd * p : g;
        p = p + c.neg_lr * d;
    }
};

/* momentum > 0: slot 0 is buf. */
struct SgdMomentumOp {
    SgdCoef c; /* the step's constants */
    __device__ void operator()(float &p, float g, float *s) const
    {
        float d = c.has_wd ? g + c.wd * p : g;
        const float b = c.first ? d : s[0] * c.mom + c.keep * d;
        s[0] = b;
        d = c.nesterov ? d + c.mom * b : b;
        p = p + c.neg_lr * d;
    }
};

extern "C" int sgd_cuda(const SgdCoef *c, float *const *state, float *p, const float *g, size_t n)
{
    if (c->mom == 0) return fused_launch<0>(SgdPlainOp{*c}, state, p, g, n);
    return fused_launch<1>(SgdMomentumOp{*c}, state, p, g, n);
}
