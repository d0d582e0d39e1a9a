/* layers_transformer.c — the transformer's layers of layers.h: token and
 * position embeddings, LayerNorm (alone, after a residual add, and with its
 * backward added into the residual gradient), causal multi-head attention,
 * the residual connection, and GELU's backward from the derivative that
 * gelu_forward_keep (layers.c) kept, fused with the bias gradient. Rows,
 * and (sequence, head) pairs of the attention, are spread over OpenMP
 * threads; each writes only its own outputs, and every sum runs in one
 * thread in a fixed order (sums along a row in the SIMD lanes of the clone
 * the CPU selects), so on a given CPU results do not depend on the number
 * of threads. */
#include <math.h>
#include <omp.h>
#include <stddef.h>
#include <string.h>

#include "problems/fastmath.h"
#include "problems/layers.h"

#define LN_ROWS 16      /* rows of one call of a cloned LayerNorm loop */

void encoder_forward(float *out, const int32_t *tokens, const float *wte, const float *wpe, int B, int T,
                     int C)
{
    #pragma omp parallel for schedule(static) if (PAR_IF((size_t)B * T * C))
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
    #pragma omp parallel for schedule(static) if (PAR_IF((size_t)B * T * C))
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

/* layernorm_forward on rows [first, end), of inp or, when branch is given,
 * of res = inp + branch (written out first); cloned for the CPU's SIMD width. */
SIMD_CLONED static void ln_forward_rows(float *out, float *mean, float *rstd, float *res, const float *inp,
                                        const float *branch, const float *weight, const float *bias, int first,
                                        int end, int C)
{
    for (int n = first; n < end; n++) {
        const float *x = inp + (size_t)n * C;
        float *o = out + (size_t)n * C;
        if (branch) {
            const float *br = branch + (size_t)n * C;
            float *r = res + (size_t)n * C;
            #pragma omp simd
            for (int c = 0; c < C; c++) r[c] = x[c] + br[c];
            x = r;
        }
        float m = 0, v = 0;
        #pragma omp simd reduction(+ : m)
        for (int c = 0; c < C; c++) m += x[c];
        m /= (float)C;
        #pragma omp simd reduction(+ : v)
        for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
        const float s = 1.0f / sqrtf(v / (float)C + LAYERNORM_EPS);
        #pragma omp simd
        for (int c = 0; c < C; c++) o[c] = (x[c] - m) * s * weight[c] + bias[c];
        mean[n] = m;
        rstd[n] = s;
    }
}

void residual_layernorm_forward(float *res, float *out, float *mean, float *rstd, const float *inp,
                                const float *branch, const float *weight, const float *bias, int N, int C)
{
    #pragma omp parallel for schedule(static) if (PAR_IF((size_t)N * C))
    for (int n = 0; n < N; n += LN_ROWS)
        ln_forward_rows(out, mean, rstd, res, inp, branch, weight, bias, n, n + LN_ROWS < N ? n + LN_ROWS : N, C);
}

void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                       const float *bias, int N, int C)
{
    residual_layernorm_forward(NULL, out, mean, rstd, inp, NULL, weight, bias, N, C);
}

/* layernorm_backward's dinp on rows [first, end), added into dinp when add
 * is set; cloned as ln_forward_rows. */
SIMD_CLONED static void ln_backward_rows(float *dinp, const float *dout, const float *inp, const float *weight,
                                         const float *mean, const float *rstd, int first, int end, int C, int add)
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
        #pragma omp simd
        for (int c = 0; c < C; c++) {
            const float norm = (x[c] - m) * s;
            const float g = (d[c] * weight[c] - dsum - norm * dxsum) * s;
            di[c] = add ? di[c] + g : g;
        }
    }
}

/* layernorm_backward's dweight and dbias on channels [first, end): sums
 * over the N rows in order; cloned as ln_forward_rows. */
