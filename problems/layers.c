/* layers.c — the linear, activation (GELU also keeping its derivative) and
 * softmax cross-entropy layers of layers.h: matrix products through
 * OpenBLAS sgemm, elementwise loops through OpenMP (GELU with a
 * vectorisable erf, fastmath.h). Matrix products are split by rows of
 * their output (gemm.h); every other sum runs in one thread in a fixed
 * order, so results do not depend on the number of threads. Called inside
 * a parallel region, every function runs on the calling thread. */
#include "problems/layers.h"

#include <math.h>
#include <omp.h>
#include <string.h>

#include "problems/fastmath.h"
#include "problems/gemm.h"
#include "problems/softmax_row.h"

#define PAR_CHUNK 4096 /* elements of one thread's vectorised share */

void column_sums(float *out, const float *in, int rows, int cols)
{
    #pragma omp parallel for schedule(static) if (PAR_IF((size_t)rows * cols))
    for (int first = 0; first < cols; first += COL_CHUNK) {
        const int end = first + COL_CHUNK < cols ? first + COL_CHUNK : cols;
        for (int o = first; o < end; o++) out[o] = 0;
        for (int r = 0; r < rows; r++)
            for (int o = first; o < end; o++) out[o] += in[(size_t)r * cols + o];
    }
}

void linear_forward(float *out, const float *inp, const float *weight, const float *bias, int B, int C,
                    int OC)
{
    gemm_rows(false, true, B, OC, C, inp, C, weight, C, false, out, OC, bias, 0);
}

void flops_add_gemm(ProblemFlops *f, GemmShape s)
{
    for (int i = 0; i < f->n_gemms; i++) {
        GemmShape *g = &f->gemms[i];
        const bool same = !g->paired && (i == 0 || !g[-1].paired) && g->loop == s.loop && g->trans_a == s.trans_a &&
                          g->trans_b == s.trans_b && g->M == s.M && g->N == s.N && g->K == s.K;
        if (same && (s.loop == 0 || g->unit + g->count == s.unit)) {
            g->count += s.count;
            return;
        }
    }
    if (f->n_gemms < PROBLEM_MAX_GEMMS) f->gemms[f->n_gemms++] = s;
}

/* Counts linear_backward's two products of a (B,C)->(B,OC) layer, computed
 * at once (gemm_rows_two), as a pair of shapes (merging repeats). */
static void add_gemm_pair(ProblemFlops *f, int B, int C, int OC)
{
    const GemmShape dinp = {false, false, B, C, OC, 1, true, 0, 0}, dw = {true, false, OC, C, B, 1, false, 0, 0};
    for (int i = 0; i + 1 < f->n_gemms; i++) {
        GemmShape *g = &f->gemms[i];
        if (g->paired && g->M == B && g->N == C && g->K == OC) {
            g[0].count++;
            g[1].count++;
            return;
        }
    }
    if (f->n_gemms + 2 <= PROBLEM_MAX_GEMMS) {
        f->gemms[f->n_gemms++] = dinp;
        f->gemms[f->n_gemms++] = dw;
    }
}

void linear_flops(ProblemFlops *f, int B, int C, int OC, bool with_dinp)
{
    const double mnk = 2.0 * B * C * OC;
    f->forward += mnk;
    f->backward += with_dinp ? 2 * mnk : mnk;
}

void linear_flops_paired(ProblemFlops *f, int B, int C, int OC)
{
    linear_flops(f, B, C, OC, true);
    flops_add_gemm(f, (GemmShape){false, true, B, OC, C, 1, false, 0, 0});
    add_gemm_pair(f, B, C, OC);
}

void linear_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                     const float *weight, int B, int C, int OC)
{
    /* the two products at once: neither depends on the other */
    const GemmCall dw = {true, false, OC, C, B, dout, inp, OC, C, C, false, dweight, NULL};
    const GemmCall di = {false, false, B, C, OC, dout, weight, OC, C, C, false, dinp, NULL};
    gemm_rows_two(&di, &dw);
    if (dbias) column_sums(dbias, dout, B, OC);
}

/* GELU of n elements, one thread's share; vectorised, in AVX-512, AVX2 and
 * baseline clones that the loader picks for the CPU. */
SIMD_CLONED static void gelu_forward_range(float *out, const float *inp, size_t n)
{
    #pragma omp simd
    for (size_t i = 0; i < n; i++) {
        float d; /* unused: dropped */
        out[i] = gelu(inp[i], &d);
    }
}

