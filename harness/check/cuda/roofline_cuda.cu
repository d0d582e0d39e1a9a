/* roofline_cuda.cu — the streaming reference kernel of `optbench bench
 * --device cuda` (harness_kernels.h), built from the same fused grid-stride
 * skeleton as the optimizer steps so that only their arithmetic differs. */
#include "optimizers/cuda/fused.cuh"
#include "harness/core/cuda/harness_kernels.h"

#include <type_traits>

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

/* p = 0.5p + g and each slot's W bytes of the element incremented. */
template <int W> __global__ void narrow_kernel(float *__restrict__ p, const float *__restrict__ g, Slots<3> st,
                                               int n_slots, size_t n)
{
    typedef typename std::conditional<W == 2, uint16_t, uint8_t>::type T;
    const size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        p[i] = 0.5f * p[i] + g[i];
        for (int k = 0; k < n_slots; k++) ((T *)st.s[k])[i] = (T)(((T *)st.s[k])[i] + 1);
    }
}

extern "C" int roofline_pass_narrow_cuda(float *p, unsigned char *const *slots, int n_slots, int width, const float *g,
                                         size_t n)
{
    Slots<3> st = {};
    for (int k = 0; k < n_slots && k < 3; k++) st.s[k] = (float *)slots[k];
    size_t blocks = (n + FUSED_THREADS - 1) / FUSED_THREADS;
    if (blocks > FUSED_MAX_BLOCKS) blocks = FUSED_MAX_BLOCKS;
    if (n == 0) return 0;
    if (width == 2) narrow_kernel<2><<<(unsigned)blocks, FUSED_THREADS>>>(p, g, st, n_slots, n);
    else narrow_kernel<1><<<(unsigned)blocks, FUSED_THREADS>>>(p, g, st, n_slots, n);
    return LAUNCH_OK("narrow_kernel") ? 0 : -1;
}