SIMD_CLONED static void ln_backward_cols(float *dweight, float *dbias, const float *dout, const float *inp,
                                         const float *mean, const float *rstd, int first, int end, int N, int C)
{
    for (int c = first; c < end; c++) dweight[c] = dbias[c] = 0;
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
        const float m = mean[n], s = rstd[n];
        #pragma omp simd
        for (int c = first; c < end; c++) {
            dweight[c] += d[c] * (x[c] - m) * s;
            dbias[c] += d[c];
        }
    }
}

/* Both parts of the backward in one parallel region: rows of dinp, then
 * (without waiting) groups of channels of dweight and dbias. */
static void ln_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                        const float *weight, const float *mean, const float *rstd, int N, int C, int add)
{
    #pragma omp parallel if (PAR_IF((size_t)N * C))
    {
        #pragma omp for schedule(static) nowait
        for (int n = 0; n < N; n += LN_ROWS)
            ln_backward_rows(dinp, dout, inp, weight, mean, rstd, n, n + LN_ROWS < N ? n + LN_ROWS : N, C, add);
        #pragma omp for schedule(static) nowait
        for (int first = 0; first < C; first += COL_CHUNK) {
            const int end = first + COL_CHUNK < C ? first + COL_CHUNK : C;
            ln_backward_cols(dweight, dbias, dout, inp, mean, rstd, first, end, N, C);
        }
    }
}

void layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                        const float *weight, const float *mean, const float *rstd, int N, int C)
{
    ln_backward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C, 0);
}

void layernorm_backward_add(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                            const float *weight, const float *mean, const float *rstd, int N, int C)
{
    ln_backward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C, 1);
}

/* ---- GELU's backward fused with the bias gradient of the MLP ---- */

#define GELU_COLS 64    /* channels of one thread's share in gelu_backward_colsum */

/* gelu_backward_colsum on channels [first, end); cloned as ln_forward_rows. */
SIMD_CLONED static void gelu_colsum_cols(float *dinp, float *dbias, const float *dout, const float *dact, int first,
                                         int end, int N, int OC)
{
    for (int c = first; c < end; c++) dbias[c] = 0;
    for (int n = 0; n < N; n++) {
        const size_t row = (size_t)n * OC;
        #pragma omp simd
        for (int c = first; c < end; c++) {
            const float g = dout[row + c] * dact[row + c];
            dinp[row + c] = g;
            dbias[c] += g;
        }
    }
}

void gelu_backward_colsum(float *dinp, float *dbias, const float *dout, const float *dact, int N, int OC)
{
    #pragma omp parallel for schedule(static) if (PAR_IF((size_t)N * OC))
    for (int first = 0; first < OC; first += GELU_COLS)
        gelu_colsum_cols(dinp, dbias, dout, dact, first, first + GELU_COLS < OC ? first + GELU_COLS : OC, N, OC);
}

/* ---- causal attention of one head: register tiles over the lower triangle ----
 *
 * The four products of a head (scores q·k and their gradient dout·v: rows
 * of T; the weighted sums att·v, datt·k, datt^T·q and att^T·dout: rows of
 * hs) run as small tiles of accumulators that stay in registers: v8 is
 * eight floats (one AVX register, two SSE ones in the baseline clone).
 * Every output element is one accumulator summed in a fixed order (over
 * channels i, or over positions j, ascending), whatever the tile it falls
 * in, so results do not depend on how work is cut. */

typedef float v8 __attribute__((vector_size(32))); /* eight float lanes */
#define V8_LOAD(p) ({ v8 v_; memcpy(&v_, (p), sizeof v_); v_; })
#define V8_STORE(p, v) do { const v8 w_ = (v); memcpy((p), &w_, sizeof w_); } while (0)

/* dst (hs,T) = the hs channels at src of each of the T rows of width 3C of
 * one sequence (one head's keys or values), transposed so that a row of
 * scores runs along contiguous memory. Written in order (reads down the
 * rows): stores scattered at stride T stalled the loads behind them. */
