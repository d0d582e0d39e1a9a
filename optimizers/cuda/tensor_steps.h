/* tensor_steps.h — the launchers of the tensor-aware optimizers' CUDA
 * kernels (optimizers/cuda/{adafactor,muon,sfadamw}_cuda.cu). Each makes on
 * one tensor the passes of its CPU step (optimizers/NAME.c), with the
 * functions of optimizers/tensor_impl.h and the constants its CPU step
 * computes: kernels and cuBLAS calls queued on the default stream, nothing
 * copied between host and device. Every pointer is device memory; sums is
 * OptGroup.sums (OPT_SUMS results, then a reduction's scratch). Return 0,
 * or -1 with the reason in device_error().
 *
 * Legend: R x C = a matrix tensor's rows and columns (row-major); n = its
 * elements.
 */
#ifndef OPTBENCH_TENSOR_STEPS_H
#define OPTBENCH_TENSOR_STEPS_H

#include <stddef.h>

#include "optimizers/tensor_impl.h"

#define OPT_SUMS 4 /* result doubles of a step's reductions, before their scratch (OptGroup.sums) */

#ifdef __cplusplus
extern "C" {
#endif

/* Adafactor on one tensor: factored (an R x C matrix; state = R row then C
 * column factors) or not (n = R*C elements; state = n second moments). */
int adafactor_cuda(const AdafactorCoef *c, float *p, const float *g, float *state, size_t rows, size_t cols,
                   int factored, double *sums);

/* Muon on one R x C matrix tensor: momentum buf, ns_steps Newton-Schulz
 * iterations in scratch (2*R*C + 2*m*m floats, m = min(R, C)) through
 * cuBLAS, and the update of p. */
int muon_matrix_cuda(const MuonCoef *c, float *p, const float *g, float *buf, size_t rows, size_t cols,
                     int ns_steps, float *scratch, double *sums);

/* Schedule-free AdamW on one tensor of n parameters y; state = its z, v
 * and x blocks of n floats each. */
int sfadamw_cuda(const SfadamwCoef *c, float *y, const float *g, float *state, size_t n);

/* Exchanges the n floats of a and b. */
int swap_cuda(float *a, float *b, size_t n);

#ifdef __cplusplus
}
#endif

#endif
