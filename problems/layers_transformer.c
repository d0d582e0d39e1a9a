/* layers_transformer.c — the transformer's layers of layers.h: token and
 * position embeddings, LayerNorm, causal multi-head attention and the
 * residual connection. Rows, and (sequence, head) pairs of the attention,
 * are spread over OpenMP threads; each writes only its own outputs, and every
 * sum runs in one thread in a fixed order (sums along a row in SIMD lanes,
 * fixed at compile time), so results do not depend on the number of threads. */
#include <math.h>
#include <stddef.h>

#include "fastmath.h"
#include "layers.h"

#define PAR_MIN 16384   /* elements below which a loop stays on one thread */
#define LN_EPS 1e-5f    /* LayerNorm's epsilon, as torch's default */

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
    for (size_t i = 0; i < (size_t)T * C; i++) dwpe[i] = 0;
    for (int n = 0; n < B * T; n++) {
        const float *d = dout + (size_t)n * C;
        float *de = dwte + (size_t)tokens[n] * C, *dp = dwpe + (size_t)(n % T) * C;
        for (int c = 0; c < C; c++) {
            de[c] += d[c];
            dp[c] += d[c];
        }
    }
}

void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                       const float *bias, int N, int C)
{
    #pragma omp parallel for schedule(static) if ((size_t)N * C >= PAR_MIN)
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C;
        float *o = out + (size_t)n * C;
        float m = 0, v = 0;
        #pragma omp simd reduction(+ : m)
        for (int c = 0; c < C; c++) m += x[c];
        m /= (float)C;
        #pragma omp simd reduction(+ : v)
        for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
        const float s = 1.0f / sqrtf(v / (float)C + LN_EPS);
        for (int c = 0; c < C; c++) o[c] = (x[c] - m) * s * weight[c] + bias[c];
        mean[n] = m;
        rstd[n] = s;
    }
}

void layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                        const float *weight, const float *mean, const float *rstd, int N, int C)
{
    #pragma omp parallel for schedule(static) if ((size_t)N * C >= PAR_MIN)
    for (int n = 0; n < N; n++) {
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
    for (int c = 0; c < C; c++) dweight[c] = dbias[c] = 0;
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
        const float m = mean[n], s = rstd[n];
        for (int c = 0; c < C; c++) {
            dweight[c] += d[c] * (x[c] - m) * s;
            dbias[c] += d[c];
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

/* attention_forward for one head of one sequence: qkv (T,3C) and out (T,C)
 * start at the head's channels, att (T,T), kt (hs,T) scratch. */
__attribute__((target_clones(SIMD_CLONES))) static void head_forward(float *out, float *att, float *kt,
                                                                      const float *qkv, int T, int C, int hs)
{
    const float scale = 1.0f / sqrtf((float)hs);
    transpose_head(kt, qkv + C, T, C, hs);
    for (int t = 0; t < T; t++) {
        const float *q = qkv + (size_t)t * 3 * C;
        float *a = att + (size_t)t * T;
        for (int t2 = 0; t2 <= t; t2++) a[t2] = 0;
        for (int i = 0; i < hs; i++) {
            const float qi = q[i] * scale, *k = kt + (size_t)i * T;
            for (int t2 = 0; t2 <= t; t2++) a[t2] += qi * k[t2];
        }
        float amax = a[0], sum = 0;
        for (int t2 = 1; t2 <= t; t2++) amax = a[t2] > amax ? a[t2] : amax;
        for (int t2 = 0; t2 <= t; t2++) {
            a[t2] = exp_nonpos(a[t2] - amax);
            sum += a[t2];
        }
        const float inv = 1.0f / sum;
        for (int t2 = 0; t2 <= t; t2++) a[t2] *= inv;
        for (int t2 = t + 1; t2 < T; t2++) a[t2] = 0;
        float *o = out + (size_t)t * C;
        for (int i = 0; i < hs; i++) o[i] = 0;
        for (int t2 = 0; t2 <= t; t2++) {
            const float *v = qkv + (size_t)t2 * 3 * C + 2 * C;
            for (int i = 0; i < hs; i++) o[i] += a[t2] * v[i];
        }
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
__attribute__((target_clones(SIMD_CLONES))) static void head_backward(float *dqkv, float *datt, float *vt,
                                                                       const float *dout, const float *qkv,
                                                                       const float *att, int T, int C, int hs)
{
    const float scale = 1.0f / sqrtf((float)hs);
    transpose_head(vt, qkv + 2 * C, T, C, hs);
    for (int t = 0; t < T; t++)
        for (int j = 0; j < 3; j++) {
            float *d = dqkv + (size_t)t * 3 * C + j * C;
            for (int i = 0; i < hs; i++) d[i] = 0;
        }
    for (int t = 0; t < T; t++) {
        const float *a = att + (size_t)t * T, *dout_t = dout + (size_t)t * C, *q = qkv + (size_t)t * 3 * C;
        float *da = datt + (size_t)t * T, *dq = dqkv + (size_t)t * 3 * C;
        /* through out = att · v: datt = dout · v, dv += att * dout */
        for (int t2 = 0; t2 <= t; t2++) da[t2] = 0;
        for (int i = 0; i < hs; i++) {
            const float di = dout_t[i], *v = vt + (size_t)i * T;
            for (int t2 = 0; t2 <= t; t2++) da[t2] += di * v[t2];
        }
        float dot = 0; /* sum over t2 of att * datt */
        for (int t2 = 0; t2 <= t; t2++) {
            float *dv = dqkv + (size_t)t2 * 3 * C + 2 * C;
            for (int i = 0; i < hs; i++) dv[i] += a[t2] * dout_t[i];
            dot += a[t2] * da[t2];
        }
        /* through the softmax, then the scaled q · k */
        for (int t2 = 0; t2 <= t; t2++) {
            const float dpre = a[t2] * (da[t2] - dot) * scale;
            const float *k = qkv + (size_t)t2 * 3 * C + C;
            float *dk = dqkv + (size_t)t2 * 3 * C + C;
            for (int i = 0; i < hs; i++) {
                dq[i] += dpre * k[i];
                dk[i] += dpre * q[i];
            }
        }
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
