/* rmsprop_cuda.cu — the fused CUDA step of RMSprop; CPU twin:
 * optimizers/rmsprop.c. Slots: v, then buf (momentum), then ga (centered);
 * each combination is its own instantiation, so no slot index is dynamic. */
#include "optimizers/cuda/fused.cuh"
#include "optimizers/cuda/fused_steps.h"

template <bool MOM, bool CENTERED> struct RmspropOp {
    RmspropCoef c; /* the step's constants */
    __device__ void operator()(float &p, float g, float *s) const
    {
        const float d = c.has_wd ? g + c.wd * p : g;
        const float vi = s[0] * c.alpha + c.one_m_alpha * (d * d);
        s[0] = vi;
        float avg;
        if (CENTERED) {
            const int k = MOM ? 2 : 1;
            const float a = s[k] + c.one_m_alpha * (d - s[k]);
            s[k] = a;
            avg = sqrtf(vi - a * a) + c.eps;
        } else {
            avg = sqrtf(vi) + c.eps;
        }
        if (MOM) {
            const float b = s[1] * c.mom + d / avg;
            s[1] = b;
            p = p + c.neg_lr * b;
        } else {
            p = p + c.neg_lr * (d / avg);
        }
    }
};

extern "C" int rmsprop_cuda(const RmspropCoef *c, float *const *state, float *p, const float *g, size_t n)
{
    if (c->has_mom && c->centered) return fused_launch<3>(RmspropOp<true, true>{*c}, state, p, g, n);
    if (c->has_mom) return fused_launch<2>(RmspropOp<true, false>{*c}, state, p, g, n);
    if (c->centered) return fused_launch<2>(RmspropOp<false, true>{*c}, state, p, g, n);
    return fused_launch<1>(RmspropOp<false, false>{*c}, state, p, g, n);
}
