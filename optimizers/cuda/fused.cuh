/* fused.cuh — the one grid-stride kernel every optimizer step is made of.
 *
 * fused_kernel<S, Op> walks n floats once: 16-byte vectorised loads and
 * stores (float4) of p, g and the S state slots while every pointer is
 * 16-byte aligned, then a scalar tail (and the whole range when a pointer is
 * not aligned). Op is a small functor holding the step's constants; its
 * operator() updates one element in registers:
 *     void operator()(float &p, float g, float *s) const   // s: S slot values
 * fused_launch picks the grid (enough blocks to fill the device, capped) and
 * checks the launch.
 */
#ifndef OPTBENCH_FUSED_CUH
#define OPTBENCH_FUSED_CUH

#include <stddef.h>
#include <stdint.h>

#include "harness/core/device.h"

#define FUSED_THREADS 256    /* threads per block */
#define FUSED_MAX_BLOCKS 4096 /* cap on blocks; the grid strides over the rest */

/* Up to 3 state slot pointers, passed by value to the kernel. */
template <int S> struct Slots {
    float *s[S > 0 ? S : 1]; /* slot k, n floats each */
};

template <int S, class Op>
__global__ void fused_kernel(Op op, float *__restrict__ p, const float *__restrict__ g, Slots<S> st, size_t n,
                             size_t n_vec)
{
    const size_t stride = (size_t)gridDim.x * blockDim.x;
    const size_t first = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    for (size_t i = first; i < n_vec; i += stride) {
        float4 pv = reinterpret_cast<float4 *>(p)[i];
        const float4 gv = reinterpret_cast<const float4 *>(g)[i];
        float4 sv[S > 0 ? S : 1];
        for (int k = 0; k < S; k++) sv[k] = reinterpret_cast<float4 *>(st.s[k])[i];
        float *pl = reinterpret_cast<float *>(&pv);
        const float *gl = reinterpret_cast<const float *>(&gv);
#pragma unroll
        for (int lane = 0; lane < 4; lane++) {
            float s[S > 0 ? S : 1];
#pragma unroll
            for (int k = 0; k < S; k++) s[k] = reinterpret_cast<float *>(&sv[k])[lane];
            op(pl[lane], gl[lane], s);
#pragma unroll
            for (int k = 0; k < S; k++) reinterpret_cast<float *>(&sv[k])[lane] = s[k];
        }
        reinterpret_cast<float4 *>(p)[i] = pv;
#pragma unroll
        for (int k = 0; k < S; k++) reinterpret_cast<float4 *>(st.s[k])[i] = sv[k];
    }
    for (size_t i = 4 * n_vec + first; i < n; i += stride) {
        float s[S > 0 ? S : 1];
#pragma unroll
        for (int k = 0; k < S; k++) s[k] = st.s[k][i];
        float pi = p[i];
        op(pi, g[i], s);
        p[i] = pi;
#pragma unroll
        for (int k = 0; k < S; k++) st.s[k][i] = s[k];
    }
}

/* Launches fused_kernel<S> over n floats of p, g and state[0..S-1]; returns
 * 0, or -1 with the reason in device_error(). */
template <int S, class Op> int fused_launch(const Op &op, float *const *state, float *p, const float *g, size_t n)
{
    Slots<S> st = {};
    uintptr_t bits = (uintptr_t)p | (uintptr_t)g;
    for (int k = 0; k < S; k++) {
        st.s[k] = state[k];
        bits |= (uintptr_t)state[k];
    }
    const size_t n_vec = bits % 16 == 0 ? n / 4 : 0;
    const size_t work = n_vec ? n_vec : n;
    size_t blocks = (work + FUSED_THREADS - 1) / FUSED_THREADS;
    if (blocks > FUSED_MAX_BLOCKS) blocks = FUSED_MAX_BLOCKS;
    if (n == 0) return 0;
    fused_kernel<S, Op><<<(unsigned)blocks, FUSED_THREADS>>>(op, p, g, st, n, n_vec);
    return LAUNCH_OK("fused_kernel") ? 0 : -1;
}

#endif
