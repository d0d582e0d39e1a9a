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
 * of the canonical JSON there, so that fp32 runs keep their identity). */
#define OPT_STATE_PARAM                                                                                 \
    {"state", PARAM_CHOICE, STATE_FP32, 0, N_STATE_PRECISIONS - 1, PARAM_QUIET_DEFAULT, STATE_CHOICES, \
     "precision of the stored state: fp32, bf16 (nearest even), bf16_sr (stochastic), int8 (blockwise)"}

/* The same entry for an optimizer whose state stays float32 (the
 * tensor-aware ones): any other value is an input error naming fp32. */
#define OPT_STATE_FP32_PARAM \
    {"state", PARAM_CHOICE, STATE_FP32, 0, 0, PARAM_QUIET_DEFAULT, "fp32", "precision of the stored state: fp32 only"}

/* The int8 dynamic map, sorted ascending, into code[STATE_CODES]; returns
 * the index of its 0. Signed: for each decade e = 0..6, the 2^e midpoints
 * of 2^e equal steps of [0.1, 1], times 10^(e-6), with both signs, and 0
 * and 1; unsigned: 2^(e+1) midpoints per decade, positive, and 0 and 1.
 * Computed in double, rounded to float32. */
int state_int8_map(int is_signed, float *code);

/* The buckets of the sorted map code for int8_nearest_bucketed: for each
 * of STATE_BUCKETS ranges of float bits, the last code <= its smallest and
 * its largest float (0 when none is), into first and last. */
void state_int8_buckets(const float *code, unsigned char *first, unsigned char *last);

/* Int8 blocks of a slot of n values. */
size_t state_blocks(size_t n);

/* Exact bytes of one slot of n values in precision q: n x 4 (fp32),
 * n x 2 (bf16, bf16_sr), n + 4 x state_blocks(n) (int8). */
size_t state_slot_bytes(StatePrecision q, size_t n);

/* The precision a tensor of n values keeps under the setting q: q, except
 * float32 under int8 below STATE_INT8_MIN values. */
StatePrecision state_for_tensor(StatePrecision q, size_t n);

/* The StatePrecision of the `state` value idx of a table entry def (its
 * word looked up in STATE_CHOICES, so a table may offer any subset);
 * -1 when the word is not a precision. */
int state_of_choice(const ParamDef *def, int idx);

#endif
