/* state.h — the host side of low-precision optimizer state (state_impl.h
 * holds what the host and the device share): the int8 dynamic maps, the
 * bytes a slot holds in each precision, and the `state` hyperparameter
 * that every elementwise optimizer with state puts last in its table. */
#ifndef OPTBENCH_STATE_H
#define OPTBENCH_STATE_H

#include <stddef.h>

#include "harness/core/params.h"
#include "optimizers/state_impl.h"

/* The table entry of the `state` hyperparameter (fp32 by default, left out
 * of the canonical JSON there, so that fp32 runs keep their identity). A
 * table offers the first words of STATE_CHOICES, so that a value's index
 * is its StatePrecision. */
#define OPT_STATE_PARAM                                                                                 \
    {"state", PARAM_CHOICE, STATE_FP32, 0, N_STATE_PRECISIONS - 1, PARAM_QUIET_DEFAULT, STATE_CHOICES, \
     "precision of the stored state: fp32, bf16 (nearest even), bf16_sr (stochastic), int8 (blockwise)"}

/* The same entry for an optimizer whose state stays float32 (the built-in
 * tensor-aware ones, a plugin that declares no other precision): any other
 * value is an input error naming fp32, the one word (index STATE_FP32). */
#define OPT_STATE_FP32_PARAM \
    {"state", PARAM_CHOICE, STATE_FP32, 0, 0, PARAM_QUIET_DEFAULT, "fp32", "precision of the stored state: fp32 only"}

/* The int8 dynamic map, sorted ascending, into code[STATE_CODES]; returns
 * the index of its 0. Signed: for each decade e = 0..6, the 2^e midpoints
 * of 2^e equal steps of [0.1, 1], times 10^(e-6), with both signs, and 0
 * and 1; unsigned: 2^(e+1) midpoints per decade, positive, and 0 and 1.
 * Computed in double, rounded to float32. */
int state_int8_map(int is_signed, float *code);

/* The CPU's int8 search. y's key, state_key(y), is an integer in the
 * order of the floats (its bits for y >= +0, -1 - |bits| below: -0 just
 * under +0). int8_nearest(code, y) counts the thresholds t_k <= y of the
 * map (t_k: the least float that rounds to code k+1 rather than k; the
 * comparisons of int8_nearest are monotone in y, so there is one), so the
 * keys of [-1, 1] are cut into STATE_TABLE buckets of 2^STATE_KEY_SHIFT
 * keys, each with one table word: bits 24..31 the count of thresholds
 * below the bucket, bits 0..15 the offset of its threshold in the bucket
 * minus 1 (0xffff: none), bit 16 (STATE_TABLE_WALK) set when the bucket
 * holds more than one threshold, where the code is int8_nearest's. A key
 * outside [-1, 1] is clamped to it (the same code) and NaN takes 0 (as in
 * int8_nearest), so int8_code is int8_nearest for every float. */
#define STATE_KEY_SHIFT 16                         /* a bucket: the keys that agree above their low 16 bits */
#define STATE_KEY_MAX 0x3f800000                   /* state_key(1.0f) */
#define STATE_KEY_MIN (-1 - STATE_KEY_MAX)         /* state_key(-1.0f) */
#define STATE_KEY_FIRST (-((-(STATE_KEY_MIN) + 0xffff) >> STATE_KEY_SHIFT)) /* the first bucket: STATE_KEY_MIN's */
#define STATE_TABLE ((STATE_KEY_MAX >> STATE_KEY_SHIFT) - STATE_KEY_FIRST + 1) /* buckets of one map */
#define STATE_TABLE_WALK (1u << 16)                /* word bit: the bucket needs int8_nearest */

/* The order-preserving integer of y (an involution of the bits: state_unkey
 * inverts it). */
static inline int32_t state_key(float y)
{
    const uint32_t u = state_bits_of(y);
    return (int32_t)(u ^ ((uint32_t)((int32_t)u >> 31) >> 1));
}

static inline float state_unkey(int32_t k) { return state_float_of((uint32_t)state_key(state_float_of((uint32_t)k))); }

/* The table word index of a key in [STATE_KEY_MIN, STATE_KEY_MAX]. */
static inline int state_bucket(int32_t k) { return (k >> STATE_KEY_SHIFT) - STATE_KEY_FIRST; }

/* int8_nearest(code, y) through the map's table (state_int8_table). */
static inline int int8_code(const float *code, const uint32_t *table, float y)
{
    int32_t k = state_key(y);
    k = k < STATE_KEY_MIN ? STATE_KEY_MIN : k > STATE_KEY_MAX ? STATE_KEY_MAX : k;
    const uint32_t w = table[state_bucket(k)];
    int q = (int)(w >> 24) + (((uint32_t)k & 0xffffu) > (w & 0xffffu));
    if (w & STATE_TABLE_WALK) q = int8_nearest(code, y);
    return y != y ? 0 : q;
}

/* The table of the sorted map code for int8_code, into
 * table[STATE_TABLE]: each bucket's codes at its least and greatest key,
 * and where they differ by one the threshold, found by bisection over the
 * keys. Returns the number of buckets that need the walk (0 for both maps
 * of state_int8_map). */
int state_int8_table(const float *code, uint32_t *table);

/* The CPU pass's tile functions (state_cpu.c), values [a, a + len) of the
 * n_slots slots of st (host pointers; a a multiple of STATE_BLOCK), for
 * int8 steps, plugins' low-precision steps and the initial state of every
 * precision (a built-in bf16 or bf16_sr step rounds in its own loop:
 * OPT_STATE_LOOP of optimizer.h): state_widen_cpu writes slot s's values
 * as float32 into out[s];
 * state_narrow_cpu stores in[s] back (int8: each block with the absmax of
 * its new values; bf16_sr: the draws of st->key, st->t, st->first + a + i).
 * Under int8 both have an AVX2 path, taken where the CPU has AVX2 (the
 * build targets generic x86-64), and a plain C one; the two store the same
 * bytes. bf16 and bf16_sr take one plain path. */
void state_widen_cpu(const StateSlots *st, int n_slots, size_t a, size_t len, float *const *out);
void state_narrow_cpu(const StateSlots *st, int n_slots, size_t a, size_t len, float *const *in);

/* Whether the tile functions take their AVX2 path; state_cpu_vector(0)
 * keeps them on the plain one (tests compare the two), (1) restores the
 * choice by the CPU. Not for use while a pass runs. */
int state_cpu_vector_on(void);
void state_cpu_vector(int on);

/* Int8 blocks of a slot of n values. */
size_t state_blocks(size_t n);

/* Bytes of one stored value in precision q: 4 (fp32), 2 (bf16, bf16_sr),
 * 1 (int8; its blocks' absmax aside). */
int state_value_bytes(StatePrecision q);

/* Exact bytes of one slot of n values in precision q: n x 4 (fp32),
 * n x 2 (bf16, bf16_sr), n + 4 x state_blocks(n) (int8). */
size_t state_slot_bytes(StatePrecision q, size_t n);

/* The precision a tensor of n values keeps under the setting q: q, except
 * float32 under int8 below STATE_INT8_MIN values. */
StatePrecision state_for_tensor(StatePrecision q, size_t n);

#endif
