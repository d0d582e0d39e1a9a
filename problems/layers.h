/* layers.h — forward/backward pairs of the classifier and transformer
 * layers on row-major float32 activations, llm.c style: outputs first, then
 * inputs, then sizes. Every backward overwrites (does not accumulate into)
 * what it writes, except encoder_backward's dwte (see there). Outside a
 * parallel region they spread long loops over the OpenMP threads; inside
 * one (a caller's own split) they run on the calling thread.
 *
 * Dimension legend: B = rows of the batch (for the transformer: sequences),
 * T = positions of a sequence, N = B*T rows of token activations, C = input
 * features of a linear layer (the transformer's d_model), OC = output
 * features, NH = attention heads (C/NH channels each), V = classes or
 * vocabulary, n = elements.
 */
#ifndef OPTBENCH_LAYERS_H
#define OPTBENCH_LAYERS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "problems/problem.h"

typedef enum { ACT_RELU, ACT_GELU, ACT_TANH } Activation;

/* GELU in double with libm's erf: the exact form the double references
 * (classifier_loss_ref, the transformer's) check the float layers against. */
static inline double gelu_ref(double x) { return 0.5 * x * (1.0 + erf(x * M_SQRT1_2)); }

#define COL_CHUNK 16 /* columns of one thread's share in a sum over rows */
#define PAR_MIN 16384 /* elements below which a loop stays on one thread */
/* Whether a loop over n elements gets a team of threads: not when short,
 * nor when called inside a parallel region (the classifier's row blocks,
 * the transformer's blocks of sequences), where it runs on the calling
 * thread (omp_in_parallel: the file that uses it includes omp.h). */
#define PAR_IF(n) ((size_t)(n) >= PAR_MIN && !omp_in_parallel())

/* out (cols) = sums over the rows of in (rows, cols), each column summed
 * from the first row to the last whatever the thread count (groups of
 * COL_CHUNK columns are spread over threads). */
void column_sums(float *out, const float *in, int rows, int cols);

/* out (B,OC) = inp (B,C) · weight (OC,C)^T + bias (OC); torch.nn.Linear.
 * bias may be NULL (no bias). */
void linear_forward(float *out, const float *inp, const float *weight, const float *bias, int B, int C,
                    int OC);
/* dinp (B,C) = dout · weight and dweight (OC,C) = dout^T · inp, the two
 * products at once (gemm_rows_two); dbias (OC) = column sums of dout (B,OC)
 * (skipped when NULL). */
void linear_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                     const float *weight, int B, int C, int OC);

/* Adds the FLOPs of linear_forward (B,C)->(B,OC) and of its backward to f:
 * 2*B*C*OC forward; backward 2*B*C*OC for dweight and as much again for
 * dinp when with_dinp. Not the product shapes: a caller that cuts the
 * products declares the pieces it computes (flops_add_gemm). */
void linear_flops(ProblemFlops *f, int B, int C, int OC, bool with_dinp);
/* linear_flops with dinp, and the product shapes of linear_forward and
 * linear_backward: the backward's two products counted as the pair it
 * computes at once (gemm_rows_two), so that gemm_rate times them as a step
 * does. */
void linear_flops_paired(ProblemFlops *f, int B, int C, int OC);
/* Adds s to f's product shapes, into the entry of an equal shape where
 * there is one (in a shared loop, one whose units end where s's begin). */
void flops_add_gemm(ProblemFlops *f, GemmShape s);

/* out (n) = act(inp); gelu is the erf form (torch's default), with erf to
 * within 1.5e-7. */
void activation_forward(float *out, const float *inp, size_t n, Activation act);
/* dinp (n) = dout * act'(inp), inp being the forward's input. */
void activation_backward(float *dinp, const float *dout, const float *inp, size_t n, Activation act);

/* probs (B,V) = softmax(logits); returns the summed cross-entropy of the
 * rows against targets (B) in double and adds the rows whose largest logit
 * is the target to *correct. Rows whose target is negative are ignored
 * (torch's ignore_index): no loss, no count, probs left unwritten. */
double softmax_xent_forward(float *probs, long *correct, const float *logits, const int32_t *targets,
                            int B, int V);
