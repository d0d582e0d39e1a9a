/* sfadamw_cuda.cu — schedule-free AdamW's pass over one tensor on the
 * device (tensor_steps.h): sfadamw_update (tensor_impl.h) in the fused
 * kernel of fused.cuh, with the tensor's z, v and x blocks as its three
 * slots, as the CPU loop of optimizers/sfadamw.c; and the exchange of the
 * parameters with x around an evaluation. */
#include "harness/core/cuda/reduce.cuh"
#include "optimizers/cuda/fused.cuh"
#include "optimizers/cuda/tensor_steps.h"

struct SfadamwOp {
    SfadamwCoef c; /* the step's constants */
    __device__ void operator()(float &y, float g, float *s) const { y = sfadamw_update(&c, y, g, &s[0], &s[1], &s[2]); }
};

extern "C" int sfadamw_cuda(const SfadamwCoef *c, float *y, const float *g, float *state, size_t n)
{
    float *const slots[3] = {state, state + n, state + 2 * n}; /* z, v, x */
    return fused_launch<3>(SfadamwOp{*c}, slots, y, g, n);
}

__global__ void swap_kernel(float *__restrict__ a, float *__restrict__ b, size_t n)
{
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        const float t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

extern "C" int swap_cuda(float *a, float *b, size_t n)
{
    if (n == 0) return 0;
    swap_kernel<<<reduce_blocks(n), REDUCE_THREADS>>>(a, b, n);
    return LAUNCH_OK("swap_kernel") ? 0 : -1;
}
