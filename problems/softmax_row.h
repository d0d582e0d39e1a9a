/* softmax_row.h — the softmax/cross-entropy of one row and the gradient of
 * one of its logits, as inline functions that compile for the host and,
 * under nvcc, for the device too: softmax_xent_forward/backward
 * (layers.c) and their CUDA twins (cuda/layers_cuda.cu) run these same
 * bodies, so the two cannot drift apart.
 *
 * A row whose target is negative is ignored (torch's ignore_index): no
 * loss, not correct, probs left unwritten, a zero gradient.
 */
#ifndef OPTBENCH_SOFTMAX_ROW_H
#define OPTBENCH_SOFTMAX_ROW_H

#include <math.h>
#include <stdint.h>

#ifdef __CUDACC__
#define SOFTMAX_FN static inline __host__ __device__
#else
#define SOFTMAX_FN static inline
#endif

/* p (V) = softmax(z) with the largest logit subtracted and the sum in
 * double; returns the row's cross-entropy against target (0 when target <
 * 0) and sets *correct to 1 when the largest logit is the target. */
SOFTMAX_FN double softmax_xent_row(float *p, int *correct, const float *z, int32_t target, int V)
{
    *correct = 0;
    if (target < 0) return 0;
    int argmax = 0;
    for (int v = 1; v < V; v++)
        if (z[v] > z[argmax]) argmax = v;
    const float zmax = z[argmax];
    double sum = 0;
    for (int v = 0; v < V; v++) {
        p[v] = expf(z[v] - zmax);
        sum += p[v];
    }
    const float inv = (float)(1.0 / sum);
    for (int v = 0; v < V; v++) p[v] *= inv;
    *correct = argmax == target;
    return log(sum) - ((double)z[target] - zmax);
}

/* d loss / d logit v of a row with probability p there: (p - [v ==
 * target]) * scale, 0 when target < 0. */
SOFTMAX_FN float softmax_xent_grad(float p, int v, int32_t target, float scale)
{
    if (target < 0) return 0;
    const float d = p * scale;
    return v == target ? d - scale : d;
}

#endif