/* dlogits (B,V) = (probs - onehot(targets)) * scale, zero in ignored rows;
 * scale is 1/(rows counted) for the gradient of the mean loss. */
void softmax_xent_backward(float *dlogits, const float *probs, const int32_t *targets, int B, int V,
                           float scale);

/* out (B,T,C) = wte[tokens[b,t]] (V,C) + wpe[t] (T,C): token and position
 * embeddings. */
void encoder_forward(float *out, const int32_t *tokens, const float *wte, const float *wpe, int B, int T,
                     int C);
/* dwpe (T,C) = sums of dout (B,T,C) over b; dwte (V,C) += dout rows
 * scattered by token. dwte is added into, not overwritten: with the output
 * head tied to wte, the head's backward writes it first. */
void encoder_backward(float *dwte, float *dwpe, const float *dout, const int32_t *tokens, int B, int T,
                      int C);

#define LAYERNORM_EPS 1e-5f /* LayerNorm's epsilon, as torch's default */

/* out (N,C) = (inp - mean) * rstd * weight + bias, row by row, with
 * rstd = 1/sqrt(var + LAYERNORM_EPS) (torch.nn.LayerNorm); mean and rstd
 * (N) are kept for the backward. */
void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                       const float *bias, int N, int C);
/* dinp (N,C), dweight (C) and dbias (C) from dout (N,C). */
void layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                        const float *weight, const float *mean, const float *rstd, int N, int C);

/* A residual connection and the LayerNorm after it, in one pass: res (N,C)
 * = inp + branch, then layernorm_forward of res into out, mean and rstd. */
void residual_layernorm_forward(float *res, float *out, float *mean, float *rstd, const float *inp,
                                const float *branch, const float *weight, const float *bias, int N, int C);
/* layernorm_backward with its dinp added into dinp instead of written: the
 * LayerNorm on a branch of the residual stream whose gradient dinp holds
 * (residual_backward folded in). */
void layernorm_backward_add(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                            const float *weight, const float *mean, const float *rstd, int N, int C);

/* out (n) = GELU(inp), as activation_forward's, and dact (n) = GELU'(inp),
 * all the backward needs: dact may be inp (the pre-activation overwritten),
 * or NULL (activation_forward's GELU). */
void gelu_forward_keep(float *out, float *dact, const float *inp, size_t n);
/* dinp (N,OC) = dout * dact (dinp may be dout) and dbias (OC) = the column
 * sums of dinp, in one pass: GELU's backward and the bias gradient of the
 * linear layer before it. */
void gelu_backward_colsum(float *dinp, float *dbias, const float *dout, const float *dact, int N, int OC);

/* Causal multi-head self-attention. qkv (B,T,3C) holds q, k and v side by
 * side, head h in channels h*C/NH .. (h+1)*C/NH of each; att (B,NH,T,T)
 * = softmax(q·k / sqrt(C/NH)) over positions t2 <= t (zero above the
 * diagonal); out (B,T,C) = att · v, heads side by side. scratch (B*T*C
 * floats) holds each head's keys transposed. */
void attention_forward(float *out, float *att, float *scratch, const float *qkv, int B, int T, int C, int NH);
/* dqkv (B,T,3C) from dout (B,T,C); datt (B,NH,T,T) and scratch (B*T*C
 * floats, each head's values transposed) are scratch. */
void attention_backward(float *dqkv, float *datt, float *scratch, const float *dout, const float *qkv,
                        const float *att, int B, int T, int C, int NH);

/* Adds the FLOPs of attention_forward and its backward to f, counted over
 * the full T x T square as llm.c does: q.k and att.v are 2*B*T*T*C each
 * forward, their four gradients 8*B*T*T*C backward. */
void attention_flops(ProblemFlops *f, int B, int T, int C);

/* out (n) = inp + branch: a residual connection. */
void residual_forward(float *out, const float *inp, const float *branch, size_t n);
/* dinp (n) = dout + dbranch, where dbranch is the gradient that reached inp
 * through the branch; dinp may be dout. */
void residual_backward(float *dinp, const float *dout, const float *dbranch, size_t n);

#endif
