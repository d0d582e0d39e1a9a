/* harness_kernels.cu — reductions, clipping and accumulation on the device
 * (harness_kernels.h). A reduction is two launches: REDUCE_THREADS threads
 * per block each sum a grid-stride share in index order, a fixed tree in
 * shared memory sums each block, and one block sums the partial sums; the
 * grid depends only on n, so the result is the same on every run. */
#include "harness/core/cuda/harness_kernels.h"

#include "harness/core/device.h"

#define REDUCE_THREADS 256 /* threads per reduction block (a power of 2) */

/* The blocks of a reduction over n elements. */
static unsigned reduce_blocks(size_t n)
{
    size_t b = (n + REDUCE_THREADS - 1) / REDUCE_THREADS;
    return (unsigned)(b == 0 ? 1 : b > REDUCE_BLOCKS_MAX ? REDUCE_BLOCKS_MAX : b);
}

/* Sums v over the block in a fixed tree; thread 0 gets the total. */
__device__ double block_sum(double v)
{
    __shared__ double part[REDUCE_THREADS];
    part[threadIdx.x] = v;
    __syncthreads();
    for (unsigned half = REDUCE_THREADS / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) part[threadIdx.x] += part[threadIdx.x + half];
        __syncthreads();
    }
    return part[0];
}

/* Loads element i as a double: x[i], or x[i]^2 for the squared norm. */
struct LoadDouble {
    const double *x; /* the values */
    __device__ double operator()(size_t i) const { return x[i]; }
};
struct LoadSquare {
    const float *x; /* the values */
    __device__ double operator()(size_t i) const { return (double)x[i] * x[i]; }
};

/* partial[blockIdx.x] = the block's share of sum load(i), i < n. */
template <class Load> __global__ void partial_sums(Load load, size_t n, double *partial)
{
    double v = 0;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        v += load(i);
    v = block_sum(v);
    if (threadIdx.x == 0) partial[blockIdx.x] = v;
}

/* *out = sum(partial[0..m)) / divisor, or its square root with root set. */
__global__ void final_sum(const double *partial, unsigned m, double divisor, int root, double *out)
{
    double v = 0;
    for (unsigned i = threadIdx.x; i < m; i += blockDim.x) v += partial[i];
    v = block_sum(v);
    if (threadIdx.x == 0) *out = root ? sqrt(v) : v / divisor;
}

template <class Load> static int reduce(Load load, size_t n, double divisor, int root, double *out, double *scratch)
{
    const unsigned blocks = reduce_blocks(n);
    partial_sums<<<blocks, REDUCE_THREADS>>>(load, n, scratch);
    if (!LAUNCH_OK("partial_sums")) return -1;
    final_sum<<<1, REDUCE_THREADS>>>(scratch, blocks, divisor, root, out);
    return LAUNCH_OK("final_sum") ? 0 : -1;
}

extern "C" int reduce_sum_cuda(double *out, const double *x, size_t n, double divisor, double *scratch)
{
    return reduce(LoadDouble{x}, n, divisor, 0, out, scratch);
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

extern "C" int clip_grad_norm_cuda(float *g, size_t n, double max_norm, double *scratch)
{
    double *norm = scratch + REDUCE_BLOCKS_MAX;
    if (reduce(LoadSquare{g}, n, 1.0, 1, norm, scratch) != 0) return -1;
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