static inline __attribute__((always_inline)) void transpose_head(float *dst, const float *src, int T, int C, int hs)
{
    for (int i = 0; i < hs; i++)
        for (int t = 0; t < T; t++) dst[(size_t)i * T + t] = src[(size_t)t * 3 * C + i];
}

/* s[r][c] = scale * sum over i < hs of a[r*as + i] * bt[i*T + c], rows r <
 * R, columns c < 8*NV: one tile of scores; a's rows are queries (or output
 * gradients), bt holds keys (or values) transposed. */
static inline __attribute__((always_inline)) void dot_tile(float *s, int T, const float *a, size_t as,
                                                           const float *bt, int hs, float scale, int R, int NV)
{
    v8 acc[4][2] = {{{0}}};
    for (int i = 0; i < hs; i++) {
        const v8 b0 = V8_LOAD(bt + (size_t)i * T), b1 = NV > 1 ? V8_LOAD(bt + (size_t)i * T + 8) : b0;
        for (int r = 0; r < R; r++) {
            const float x = a[r * as + i];
            acc[r][0] += x * b0;
            if (NV > 1) acc[r][1] += x * b1;
        }
    }
    for (int r = 0; r < R; r++)
        for (int v = 0; v < NV; v++) V8_STORE(s + (size_t)r * T + 8 * v, acc[r][v] * scale);
}

/* Rows [t0, t0 + R) of s (T,T) = scale * a · bt over columns 0 .. t0 + R - 1
 * at least (the lower triangle of those rows; columns past the diagonal
 * that a vector covers are computed too and left for the caller). */
static inline __attribute__((always_inline)) void dot_rows(float *s, const float *a, size_t as, const float *bt,
                                                           int T, int hs, float scale, int t0, int R)
{
    const int need = t0 + R, up = (need + 7) & ~7;
    const int vcols = up <= T ? up : need & ~7; /* columns in whole vectors */
    float *srow = s + (size_t)t0 * T;
    const float *arow = a + t0 * as;
    int c = 0;
    for (; c + 16 <= vcols; c += 16)
        if (R == 4) dot_tile(srow + c, T, arow, as, bt + c, hs, scale, 4, 2);
        else dot_tile(srow + c, T, arow, as, bt + c, hs, scale, 1, 2);
    if (c < vcols) {
        if (R == 4) dot_tile(srow + c, T, arow, as, bt + c, hs, scale, 4, 1);
        else dot_tile(srow + c, T, arow, as, bt + c, hs, scale, 1, 1);
    }
    for (int r = 0; r < R; r++)
        for (c = vcols; c < need; c++) {
            float sum = 0;
            for (int i = 0; i < hs; i++) sum += arow[r * as + i] * bt[(size_t)i * T + c];
            srow[(size_t)r * T + c] = sum * scale;
        }
}

/* s (T,T) = scale * a · bt on and below the diagonal (above it: anything). */
static inline __attribute__((always_inline)) void dot_lower(float *s, const float *a, size_t as, const float *bt,
                                                            int T, int hs, float scale)
{
    int t0 = 0;
    for (; t0 + 4 <= T; t0 += 4) dot_rows(s, a, as, bt, T, hs, scale, t0, 4);
    for (; t0 < T; t0++) dot_rows(s, a, as, bt, T, hs, scale, t0, 1);
}

/* out[r*os + i] = sum over j in [j0, j1) of p[r*pr + j*pj] * src[j*rs + i],
 * rows r < R, channels i < hs: weighted sums of rows of src, the weights
 * read along a row of p (pj = 1) or down a column (pr = 1). */
