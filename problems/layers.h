/* layers.h — forward/backward pairs of the classifier layers on row-major
 * float32 activations, llm.c style: outputs first, then inputs, then sizes.
 * Every backward overwrites (does not accumulate into) what it writes.
 *
 * Dimension legend: B = rows of the batch, C = input features of a linear
 * layer, OC = its output features, V = classes, n = elements.
 */
#ifndef OPTBENCH_LAYERS_H
#define OPTBENCH_LAYERS_H

#include <stddef.h>
#include <stdint.h>

typedef enum { ACT_RELU, ACT_GELU, ACT_TANH } Activation;

/* out (B,OC) = inp (B,C) · weight (OC,C)^T + bias (OC); torch.nn.Linear. */
void linear_forward(float *out, const float *inp, const float *weight, const float *bias, int B, int C,
                    int OC);
/* dinp (B,C) = dout · weight (skipped when dinp is NULL); dweight (OC,C) =
 * dout^T · inp; dbias (OC) = column sums of dout (B,OC). */
void linear_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                     const float *weight, int B, int C, int OC);

/* out (n) = act(inp); gelu is the exact erf form (torch's default). */
void activation_forward(float *out, const float *inp, size_t n, Activation act);
/* dinp (n) = dout * act'(inp), inp being the forward's input. */
void activation_backward(float *dinp, const float *dout, const float *inp, size_t n, Activation act);

/* probs (B,V) = softmax(logits); returns the summed cross-entropy of the
 * rows against targets (B) in double and adds the rows whose largest logit
 * is the target to *correct. */
double softmax_xent_forward(float *probs, long *correct, const float *logits, const int32_t *targets,
                            int B, int V);
/* dlogits (B,V) = (probs - onehot(targets)) * scale; scale is 1/B for the
 * gradient of the mean loss. */
void softmax_xent_backward(float *dlogits, const float *probs, const int32_t *targets, int B, int V,
                           float scale);

#endif
