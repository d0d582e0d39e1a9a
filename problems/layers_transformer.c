/* layers_transformer.c — the transformer's layers of layers.h: token and
 * position embeddings, LayerNorm, causal multi-head attention and the
 * residual connection. Rows, and (sequence, head) pairs of the attention,
 * are spread over OpenMP threads; each writes only its own outputs, and every
 * sum runs in one thread in a fixed order (sums along a row in the SIMD lanes
 * of the clone the CPU selects), so on a given CPU results do not depend on
 * the number of threads. */
#include <math.h>
#include <stddef.h>

#include "problems/fastmath.h"
#include "problems/layers.h"

#define PAR_MIN 16384   /* elements below which a loop stays on one thread */
#define LN_ROWS 16      /* rows of one call of a cloned LayerNorm loop */

void encoder_forward(float *out, const int32_t *tokens, const float *wte, const float *wpe, int B, int T,
                     int C)
{
    #pragma omp parallel for schedule(static) if ((size_t)B * T * C >= PAR_MIN)
    for (int n = 0; n < B * T; n++) {
        const float *e = wte + (size_t)tokens[n] * C, *p = wpe + (size_t)(n % T) * C;
        float *o = out + (size_t)n * C;
        for (int c = 0; c < C; c++) o[c] = e[c] + p[c];
    }
}

void encoder_backward(float *dwte, float *dwpe, const float *dout, const int32_t *tokens, int B, int T,
                      int C)
{
    /* groups of channels over threads; each element sums over n in order */
    #pragma omp parallel for schedule(static) if ((size_t)B * T * C >= PAR_MIN)
    for (int first = 0; first < C; first += COL_CHUNK) {
        const int end = first + COL_CHUNK < C ? first + COL_CHUNK : C;
        for (int t = 0; t < T; t++)
            for (int c = first; c < end; c++) dwpe[(size_t)t * C + c] = 0;
        for (int n = 0; n < B * T; n++) {
            const float *d = dout + (size_t)n * C;
            float *de = dwte + (size_t)tokens[n] * C, *dp = dwpe + (size_t)(n % T) * C;
            for (int c = first; c < end; c++) {
                de[c] += d[c];
                dp[c] += d[c];
            }
        }
    }
}

/* layernorm_forward on rows [first, end); cloned for the CPU's SIMD width. */
SIMD_CLONED static void ln_forward_rows(float *out, float *mean, float *rstd,
                                                                         const float *inp, const float *weight,
                                                                         const float *bias, int first, int end,
                                                                         int C)
{
    for (int n = first; n < end; n++) {
        const float *x = inp + (size_t)n * C;
        float *o = out + (size_t)n * C;
        float m = 0, v = 0;
        #pragma omp simd reduction(+ : m)
        for (int c = 0; c < C; c++) m += x[c];
        m /= (float)C;
        #pragma omp simd reduction(+ : v)
        for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
        const float s = 1.0f / sqrtf(v / (float)C + LAYERNORM_EPS);
        for (int c = 0; c < C; c++) o[c] = (x[c] - m) * s * weight[c] + bias[c];
        mean[n] = m;
        rstd[n] = s;
    }
}

void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                       const float *bias, int N, int C)
{
    #pragma omp parallel for schedule(static) if ((size_t)N * C >= PAR_MIN)
    for (int n = 0; n < N; n += LN_ROWS)
        ln_forward_rows(out, mean, rstd, inp, weight, bias, n, n + LN_ROWS < N ? n + LN_ROWS : N, C);
}

/* layernorm_backward's dinp on rows [first, end); cloned as ln_forward_rows. */
SIMD_CLONED static void ln_backward_rows(float *dinp, const float *dout,
                                                                          const float *inp, const float *weight,
                                                                          const float *mean, const float *rstd,
                                                                          int first, int end, int C)
{
    for (int n = first; n < end; n++) {
        const float *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
        float *di = dinp + (size_t)n * C;
        const float m = mean[n], s = rstd[n];
        float dsum = 0, dxsum = 0; /* sums of dnorm and dnorm * norm over the row */
        #pragma omp simd reduction(+ : dsum, dxsum)
        for (int c = 0; c < C; c++) {
            const float dnorm = d[c] * weight[c];
            dsum += dnorm;
            dxsum += dnorm * (x[c] - m) * s;
        }
        dsum /= (float)C;
        dxsum /= (float)C;
        for (int c = 0; c < C; c++) {
            const float norm = (x[c] - m) * s;
            di[c] = (d[c] * weight[c] - dsum - norm * dxsum) * s;
        }
    }
}

void layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                        const float *weight, const float *mean, const float *rstd, int N, int C)
{
    #pragma omp parallel for schedule(static) if ((size_t)N * C >= PAR_MIN)
    for (int n = 0; n < N; n += LN_ROWS)
        ln_backward_rows(dinp, dout, inp, weight, mean, rstd, n, n + LN_ROWS < N ? n + LN_ROWS : N, C);
    #pragma omp parallel for schedule(static) if ((size_t)N * C >= PAR_MIN)
    for (int first = 0; first < C; first += COL_CHUNK) {
        const int end = first + COL_CHUNK < C ? first + COL_CHUNK : C;
        for (int c = first; c < end; c++) dweight[c] = dbias[c] = 0;
        for (int n = 0; n < N; n++) {
            const float *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
            const float m = mean[n], s = rstd[n];
            for (int c = first; c < end; c++) {
                dweight[c] += d[c] * (x[c] - m) * s;
                dbias[c] += d[c];
            }
        }
    }
}

/* dst (hs,T) = the hs channels at src of each of the T rows of width 3C of
 * one sequence (one head's keys or values), transposed so that sums over
 * positions run along contiguous memory. */
static void transpose_head(float *dst, const float *src, int T, int C, int hs)
{
    for (int t = 0; t < T; t++)
        for (int i = 0; i < hs; i++) dst[(size_t)i * T + t] = src[(size_t)t * 3 * C + i];
}

/* out (T) = scale * x (hs) · mt (hs,T): a row of scores against keys (or of
 * gradients against values) transposed by transpose_head. Four channels per
 * pass over out and whole rows keep loads and stores of out few. */
static inline __attribute__((always_inline)) void rows_dot(float *out, const float *x, const float *mt, int hs,
                                                           int T, float scale)
{
    int i = 0;
    for (int t2 = 0; t2 < T; t2++) out[t2] = 0;
    for (; i + 4 <= hs; i += 4) {
        const float x0 = x[i] * scale, x1 = x[i + 1] * scale, x2 = x[i + 2] * scale, x3 = x[i + 3] * scale;
        const float *m0 = mt + (size_t)i * T, *m1 = m0 + T, *m2 = m1 + T, *m3 = m2 + T;
        for (int t2 = 0; t2 < T; t2++) out[t2] += (x0 * m0[t2] + x1 * m1[t2]) + (x2 * m2[t2] + x3 * m3[t2]);
    }
    for (; i < hs; i++) {
        const float xi = x[i] * scale, *m = mt + (size_t)i * T;
        for (int t2 = 0; t2 < T; t2++) out[t2] += xi * m[t2];
    }
}

/* out (hs) = sum over j < n of coef[j*cs] * rows[j*rs .. j*rs + hs]: a
 * weighted sum of n rows (values, keys, queries or output gradients), four
 * rows per pass over out. */
static inline __attribute__((always_inline)) void rows_sum(float *out, const float *coef, size_t cs,
                                                           const float *rows, size_t rs, int n, int hs)
{
    int j = 0;
    for (int i = 0; i < hs; i++) out[i] = 0;
    for (; j + 4 <= n; j += 4) {
        const float c0 = coef[j * cs], c1 = coef[(j + 1) * cs], c2 = coef[(j + 2) * cs], c3 = coef[(j + 3) * cs];
        const float *r0 = rows + j * rs, *r1 = r0 + rs, *r2 = r1 + rs, *r3 = r2 + rs;
        for (int i = 0; i < hs; i++) out[i] += (c0 * r0[i] + c1 * r1[i]) + (c2 * r2[i] + c3 * r3[i]);
    }
    for (; j < n; j++) {
        const float c = coef[j * cs], *r = rows + j * rs;
        for (int i = 0; i < hs; i++) out[i] += c * r[i];
    }
}

/* attention_forward for one head of one sequence: qkv (T,3C) and out (T,C)
 * start at the head's channels, att (T,T), kt (hs,T) scratch. */
SIMD_CLONED static void head_forward(float *out, float *att, float *kt,
                                                                      const float *qkv, int T, int C, int hs)
{
    const float scale = 1.0f / sqrtf((float)hs);
    transpose_head(kt, qkv + C, T, C, hs);
    for (int t = 0; t < T; t++) {
        float *a = att + (size_t)t * T;
        rows_dot(a, qkv + (size_t)t * 3 * C, kt, hs, T, scale);
        float amax = a[0], sum = 0;
        #pragma omp simd reduction(max : amax)
        for (int t2 = 1; t2 <= t; t2++) amax = a[t2] > amax ? a[t2] : amax;
        for (int t2 = 0; t2 <= t; t2++) a[t2] = exp_nonpos(a[t2] - amax);
        #pragma omp simd reduction(+ : sum)
        for (int t2 = 0; t2 <= t; t2++) sum += a[t2];
        const float inv = 1.0f / sum;
        for (int t2 = 0; t2 <= t; t2++) a[t2] *= inv;
        for (int t2 = t + 1; t2 < T; t2++) a[t2] = 0;
        rows_sum(out + (size_t)t * C, a, 1, qkv + 2 * C, (size_t)3 * C, t + 1, hs);
    }
}

