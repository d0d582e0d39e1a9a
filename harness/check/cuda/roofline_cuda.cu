/* roofline_cuda.cu — the streaming reference kernel of `optbench bench
 * --device cuda` (harness_kernels.h), built from the same fused grid-stride
 * skeleton as the optimizer steps so that only their arithmetic differs. */
#include "optimizers/cuda/fused.cuh"
#include "harness/core/cuda/harness_kernels.h"

/* x = 0.5x + g on rw[0] (as p) and the S other streams (as slots). */
template <int S> struct RooflineOp {
    __device__ void operator()(float &p, float g, float *s) const
    {
        p = 0.5f * p + g;
#pragma unroll
        for (int k = 0; k < S; k++) s[k] = 0.5f * s[k] + g;
    }
};

extern "C" int roofline_pass_cuda(float *const *rw, int n_rw, const float *g, size_t n)
{
    switch (n_rw) {
    case 1: return fused_launch<0>(RooflineOp<0>{}, rw + 1, rw[0], g, n);
    case 2: return fused_launch<1>(RooflineOp<1>{}, rw + 1, rw[0], g, n);
    case 3: return fused_launch<2>(RooflineOp<2>{}, rw + 1, rw[0], g, n);
    default: return fused_launch<3>(RooflineOp<3>{}, rw + 1, rw[0], g, n);
    }
}