static inline __attribute__((always_inline)) void sum_tile(float *out, size_t os, const float *p, size_t pr,
                                                           size_t pj, const float *src, size_t rs, int j0, int j1,
                                                           int hs, int R)
{
    int i = 0;
    for (; i + 32 <= hs; i += 32) {
        v8 acc[2][4] = {{{0}}};
        for (int j = j0; j < j1; j++) {
            const float *x = src + j * rs + i;
            const v8 x0 = V8_LOAD(x), x1 = V8_LOAD(x + 8), x2 = V8_LOAD(x + 16), x3 = V8_LOAD(x + 24);
            for (int r = 0; r < R; r++) {
                const float w = p[r * pr + j * pj];
                acc[r][0] += w * x0;
                acc[r][1] += w * x1;
                acc[r][2] += w * x2;
                acc[r][3] += w * x3;
            }
        }
        for (int r = 0; r < R; r++)
            for (int v = 0; v < 4; v++) V8_STORE(out + r * os + i + 8 * v, acc[r][v]);
    }
    for (; i + 8 <= hs; i += 8) {
        v8 acc[2] = {{0}};
        for (int j = j0; j < j1; j++) {
            const v8 x = V8_LOAD(src + j * rs + i);
            for (int r = 0; r < R; r++) acc[r] += p[r * pr + j * pj] * x;
        }
        for (int r = 0; r < R; r++) V8_STORE(out + r * os + i, acc[r]);
    }
    for (; i < hs; i++)
        for (int r = 0; r < R; r++) {
            float sum = 0;
            for (int j = j0; j < j1; j++) sum += p[r * pr + j * pj] * src[j * rs + i];
            out[r * os + i] = sum;
        }
}

/* out[t] (rows of stride os) = sum over t2 <= t of p[t][t2] * src[t2] (rows
 * of stride rs): p (T,T) is zero above its diagonal, so a pair of rows t,
 * t+1 shares one pass over t2 <= t+1. */
static inline __attribute__((always_inline)) void sum_lower_rows(float *out, size_t os, const float *p,
                                                                 const float *src, size_t rs, int T, int hs)
{
    int t = 0;
    for (; t + 2 <= T; t += 2)
        sum_tile(out + t * os, os, p + (size_t)t * T, (size_t)T, 1, src, rs, 0, t + 2, hs, 2);
    if (t < T) sum_tile(out + t * os, os, p + (size_t)t * T, (size_t)T, 1, src, rs, 0, t + 1, hs, 1);
}

/* out[t2] = sum over t >= t2 of p[t][t2] * src[t]: the transposed product,
 * p read down its columns (zero above the diagonal, as above). */
static inline __attribute__((always_inline)) void sum_lower_cols(float *out, size_t os, const float *p,
                                                                 const float *src, size_t rs, int T, int hs)
{
    int t2 = 0;
    for (; t2 + 2 <= T; t2 += 2)
        sum_tile(out + t2 * os, os, p + t2, 1, (size_t)T, src, rs, t2, T, hs, 2);
    if (t2 < T) sum_tile(out + t2 * os, os, p + t2, 1, (size_t)T, src, rs, t2, T, hs, 1);
}

/* attention_forward for one head of one sequence: qkv (T,3C) and out (T,C)
 * start at the head's channels, att (T,T), kt (hs,T) scratch. */
SIMD_CLONED static void head_forward(float *out, float *att, float *kt, const float *qkv, int T, int C, int hs)
{
    const float scale = 1.0f / sqrtf((float)hs);
    const size_t rs = (size_t)3 * C;
    transpose_head(kt, qkv + C, T, C, hs);
    dot_lower(att, qkv, rs, kt, T, hs, scale);
    for (int t = 0; t < T; t++) { /* softmax over t2 <= t, zero above */
        float *a = att + (size_t)t * T;
        float amax = a[0], sum = 0;
        #pragma omp simd reduction(max : amax)
        for (int t2 = 1; t2 <= t; t2++) amax = a[t2] > amax ? a[t2] : amax;
        #pragma omp simd
        for (int t2 = 0; t2 <= t; t2++) a[t2] = exp_nonpos(a[t2] - amax);
        #pragma omp simd reduction(+ : sum)
        for (int t2 = 0; t2 <= t; t2++) sum += a[t2];
        const float inv = 1.0f / sum;
        #pragma omp simd
        for (int t2 = 0; t2 <= t; t2++) a[t2] *= inv;
        for (int t2 = t + 1; t2 < T; t2++) a[t2] = 0;
    }
    sum_lower_rows(out, (size_t)C, att, qkv + 2 * C, rs, T, hs);
}

