/* state_impl.h — the stored forms of low-precision optimizer state
 * (state=bf16|bf16_sr|int8; docs/OPTIMIZERS.md, "Low-precision state"), as
 * inline functions that compile for the host and, under nvcc, for the
 * device too, so that the CPU's tile functions (optimizers/state_cpu.c)
 * and the CUDA kernels (optimizers/cuda/fused.cuh) widen and round every
 * state value with the same operations. (The CPU finds an int8 code through
 * a table, state.h, that gives int8_nearest's index for every float.)
 *
 * A step widens each stored value to float32, runs the optimizer's float32
 * rule (update_impl.h) and rounds the new value back:
 *   bf16     the upper 16 bits of the float32, rounded to nearest even;
 *   bf16_sr  the same bits rounded up with probability equal to the dropped
 *            fraction: the 16 dropped bits plus 16 random bits, carried;
 *   int8     one byte per value and one float32 absmax per block of
 *            STATE_BLOCK values of a tensor: the code of the dynamic map
 *            (state.c) nearest to value/absmax.
 * The random bits of bf16_sr are a pure function of (seed, t, element):
 * slot s takes bits [16s, 16s+16) of rng_bits(seed, RNG_STREAM_ROUNDING,
 * t * 2^40 + element), element being the value's index in the parameter
 * buffer, so a run's rounding does not depend on threads or tiles.
 */
#ifndef OPTBENCH_STATE_IMPL_H
#define OPTBENCH_STATE_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "harness/core/rng_impl.h"

#ifdef __CUDACC__
#define STATE_FN static inline __host__ __device__
#else
#define STATE_FN static inline
#endif

/* The values of the `state` hyperparameter, in the order of STATE_CHOICES. */
typedef enum { STATE_FP32, STATE_BF16, STATE_BF16_SR, STATE_INT8, N_STATE_PRECISIONS } StatePrecision;

#define STATE_CHOICES "fp32|bf16|bf16_sr|int8" /* the words of StatePrecision */
#define STATE_BLOCK 256        /* values per int8 block, each block with one float32 absmax */
#define STATE_INT8_MIN 128     /* under int8 a tensor of fewer values keeps float32 state */
#define STATE_CODES 256        /* entries of an int8 dynamic map */
#define STATE_STEP_SHIFT 40    /* the rounding counter is t << STATE_STEP_SHIFT | element */

STATE_FN uint32_t state_bits_of(float x)
{
#ifdef __CUDA_ARCH__
    return __float_as_uint(x);
#else
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
#endif
}

STATE_FN float state_float_of(uint32_t u)
{
#ifdef __CUDA_ARCH__
    return __uint_as_float(u);
#else
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
#endif
}

#define STATE_MAX_SLOTS 3      /* most slots of one step (OPT_MAX_STATE) */

/* The stored slots of one pass (one tensor, or the whole buffer): as a
 * CUDA step is handed them (device pointers, the maps on the host), and as
 * the CPU pass's tile functions of state.h read them (host pointers). */
typedef struct {
    int prec;                         /* StatePrecision of every slot */
    void *data[STATE_MAX_SLOTS];      /* slot s: float, uint16_t (bf16) or uint8_t (int8) values */
    float *absmax[STATE_MAX_SLOTS];   /* int8: slot s's absmax of each block */
    unsigned unsigned_slots;          /* int8: bit s set: slot s takes the unsigned map */
    const float *code;                /* int8: the maps, [0] unsigned and [1] signed, STATE_CODES each */
    const uint32_t *table;            /* int8, CPU: the maps' search tables (state_int8_table), [0] then [1] */
    const unsigned char *zero_code;   /* int8: the index of 0 in each map */
    uint64_t key;                     /* bf16_sr: rng_key(seed, RNG_STREAM_ROUNDING) */
    long t;                           /* bf16_sr: the step */
    size_t first;                     /* bf16_sr: the buffer index of value 0 */
} StateSlots;

/* Float32 slots as StateSlots. */
static inline StateSlots state_slots_fp32(float *const *slots)
{
    StateSlots st;
    memset(&st, 0, sizeof st);
    st.prec = STATE_FP32;
    for (int s = 0; s < STATE_MAX_SLOTS; s++) st.data[s] = slots[s];
    return st;
}

/* A stored bf16 value as float32 (exact). */
STATE_FN float bf16_widen(uint16_t h) { return state_float_of((uint32_t)h << 16); }

/* x rounded to bf16, to nearest with ties to even (torch's conversion);
 * NaN becomes the quiet NaN 0x7fc0. Branch-free (a select), so that a loop
 * of it vectorises. */
STATE_FN uint16_t bf16_nearest(float x)
{
    const uint32_t u = state_bits_of(x);
    const uint32_t r = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    return (uint16_t)(x != x ? 0x7fc0u : r);
}

/* x rounded to bf16 stochastically with the 16 random bits r: up (away from
 * zero in magnitude) with probability (dropped bits) / 2^16. */
STATE_FN uint16_t bf16_stochastic(float x, uint32_t r)
{
    const uint32_t u = state_bits_of(x);
    const uint32_t h = (u + (r & 0xffffu)) >> 16;
    return (uint16_t)(x != x ? 0x7fc0u : h);
}

/* The 64 random bits of element e at step t for key = rng_key(seed,
 * RNG_STREAM_ROUNDING); slot s uses bits [16s, 16s+16). */
STATE_FN uint64_t state_round_bits(uint64_t key, long t, size_t e)
{
    return rng_bits_keyed(key, ((uint64_t)t << STATE_STEP_SHIFT) ^ (uint64_t)e);
}

/* The index of the code nearest to x in the sorted map code[STATE_CODES];
 * the lower index on a tie. */
STATE_FN int int8_nearest(const float *code, float x)
{
    int lo = 0; /* the last code <= x (0 when none is): lo + step stays below STATE_CODES */
    for (int step = STATE_CODES / 2; step; step >>= 1)
        if (code[lo + step] <= x) lo += step;
    if (lo + 1 < STATE_CODES && code[lo + 1] - x < x - code[lo]) lo++;
    return lo;
}

/* The stored byte q of a block with this absmax, as float32. */
STATE_FN float int8_widen(const float *code, uint8_t q, float absmax) { return code[q] * absmax; }

/* The byte that stores x in a block of this absmax (absmax 0: the zero
 * code, every value of the block being 0), by the plain search: the
 * device's; the CPU reaches the same byte through the table of state.h. */
STATE_FN uint8_t int8_store(const float *code, uint8_t zero, float x, float absmax)
{
    if (!(absmax > 0)) return zero;
    return (uint8_t)int8_nearest(code, x / absmax);
}

#endif