void attention_forward(float *out, float *att, float *scratch, const float *qkv, int B, int T, int C, int NH)
{
    const int hs = C / NH;
    #pragma omp parallel for collapse(2) schedule(static) if ((size_t)B * NH * T * T >= PAR_MIN)
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++)
            head_forward(out + (size_t)b * T * C + h * hs, att + ((size_t)b * NH + h) * T * T,
                         scratch + ((size_t)b * NH + h) * hs * T, qkv + (size_t)b * T * 3 * C + h * hs, T, C, hs);
}

/* attention_backward for one head of one sequence: dqkv and qkv (T,3C),
 * dout (T,C) start at the head's channels, att and datt (T,T), vt (hs,T)
 * scratch. */
SIMD_CLONED static void head_backward(float *dqkv, float *datt, float *vt,
                                                                       const float *dout, const float *qkv,
                                                                       const float *att, int T, int C, int hs)
{
    const float scale = 1.0f / sqrtf((float)hs);
    const size_t rs = (size_t)3 * C;
    transpose_head(vt, qkv + 2 * C, T, C, hs);
    /* datt = dout · v, then through the softmax and the scale: d(q · k) */
    for (int t = 0; t < T; t++) {
        const float *a = att + (size_t)t * T;
        float *da = datt + (size_t)t * T;
        rows_dot(da, dout + (size_t)t * C, vt, hs, T, 1.0f);
        float dot = 0; /* sum over t2 of att * datt */
        #pragma omp simd reduction(+ : dot)
        for (int t2 = 0; t2 <= t; t2++) dot += a[t2] * da[t2];
        for (int t2 = 0; t2 < T; t2++) da[t2] = a[t2] * (da[t2] - dot) * scale; /* 0 above the diagonal */
    }
    for (int t = 0; t < T; t++) /* dq[t] = sum over t2 <= t of d(q·k)[t][t2] k[t2] */
        rows_sum(dqkv + t * rs, datt + (size_t)t * T, 1, qkv + C, rs, t + 1, hs);
    for (int t2 = 0; t2 < T; t2++) { /* dk[t2], dv[t2]: sums over t >= t2 */
        const size_t first = (size_t)t2 * T + t2;
        rows_sum(dqkv + t2 * rs + C, datt + first, (size_t)T, qkv + t2 * rs, rs, T - t2, hs);
        rows_sum(dqkv + t2 * rs + 2 * C, att + first, (size_t)T, dout + (size_t)t2 * C, (size_t)C, T - t2, hs);
    }
}

void attention_backward(float *dqkv, float *datt, float *scratch, const float *dout, const float *qkv,
                        const float *att, int B, int T, int C, int NH)
{
    const int hs = C / NH;
    #pragma omp parallel for collapse(2) schedule(static) if ((size_t)B * NH * T * T >= PAR_MIN)
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++)
            head_backward(dqkv + (size_t)b * T * 3 * C + h * hs, datt + ((size_t)b * NH + h) * T * T,
                          scratch + ((size_t)b * NH + h) * hs * T, dout + (size_t)b * T * C + h * hs,
                          qkv + (size_t)b * T * 3 * C + h * hs, att + ((size_t)b * NH + h) * T * T, T, C, hs);
}

void residual_forward(float *out, const float *inp, const float *branch, size_t n)
{
    #pragma omp parallel for simd schedule(static) if (n >= PAR_MIN)
    for (size_t i = 0; i < n; i++) out[i] = inp[i] + branch[i];
}

void residual_backward(float *dinp, const float *dout, const float *dbranch, size_t n)
{
    #pragma omp parallel for simd schedule(static) if (n >= PAR_MIN)
    for (size_t i = 0; i < n; i++) dinp[i] = dout[i] + dbranch[i];
}

void attention_flops(ProblemFlops *f, int B, int T, int C)
{
    const double square = 2.0 * B * T * T * C; /* one product over every (t, t2) pair */
    f->forward += 2 * square;
    f->backward += 4 * square;
}
