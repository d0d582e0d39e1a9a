/* layers.c — the linear, activation and softmax cross-entropy layers of
 * layers.h: matrix products through OpenBLAS sgemm, elementwise loops
 * through OpenMP (GELU with a vectorisable erf). Reductions run in a fixed
 * order, so results do not depend on the number of threads. */
#include "problems/layers.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "problems/fastmath.h"

#define PAR_MIN 16384  /* elements below which a loop stays on one thread */
#define PAR_CHUNK 4096 /* elements of one thread's vectorised share */

void linear_forward(float *out, const float *inp, const float *weight, const float *bias, int B, int C,
                    int OC)
{
    if (bias) {
        #pragma omp parallel for schedule(static) if ((size_t)B * OC >= PAR_MIN)
        for (int b = 0; b < B; b++)
            memcpy(out + (size_t)b * OC, bias, (size_t)OC * sizeof(float));
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, OC, C, 1.0f, inp, C, weight, C, bias ? 1.0f : 0.0f,
                out, OC);
}

void linear_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                     const float *weight, int B, int C, int OC)
{
    if (dinp)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, C, OC, 1.0f, dout, OC, weight, C, 0.0f,
                    dinp, C);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, B, 1.0f, dout, OC, inp, C, 0.0f, dweight, C);
    if (!dbias) return;
    for (int o = 0; o < OC; o++) dbias[o] = 0;
    for (int b = 0; b < B; b++)
        for (int o = 0; o < OC; o++) dbias[o] += dout[(size_t)b * OC + o];
}

/* GELU of n elements, one thread's share; vectorised, in AVX-512, AVX2 and
 * baseline clones that the loader picks for the CPU. */
__attribute__((target_clones(SIMD_CLONES))) static void gelu_forward_range(float *out, const float *inp, size_t n)
{
    #pragma omp simd
    for (size_t i = 0; i < n; i++) {
        float pdf;
        out[i] = inp[i] * normal_cdf(inp[i], &pdf);
    }
}

/* GELU's backward on n elements (dinp may be dout); vectorised, cloned as
 * gelu_forward_range. */
__attribute__((target_clones(SIMD_CLONES))) static void gelu_backward_range(float *dinp, const float *dout, const float *inp, size_t n)
{
    #pragma omp simd
    for (size_t i = 0; i < n; i++) {
        float pdf;
        const float cdf = normal_cdf(inp[i], &pdf);
        dinp[i] = dout[i] * (cdf + inp[i] * pdf);
    }
}

void activation_forward(float *out, const float *inp, size_t n, Activation act)
{
    switch (act) {
    case ACT_RELU:
        #pragma omp parallel for simd schedule(static) if (n >= PAR_MIN)
        for (size_t i = 0; i < n; i++) out[i] = inp[i] > 0 ? inp[i] : 0;
        break;
    case ACT_GELU:
        #pragma omp parallel for schedule(static) if (n >= PAR_MIN)
        for (size_t c = 0; c < n; c += PAR_CHUNK)
            gelu_forward_range(out + c, inp + c, n - c < PAR_CHUNK ? n - c : PAR_CHUNK);
        break;
    case ACT_TANH:
        #pragma omp parallel for schedule(static) if (n >= PAR_MIN)
        for (size_t i = 0; i < n; i++) out[i] = tanhf(inp[i]);
        break;
    }
}

void activation_backward(float *dinp, const float *dout, const float *inp, size_t n, Activation act)
{
    switch (act) {
    case ACT_RELU:
        #pragma omp parallel for simd schedule(static) if (n >= PAR_MIN)
        for (size_t i = 0; i < n; i++) dinp[i] = inp[i] > 0 ? dout[i] : 0;
        break;
    case ACT_GELU:
        #pragma omp parallel for schedule(static) if (n >= PAR_MIN)
        for (size_t c = 0; c < n; c += PAR_CHUNK)
            gelu_backward_range(dinp + c, dout + c, inp + c, n - c < PAR_CHUNK ? n - c : PAR_CHUNK);
        break;
    case ACT_TANH:
        #pragma omp parallel for schedule(static) if (n >= PAR_MIN)
        for (size_t i = 0; i < n; i++) {
            const float t = tanhf(inp[i]);
            dinp[i] = dout[i] * (1.0f - t * t);
        }
        break;
    }
}

double softmax_xent_forward(float *probs, long *correct, const float *logits, const int32_t *targets,
                            int B, int V)
{
    double loss = 0;
    for (int b = 0; b < B; b++) {
        if (targets[b] < 0) continue;
        const float *z = logits + (size_t)b * V;
        float *p = probs + (size_t)b * V;
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
        loss += log(sum) - ((double)z[targets[b]] - zmax);
        *correct += argmax == targets[b];
    }
    return loss;
}

void softmax_xent_backward(float *dlogits, const float *probs, const int32_t *targets, int B, int V,
                           float scale)
{
    for (int b = 0; b < B; b++) {
        const float *p = probs + (size_t)b * V;
        float *d = dlogits + (size_t)b * V;
        if (targets[b] < 0) {
            for (int v = 0; v < V; v++) d[v] = 0;
            continue;
        }
        for (int v = 0; v < V; v++) d[v] = p[v] * scale;
        d[targets[b]] -= scale;
    }
}
