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
 *
 * fused_launch_state takes the slots as StateSlots (state_impl.h): float32
 * ones go to fused_kernel; bf16 ones to bf16_kernel, which widens each
 * value, applies Op and rounds it back in registers (bf16_sr with the
 * element's random bits); int8 ones to int8_kernel, one thread block of
 * STATE_BLOCK threads per quantisation block: each thread widens and
 * updates its value, the block reduces the new absmax of each slot, then
 * each thread stores its code. The same functions as the CPU pass
 * (opt_run.c), so both store the same bytes.
 */
#ifndef OPTBENCH_FUSED_CUH
#define OPTBENCH_FUSED_CUH

#include <stddef.h>
#include <stdint.h>

#include "harness/core/device.h"
#include "optimizers/state_impl.h"

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

/* The low-precision slots as a kernel reads them (passed by value: the
 * maps travel with the launch and are copied to shared memory). */
template <int S> struct LowpArgs {
    void *data[S > 0 ? S : 1];      /* slot k's stored values */
    float *absmax[S > 0 ? S : 1];   /* int8: slot k's absmax per block */
    int sign[S > 0 ? S : 1];        /* int8: 1 when slot k takes the signed map */
    float code[2][STATE_CODES];     /* int8: [0] unsigned, [1] signed */
    unsigned char zero[2];          /* int8: the index of 0 in each map */
    uint64_t key;                   /* bf16_sr: the rounding key */
    long t;                         /* bf16_sr: the step */
    size_t first;                   /* bf16_sr: the buffer index of value 0 */
};

template <int S, bool SR, class Op>
__global__ void bf16_kernel(Op op, float *__restrict__ p, const float *__restrict__ g, LowpArgs<S> a, size_t n)
{
    const size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        float s[S > 0 ? S : 1];
#pragma unroll
        for (int k = 0; k < S; k++) s[k] = bf16_widen(((const uint16_t *)a.data[k])[i]);
        float pi = p[i];
        op(pi, g[i], s);
        p[i] = pi;
        const uint64_t bits = SR ? state_round_bits(a.key, a.t, a.first + i) : 0;
#pragma unroll
        for (int k = 0; k < S; k++)
            ((uint16_t *)a.data[k])[i] = SR ? bf16_stochastic(s[k], (uint32_t)(bits >> (16 * k))) : bf16_nearest(s[k]);
    }
}

/* The largest of x over the thread block of STATE_BLOCK threads (x >= 0,
 * no NaN); every thread gets it. slot: the shared room of one reduction. */
__device__ inline float block_max(float x, float *slot)
{
#pragma unroll
    for (int o = 16; o; o >>= 1) {
        const float y = __shfl_xor_sync(0xffffffffu, x, o);
        x = y > x ? y : x;
    }
    if ((threadIdx.x & 31) == 0) slot[threadIdx.x >> 5] = x;
    __syncthreads();
    float m = 0;
#pragma unroll
    for (int w = 0; w < STATE_BLOCK / 32; w++) m = slot[w] > m ? slot[w] : m;
    return m;
}

template <int S, class Op>
__global__ void __launch_bounds__(STATE_BLOCK)
    int8_kernel(Op op, float *__restrict__ p, const float *__restrict__ g, LowpArgs<S> a, size_t n, size_t n_blocks)
{
    __shared__ float code[2][STATE_CODES];
    __shared__ float warp_max[S > 0 ? S : 1][STATE_BLOCK / 32];
    for (int j = threadIdx.x; j < 2 * STATE_CODES; j += blockDim.x) code[j / STATE_CODES][j % STATE_CODES] = a.code[j / STATE_CODES][j % STATE_CODES];
    __syncthreads();
    for (size_t b = blockIdx.x; b < n_blocks; b += gridDim.x) {
        const size_t i = b * STATE_BLOCK + threadIdx.x;
        const bool live = i < n;
        float s[S > 0 ? S : 1];
#pragma unroll
        for (int k = 0; k < S; k++) s[k] = live ? int8_widen(code[a.sign[k]], ((const uint8_t *)a.data[k])[i], a.absmax[k][b]) : 0;
        if (live) {
            float pi = p[i];
            op(pi, g[i], s);
            p[i] = pi;
        }
#pragma unroll
        for (int k = 0; k < S; k++) {
            const float m = block_max(fabsf(s[k]) > 0 ? fabsf(s[k]) : 0, warp_max[k]); /* NaN counts as 0, as on the CPU */
            if (live) ((uint8_t *)a.data[k])[i] = int8_store(code[a.sign[k]], a.zero[a.sign[k]], s[k], m);
            if (threadIdx.x == 0) a.absmax[k][b] = m;
        }
        __syncthreads(); /* warp_max is reused by the next block */
    }
}

/* fused_launch over StateSlots: float32 slots through fused_kernel, bf16
 * and int8 ones through their kernels; 0, or -1 with the reason in
 * device_error(). */
template <int S, class Op> int fused_launch_state(const Op &op, const StateSlots *st, float *p, const float *g, size_t n)
{
    if (st->prec == STATE_FP32) {
        float *slots[S > 0 ? S : 1];
        for (int k = 0; k < S; k++) slots[k] = (float *)st->data[k];
        return fused_launch<S>(op, slots, p, g, n);
    }
    if (n == 0) return 0;
    LowpArgs<S> a = {};
    for (int k = 0; k < S; k++) {
        a.data[k] = st->data[k];
        a.absmax[k] = st->absmax[k];
        a.sign[k] = !(st->unsigned_slots >> k & 1);
    }
    if (st->prec == STATE_INT8) {
        for (int j = 0; j < 2 * STATE_CODES; j++) a.code[j / STATE_CODES][j % STATE_CODES] = st->code[j];
        a.zero[0] = st->zero_code[0];
        a.zero[1] = st->zero_code[1];
        const size_t n_blocks = (n + STATE_BLOCK - 1) / STATE_BLOCK;
        const size_t grid = n_blocks < FUSED_MAX_BLOCKS ? n_blocks : FUSED_MAX_BLOCKS;
        int8_kernel<S, Op><<<(unsigned)grid, STATE_BLOCK>>>(op, p, g, a, n, n_blocks);
        return LAUNCH_OK("int8_kernel") ? 0 : -1;
    }
    a.key = st->key;
    a.t = st->t;
    a.first = st->first;
    size_t blocks = (n + FUSED_THREADS - 1) / FUSED_THREADS;
    if (blocks > FUSED_MAX_BLOCKS) blocks = FUSED_MAX_BLOCKS;
    if (st->prec == STATE_BF16_SR) bf16_kernel<S, true, Op><<<(unsigned)blocks, FUSED_THREADS>>>(op, p, g, a, n);
    else bf16_kernel<S, false, Op><<<(unsigned)blocks, FUSED_THREADS>>>(op, p, g, a, n);
    return LAUNCH_OK("bf16_kernel") ? 0 : -1;
}

#endif