/* gelu_forward_range keeping the derivative in dact (which may be inp);
 * cloned as gelu_forward_range. */
SIMD_CLONED static void gelu_keep_range(float *out, float *dact, const float *inp, size_t n)
{
    #pragma omp simd
    for (size_t i = 0; i < n; i++) {
        float d;
        out[i] = gelu(inp[i], &d);
        dact[i] = d;
    }
}

/* GELU's backward on n elements (dinp may be dout); vectorised, cloned as
 * gelu_forward_range. */
SIMD_CLONED static void gelu_backward_range(float *dinp, const float *dout, const float *inp, size_t n)
{
    #pragma omp simd
    for (size_t i = 0; i < n; i++) {
        float d;
        gelu(inp[i], &d);
        dinp[i] = dout[i] * d;
    }
}

void gelu_forward_keep(float *out, float *dact, const float *inp, size_t n)
{
    #pragma omp parallel for schedule(static) if (PAR_IF(n))
    for (size_t c = 0; c < n; c += PAR_CHUNK) {
        const size_t m = n - c < PAR_CHUNK ? n - c : PAR_CHUNK;
        if (dact) gelu_keep_range(out + c, dact + c, inp + c, m);
        else gelu_forward_range(out + c, inp + c, m);
    }
}

void activation_forward(float *out, const float *inp, size_t n, Activation act)
{
    switch (act) {
    case ACT_RELU:
        #pragma omp parallel for simd schedule(static) if (parallel: PAR_IF(n))
        for (size_t i = 0; i < n; i++) out[i] = inp[i] > 0 ? inp[i] : 0;
        break;
    case ACT_GELU:
        gelu_forward_keep(out, NULL, inp, n);
        break;
    case ACT_TANH:
        #pragma omp parallel for schedule(static) if (PAR_IF(n))
        for (size_t i = 0; i < n; i++) out[i] = tanhf(inp[i]);
        break;
    }
}

void activation_backward(float *dinp, const float *dout, const float *inp, size_t n, Activation act)
{
    switch (act) {
    case ACT_RELU:
        #pragma omp parallel for simd schedule(static) if (parallel: PAR_IF(n))
        for (size_t i = 0; i < n; i++) {
            const float d = dout[i]; /* read whatever the sign: the select vectorises, a branch on random signs did not */
            dinp[i] = inp[i] > 0 ? d : 0;
        }
        break;
    case ACT_GELU:
        #pragma omp parallel for schedule(static) if (PAR_IF(n))
        for (size_t c = 0; c < n; c += PAR_CHUNK)
            gelu_backward_range(dinp + c, dout + c, inp + c, n - c < PAR_CHUNK ? n - c : PAR_CHUNK);
        break;
    case ACT_TANH:
        #pragma omp parallel for schedule(static) if (PAR_IF(n))
        for (size_t i = 0; i < n; i++) {
            const float t = tanhf(inp[i]);
            dinp[i] = dout[i] * (1.0f - t * t);
        }
        break;
    }
}

#define XENT_ROWS 256 /* rows whose losses are computed in parallel, then summed in order */

double softmax_xent_forward(float *probs, long *correct, const float *logits, const int32_t *targets,
                            int B, int V)
{
    double loss = 0, row_loss[XENT_ROWS];
    long hits = 0;
    for (int first = 0; first < B; first += XENT_ROWS) {
        const int rows = B - first < XENT_ROWS ? B - first : XENT_ROWS;
        #pragma omp parallel for schedule(static) reduction(+ : hits) if (PAR_IF((size_t)rows * V))
        for (int r = 0; r < rows; r++) {
            const size_t b = (size_t)first + r;
            int hit;
            row_loss[r] = softmax_xent_row(probs + b * V, &hit, logits + b * V, targets[b], V);
            hits += hit;
        }
        for (int r = 0; r < rows; r++) loss += row_loss[r];
    }
    *correct += hits;
    return loss;
}

void softmax_xent_backward(float *dlogits, const float *probs, const int32_t *targets, int B, int V,
                           float scale)
{
    #pragma omp parallel for schedule(static) if (PAR_IF((size_t)B * V))
    for (int b = 0; b < B; b++)
        for (int v = 0; v < V; v++)
            dlogits[(size_t)b * V + v] = softmax_xent_grad(probs[(size_t)b * V + v], v, targets[b], scale);
}
