/* layers_launch.h — what the CUDA layer files share (layers_cuda.cu,
 * layers_transformer_cuda.cu): the launch shape of their grid-stride
 * kernels and the warp sums of their row kernels. Included by .cu files
 * only. */
#ifndef OPTBENCH_LAYERS_LAUNCH_H
#define OPTBENCH_LAYERS_LAUNCH_H

#include <stddef.h>

#define LAYER_THREADS 256     /* threads per block */
#define LAYER_MAX_BLOCKS 4096 /* cap on blocks; kernels stride over the rest */
#define WARP 32               /* threads of a warp; row kernels give each row one */

/* Blocks of LAYER_THREADS for n work items, at least 1, at most LAYER_MAX_BLOCKS. */
static inline unsigned blocks_for(size_t n)
{
    size_t b = (n + LAYER_THREADS - 1) / LAYER_THREADS;
    return (unsigned)(b == 0 ? 1 : b > LAYER_MAX_BLOCKS ? LAYER_MAX_BLOCKS : b);
}

/* Blocks of LAYER_THREADS that give each of `rows` rows one warp. */
static inline unsigned warp_blocks_for(size_t rows)
{
    const size_t per = LAYER_THREADS / WARP;
    return (unsigned)((rows + per - 1) / per > 0 ? (rows + per - 1) / per : 1);
}

#define GRID_STRIDE(i, n) \
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (size_t)gridDim.x * blockDim.x)

/* The sum (resp. max) of v over the 32 lanes of a full warp, in every lane:
 * the butterfly adds the same pairs in every lane, so all lanes hold the
 * same bits. */
static __device__ __forceinline__ float warp_sum(float v)
{
    for (int off = WARP / 2; off > 0; off /= 2) v += __shfl_xor_sync(0xffffffffu, v, off);
    return v;
}

static __device__ __forceinline__ float warp_max(float v)
{
    for (int off = WARP / 2; off > 0; off /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, off));
    return v;
}

#endif
