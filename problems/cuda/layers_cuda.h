/* layers_cuda.h — the CUDA twins of the classifier layers of layers.h, with
 * the same names plus _cuda, the same argument order and the same meaning;
 * matrix products go through cuBLAS sgemm (float32, no TF32), the rest are
 * kernels. Every pointer is device memory, every call is queued on the
 * default stream, and each returns 0, or -1 with the reason in
 * device_error(). Where the CPU function returns a reduction, the twin
 * writes per-row values to device arrays appended to its arguments.
 *
 * Dimension legend: B = rows of the batch, C = input features of a linear
 * layer, OC = its output features, V = classes, n = elements.
 */
#ifndef OPTBENCH_LAYERS_CUDA_H
#define OPTBENCH_LAYERS_CUDA_H

#include <stddef.h>
#include <stdint.h>

#include "problems/layers.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out (B,OC) = inp (B,C) · weight (OC,C)^T + bias (OC). */
int linear_forward_cuda(float *out, const float *inp, const float *weight, const float *bias, int B, int C, int OC);
/* dinp (B,C) = dout · weight (skipped when dinp is NULL); dweight (OC,C) =
 * dout^T · inp; dbias (OC) = column sums of dout (B,OC), summed over b in order. */
int linear_backward_cuda(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                         const float *weight, int B, int C, int OC);

/* out (n) = act(inp); gelu is the exact erf form. */
int activation_forward_cuda(float *out, const float *inp, size_t n, Activation act);
/* dinp (n) = dout * act'(inp), inp being the forward's input. */
int activation_backward_cuda(float *dinp, const float *dout, const float *inp, size_t n, Activation act);

/* probs (B,V) = softmax(logits); row_correct (B) = 1 where the row's largest
 * logit is its target, else 0; row_loss (B) = the row's cross-entropy in
 * double (the CPU twin returns their sum and adds the correct rows up). */
int softmax_xent_forward_cuda(float *probs, double *row_correct, const float *logits, const int32_t *targets, int B,
                              int V, double *row_loss);
/* dlogits (B,V) = (probs - onehot(targets)) * scale. */
int softmax_xent_backward_cuda(float *dlogits, const float *probs, const int32_t *targets, int B, int V, float scale);

#ifdef __cplusplus
}
#endif

#endif
