/* layers_cuda.h — the CUDA twins of the layers of layers.h, with the same
 * names plus _cuda, the same argument order and the same meaning; matrix
 * products go through cuBLAS sgemm (float32, no TF32), the rest are kernels
 * (layers_cuda.cu: classifier layers; layers_transformer_cuda.cu: the
 * transformer's). Every pointer is device memory, every call is queued on
 * the default stream, and each returns 0, or -1 with the reason in
 * device_error(). Where the CPU function returns a reduction, the twin
 * writes per-row values to device arrays appended to its arguments; CPU
 * scratch arguments that the device does not need are left out.
 *
 * Dimension legend: B = rows of the batch (for the transformer:
 * sequences), T = positions of a sequence, N = B*T token rows, C = input
 * features of a linear layer (the transformer's d_model), OC = its output
 * features, NH = attention heads, V = classes or vocabulary, n = elements.
 */
#ifndef OPTBENCH_LAYERS_CUDA_H
#define OPTBENCH_LAYERS_CUDA_H

#include <stddef.h>
#include <stdint.h>

#include "problems/layers.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out (B,OC) = inp (B,C) · weight (OC,C)^T + bias (OC); bias may be NULL. */
int linear_forward_cuda(float *out, const float *inp, const float *weight, const float *bias, int B, int C, int OC);
/* dinp (B,C) = dout · weight (skipped when dinp is NULL); dweight (OC,C) =
 * dout^T · inp; dbias (OC) = column sums of dout (B,OC), summed over b in order (skipped
 * when NULL). */
int linear_backward_cuda(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                         const float *weight, int B, int C, int OC);

/* out (n) = act(inp); gelu is the exact erf form. */
int activation_forward_cuda(float *out, const float *inp, size_t n, Activation act);
/* dinp (n) = dout * act'(inp), inp being the forward's input. */
int activation_backward_cuda(float *dinp, const float *dout, const float *inp, size_t n, Activation act);

/* probs (B,V) = softmax(logits); row_correct (B) = 1 where the row's largest
 * logit is its target, else 0; row_loss (B) = the row's cross-entropy in
 * double (the CPU twin returns their sum and adds the correct rows up). A
 * row whose target is negative is ignored as on the CPU: loss 0, not
 * correct (softmax_row.h holds the one body of both). */
int softmax_xent_forward_cuda(float *probs, double *row_correct, const float *logits, const int32_t *targets, int B,
                              int V, double *row_loss);
/* dlogits (B,V) = (probs - onehot(targets)) * scale, zero in ignored rows. */
int softmax_xent_backward_cuda(float *dlogits, const float *probs, const int32_t *targets, int B, int V, float scale);

/* out (B,T,C) = wte[tokens] + wpe[t]. */
int encoder_forward_cuda(float *out, const int32_t *tokens, const float *wte, const float *wpe, int B, int T, int C);
/* dwpe (T,C) = sums of dout over b; dwte (V,C) += dout rows of each token,
 * summed in row order (V: rows of wte, which the gather over tokens needs). */
int encoder_backward_cuda(float *dwte, float *dwpe, const float *dout, const int32_t *tokens, int B, int T, int C,
                          int V);

/* LayerNorm of the N rows of inp (N,C); mean and rstd (N) kept. */
int layernorm_forward_cuda(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                           const float *bias, int N, int C);
/* dinp (N,C), dweight (C) and dbias (C) from dout (N,C); the parameter
 * gradients are summed over n in order. */
int layernorm_backward_cuda(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                            const float *weight, const float *mean, const float *rstd, int N, int C);

/* Causal multi-head self-attention of qkv (B,T,3C): att (B,NH,T,T), out
 * (B,T,C). */
int attention_forward_cuda(float *out, float *att, const float *qkv, int B, int T, int C, int NH);
/* dqkv (B,T,3C) from dout (B,T,C); datt (B,NH,T,T) is scratch. */
int attention_backward_cuda(float *dqkv, float *datt, const float *dout, const float *qkv, const float *att, int B,
                            int T, int C, int NH);

/* out (n) = inp + branch. */
int residual_forward_cuda(float *out, const float *inp, const float *branch, size_t n);
/* dinp (n) = dout + dbranch; dinp may be dout. */
int residual_backward_cuda(float *dinp, const float *dout, const float *dbranch, size_t n);

#ifdef __cplusplus
}
#endif

#endif
