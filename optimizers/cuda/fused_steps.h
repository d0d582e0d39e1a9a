/* fused_steps.h — the launchers of the fused CUDA optimizer kernels, one per
 * optimizer family. Each applies the per-element function of
 * optimizers/update_impl.h that its CPU loop (optimizers/NAME.c) applies,
 * with the constants of coef.h, in one pass over n floats: one kernel
 * launch on the default stream, nothing copied to or from the host. state, p and g are device pointers. Return 0, or -1 with
 * the reason in device_error().
 *
 * Legend: n = number of parameters; st = the optimizer's slots, in the
 * order of its CPU file, in float32 or a low precision (state_impl.h): a
 * low-precision pass widens, updates and rounds each value in registers.
 */
#ifndef OPTBENCH_FUSED_STEPS_H
#define OPTBENCH_FUSED_STEPS_H

#include <stddef.h>

#include "optimizers/coef.h"
#include "optimizers/state_impl.h"

#ifdef __cplusplus
extern "C" {
#endif

int sgd_cuda(const SgdCoef *c, const StateSlots *st, float *p, const float *g, size_t n);
int adagrad_cuda(const AdagradCoef *c, const StateSlots *st, float *p, const float *g, size_t n);
int rmsprop_cuda(const RmspropCoef *c, const StateSlots *st, float *p, const float *g, size_t n);
int adam_cuda(const AdamCoef *c, const StateSlots *st, float *p, const float *g, size_t n);
int lion_cuda(const LionCoef *c, const StateSlots *st, float *p, const float *g, size_t n);
int nadam_cuda(const NadamCoef *c, const StateSlots *st, float *p, const float *g, size_t n);
int radam_cuda(const RadamCoef *c, const StateSlots *st, float *p, const float *g, size_t n);
int adamax_cuda(const AdamaxCoef *c, const StateSlots *st, float *p, const float *g, size_t n);

#ifdef __cplusplus
}
#endif

#endif
