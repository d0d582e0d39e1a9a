/* reduce.cuh — the deterministic device reductions of harness_kernels.cu,
 * for the .cu files that sum values of their own (the tensor-aware
 * optimizer steps). A reduction is two launches: REDUCE_THREADS threads per
 * block each sum a grid-stride share in index order, a fixed tree in
 * shared memory sums each block, and one block sums the partial sums; the
 * grid depends only on n, so the result is the same on every run.
 *
 * A Load is a functor `__device__ double operator()(size_t i) const` that
 * gives element i of the sum; reduce_launch sums load(0..n) into one device
 * double. Legend: scratch = REDUCE_SCRATCH doubles of device memory.
 */
#ifndef OPTBENCH_REDUCE_CUH
#define OPTBENCH_REDUCE_CUH

#include <stddef.h>

#include "harness/core/cuda/harness_kernels.h"
#include "harness/core/device.h"
#include "harness/core/norm_impl.h"

#define REDUCE_THREADS 256 /* threads per reduction block (a power of 2) */

/* The blocks of a reduction over n elements. */
static inline unsigned reduce_blocks(size_t n)
{
    size_t b = (n + REDUCE_THREADS - 1) / REDUCE_THREADS;
    return (unsigned)(b == 0 ? 1 : b > REDUCE_BLOCKS_MAX ? REDUCE_BLOCKS_MAX : b);
}

/* Sums v over a block of REDUCE_THREADS threads in a fixed tree; every
 * thread gets the total. */
static __device__ inline double block_sum(double v)
{
    __shared__ double part[REDUCE_THREADS];
    part[threadIdx.x] = v;
    __syncthreads();
    for (unsigned half = REDUCE_THREADS / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) part[threadIdx.x] += part[threadIdx.x + half];
        __syncthreads();
    }
    const double total = part[0];
    __syncthreads(); /* part may be reused by the caller's next block_sum */
    return total;
}

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
static __global__ void final_sum(const double *partial, unsigned m, double divisor, int root, double *out)
{
    double v = 0;
    for (unsigned i = threadIdx.x; i < m; i += blockDim.x) v += partial[i];
    v = block_sum(v);
    if (threadIdx.x == 0) *out = root ? sqrt(v) : v / divisor;
}

/* *out = (sum of load(i), i < n) / divisor (its square root with root set),
 * on the device; 0, or -1 with the reason in device_error(). */
template <class Load>
static int reduce_launch(Load load, size_t n, double divisor, int root, double *out, double *scratch)
{
    const unsigned blocks = reduce_blocks(n);
    partial_sums<<<blocks, REDUCE_THREADS>>>(load, n, scratch);
    if (!LAUNCH_OK("partial_sums")) return -1;
    final_sum<<<1, REDUCE_THREADS>>>(scratch, blocks, divisor, root, out);
    return LAUNCH_OK("final_sum") ? 0 : -1;
}

/* Loads element i as a double: x[i], or the term of a squared norm
 * (norm_impl.h, shared with the CPU's sums). */
struct LoadDouble {
    const double *x; /* the values */
    __device__ double operator()(size_t i) const { return x[i]; }
};
struct LoadFloat {
    const float *x; /* the values */
    __device__ double operator()(size_t i) const { return (double)x[i]; }
};
struct LoadSquare {
    const float *x; /* the values */
    __device__ double operator()(size_t i) const { return norm_term(x[i]); }
};
struct LoadDiffSquare {
    const float *a, *b; /* the values and those subtracted from them */
    __device__ double operator()(size_t i) const { return norm_diff_term(a[i], b[i]); }
};

#endif
