/* rmsprop_cuda.cu — the fused CUDA step of RMSprop: rmsprop_update
 * (update_impl.h), as the CPU loop of optimizers/rmsprop.c. Slots: v, then
 * buf (momentum), then ga (centered); each combination is its own
 * instantiation, so that no slot index is dynamic. */
#include "optimizers/cuda/fused.cuh"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/update_impl.h"

template <bool MOM, bool CENTERED> struct RmspropOp {
    RmspropCoef c; /* the step's constants */
    __device__ void operator()(float &p, float g, float *s) const
    {
        p = rmsprop_update(&c, MOM, CENTERED, p, g, &s[0], MOM ? &s[1] : NULL, CENTERED ? &s[MOM ? 2 : 1] : NULL);
    }
};

extern "C" int rmsprop_cuda(const RmspropCoef *c, const StateSlots *st, float *p, const float *g, size_t n)
{
    if (c->has_mom && c->centered) return fused_launch_state<3>(RmspropOp<true, true>{*c}, st, p, g, n);
    if (c->has_mom) return fused_launch_state<2>(RmspropOp<true, false>{*c}, st, p, g, n);
    if (c->centered) return fused_launch_state<2>(RmspropOp<false, true>{*c}, st, p, g, n);
    return fused_launch_state<1>(RmspropOp<false, false>{*c}, st, p, g, n);
}