void attention_forward(float *out, float *att, float *scratch, const float *qkv, int B, int T, int C, int NH)
{
    const int hs = C / NH;
    #pragma omp parallel for collapse(2) schedule(static) if (PAR_IF((size_t)B * NH * T * T))
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++)
            head_forward(out + (size_t)b * T * C + h * hs, att + ((size_t)b * NH + h) * T * T,
                         scratch + ((size_t)b * NH + h) * hs * T, qkv + (size_t)b * T * 3 * C + h * hs, T, C, hs);
}

/* attention_backward for one head of one sequence: dqkv and qkv (T,3C),
 * dout (T,C) start at the head's channels, att and datt (T,T), vt (hs,T)
 * scratch. */
SIMD_CLONED static void head_backward(float *dqkv, float *datt, float *vt, const float *dout, const float *qkv,
                                      const float *att, int T, int C, int hs)
{
    const float scale = 1.0f / sqrtf((float)hs);
    const size_t rs = (size_t)3 * C;
    transpose_head(vt, qkv + 2 * C, T, C, hs);
    dot_lower(datt, dout, (size_t)C, vt, T, hs, 1.0f); /* datt = dout · v */
    for (int t = 0; t < T; t++) { /* through the softmax and the scale: d(q · k), zero above the diagonal */
        const float *a = att + (size_t)t * T;
        float *da = datt + (size_t)t * T;
        float dot = 0; /* sum over t2 of att * datt */
        #pragma omp simd reduction(+ : dot)
        for (int t2 = 0; t2 <= t; t2++) dot += a[t2] * da[t2];
        #pragma omp simd
        for (int t2 = 0; t2 <= t; t2++) da[t2] = a[t2] * (da[t2] - dot) * scale;
        for (int t2 = t + 1; t2 < T; t2++) da[t2] = 0;
    }
    sum_lower_rows(dqkv, rs, datt, qkv + C, rs, T, hs);                   /* dq = datt · k */
    sum_lower_cols(dqkv + C, rs, datt, qkv, rs, T, hs);                   /* dk = datt^T · q */
    sum_lower_cols(dqkv + 2 * C, rs, att, dout, (size_t)C, T, hs);        /* dv = att^T · dout */
}

void attention_backward(float *dqkv, float *datt, float *scratch, const float *dout, const float *qkv,
                        const float *att, int B, int T, int C, int NH)
{
    const int hs = C / NH;
    #pragma omp parallel for collapse(2) schedule(static) if (PAR_IF((size_t)B * NH * T * T))
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++)
            head_backward(dqkv + (size_t)b * T * 3 * C + h * hs, datt + ((size_t)b * NH + h) * T * T,
                          scratch + ((size_t)b * NH + h) * hs * T, dout + (size_t)b * T * C + h * hs,
                          qkv + (size_t)b * T * 3 * C + h * hs, att + ((size_t)b * NH + h) * T * T, T, C, hs);
}

void residual_forward(float *out, const float *inp, const float *branch, size_t n)
{
    #pragma omp parallel for simd schedule(static) if (parallel: PAR_IF(n))
    for (size_t i = 0; i < n; i++) out[i] = inp[i] + branch[i];
}

void residual_backward(float *dinp, const float *dout, const float *dbranch, size_t n)
{
    #pragma omp parallel for simd schedule(static) if (parallel: PAR_IF(n))
    for (size_t i = 0; i < n; i++) dinp[i] = dout[i] + dbranch[i];
}

void attention_flops(ProblemFlops *f, int B, int T, int C)
{
    const double square = 2.0 * B * T * T * C; /* one product over every (t, t2) pair */
    f->forward += 2 * square;
    f->backward += 4 * square;
}
