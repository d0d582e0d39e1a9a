/* harness_kernels.h — the device kernels of the step loop and the bench,
 * each the twin of a CPU function named beside it (same argument order):
 * deterministic reductions in double, gradient clipping, gradient
 * accumulation and the streaming reference kernel of `optbench bench`.
 * Every pointer is device memory; every function launches on the default
 * stream and returns 0, or -1 with the reason in device_error().
 *
 * Legend: n = elements; scratch = REDUCE_SCRATCH doubles of device memory.
 */
#ifndef OPTBENCH_HARNESS_KERNELS_H
#define OPTBENCH_HARNESS_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define REDUCE_BLOCKS_MAX 1024              /* most partial sums of a reduction */
#define REDUCE_SCRATCH (REDUCE_BLOCKS_MAX + 1) /* doubles of scratch a reduction needs */

/* *out = (sum of x[0..n)) / divisor, in double, in an order fixed by n alone
 * (the same on every run); CPU twin: the sequential sums of layers.c. */
int reduce_sum_cuda(double *out, const double *x, size_t n, double divisor, double *scratch);

/* CPU twin: clip_grad_norm (runner.h). Scales g to global L2 norm max_norm
 * when it is larger; the norm before into *norm (device memory). */
int clip_grad_norm_cuda(float *g, size_t n, double max_norm, double *norm, double *scratch);

/* CPU twin: step_norms (runner.h). *out = ||a||, or ||a - b|| when b is not
 * NULL, from the terms of harness/core/norm_impl.h. */
int l2_norm_cuda(double *out, const float *a, const float *b, size_t n, double *scratch);

/* g[i] += m[i] * scale; CPU twin: the accumulation loop of runner.c. */
int accumulate_cuda(float *g, const float *m, size_t n, float scale);

/* CPU twin: roofline_pass (roofline.h): rw[k][i] = 0.5 * rw[k][i] + g[i]
 * for the n_rw (1..4) arrays of rw (a host array of device pointers), with
 * the grid, vector width and tail of the fused optimizer kernels. */
int roofline_pass_cuda(float *const *rw, int n_rw, const float *g, size_t n);

/* CPU twin: roofline_pass_narrow (roofline.h): p = 0.5 p + g and every byte
 * of the n_slots slots of width bytes per value (device pointers in a host
 * array) incremented. */
int roofline_pass_narrow_cuda(float *p, unsigned char *const *slots, int n_slots, int width, const float *g, size_t n);

#ifdef __cplusplus
}
#endif

#endif
