/* harness_kernels.cu — reductions, clipping and accumulation on the device
 * (harness_kernels.h); the reductions are those of reduce.cuh. */
#include "harness/core/cuda/harness_kernels.h"

#include "harness/core/cuda/reduce.cuh"
#include "harness/core/device.h"

extern "C" int reduce_sum_cuda(double *out, const double *x, size_t n, double divisor, double *scratch)
{
    return reduce_launch(LoadDouble{x}, n, divisor, 0, out, scratch);
}

/* g *= max_norm / (norm + 1e-6) where that is below 1, as torch's clip_grad_norm_. */
__global__ void scale_to_norm(float *g, size_t n, double max_norm, const double *norm)
{
    const double coef = max_norm / (*norm + 1e-6);
    if (coef >= 1) return;
    const float c = (float)coef;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        g[i] *= c;
}

extern "C" int l2_norm_cuda(double *out, const float *a, const float *b, size_t n, double *scratch)
{
    return b ? reduce_launch(LoadDiffSquare{a, b}, n, 1.0, 1, out, scratch)
             : reduce_launch(LoadSquare{a}, n, 1.0, 1, out, scratch);
}

extern "C" int clip_grad_norm_cuda(float *g, size_t n, double max_norm, double *norm, double *scratch)
{
    if (l2_norm_cuda(norm, g, NULL, n, scratch) != 0) return -1;
    scale_to_norm<<<reduce_blocks(n), REDUCE_THREADS>>>(g, n, max_norm, norm);
    return LAUNCH_OK("scale_to_norm") ? 0 : -1;
}

__global__ void accumulate(float *g, const float *m, size_t n, float scale)
{
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        g[i] += m[i] * scale;
}

extern "C" int accumulate_cuda(float *g, const float *m, size_t n, float scale)
{
    accumulate<<<reduce_blocks(n), REDUCE_THREADS>>>(g, m, n, scale);
    return LAUNCH_OK("accumulate") ? 0 : -1;
}
