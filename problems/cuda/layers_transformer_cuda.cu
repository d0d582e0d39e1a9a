/* layers_transformer_cuda.cu — the transformer layers of layers_cuda.h, the
 * CUDA twins of layers_transformer.c (legend in layers_cuda.h; hs = C/NH
 * channels of a head).
 *
 * Row kernels (LayerNorm, a row of attention scores) give each row one warp
 * whose lanes stride over its columns and meet in warp_sum/warp_max. Sums
 * over rows (the parameter gradients of LayerNorm and the embeddings, the
 * weighted sums of attention) run in one thread per output in index order,
 * as the CPU's do, and the dot products and weighted sums of attention
 * group their terms by four as the CPU's rows_dot and rows_sum do; e^x of
 * the softmax is the CPU's exp_nonpos. Every result is a fixed function of
 * the inputs, the same on every run.
 */
#include <math.h>

#include "harness/core/device.h"
#include "problems/cuda/layers_cuda.h"
#include "problems/cuda/layers_launch.h"
#include "problems/fastmath.h"

/* ---- embeddings ---- */

__global__ void encoder_fwd(float *out, const int32_t *tokens, const float *wte, const float *wpe, int T, int C,
                            size_t n)
{
    GRID_STRIDE(i, n)
    {
        const size_t row = i / (size_t)C, c = i % (size_t)C;
        out[i] = wte[(size_t)tokens[row] * C + c] + wpe[(row % (size_t)T) * C + c];
    }
}

extern "C" int encoder_forward_cuda(float *out, const int32_t *tokens, const float *wte, const float *wpe, int B,
                                    int T, int C)
{
    const size_t n = (size_t)B * T * C;
    encoder_fwd<<<blocks_for(n), LAYER_THREADS>>>(out, tokens, wte, wpe, T, C, n);
    return LAUNCH_OK("encoder_fwd") ? 0 : -1;
}

/* dwpe[t, c] = sum over b, in order, of dout[b, t, c]. */
__global__ void encoder_bwd_wpe(float *dwpe, const float *dout, int B, int T, int C)
{
    GRID_STRIDE(i, (size_t)T * C)
    {
        const size_t t = i / (size_t)C, c = i % (size_t)C;
        float s = 0;
        for (int b = 0; b < B; b++) s += dout[((size_t)b * T + t) * C + c];
        dwpe[i] = s;
    }
}

/* dwte[v, c] += dout[n, c] for every row n whose token is v, in row order:
 * a gather, so no two threads add into one element. */
__global__ void encoder_bwd_wte(float *dwte, const float *dout, const int32_t *tokens, int N, int C, int V)
{
    GRID_STRIDE(i, (size_t)V * C)
    {
        const int v = (int)(i / (size_t)C);
        const size_t c = i % (size_t)C;
        float s = dwte[i];
        for (int n = 0; n < N; n++)
            if (tokens[n] == v) s += dout[(size_t)n * C + c];
        dwte[i] = s;
    }
}

extern "C" int encoder_backward_cuda(float *dwte, float *dwpe, const float *dout, const int32_t *tokens, int B, int T,
                                     int C, int V)
{
    encoder_bwd_wpe<<<blocks_for((size_t)T * C), LAYER_THREADS>>>(dwpe, dout, B, T, C);
    if (!LAUNCH_OK("encoder_bwd_wpe")) return -1;
    encoder_bwd_wte<<<blocks_for((size_t)V * C), LAYER_THREADS>>>(dwte, dout, tokens, B * T, C, V);
    return LAUNCH_OK("encoder_bwd_wte") ? 0 : -1;
}

/* ---- LayerNorm ---- */

/* The warp of the calling thread: its row (blocks of LAYER_THREADS hold
 * LAYER_THREADS / WARP rows) and its lane. */
static __device__ __forceinline__ size_t warp_row(void)
{
    return ((size_t)blockIdx.x * blockDim.x + threadIdx.x) / WARP;
}
static __device__ __forceinline__ int warp_lane(void) { return (int)(threadIdx.x % WARP); }

__global__ void layernorm_fwd(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                              const float *bias, int N, int C)
{
    const size_t n = warp_row();
    const int lane = warp_lane();
    if (n >= (size_t)N) return; /* the whole warp leaves together */
    const float *x = inp + n * C;
    float *o = out + n * C;
    float m = 0, v = 0;
    for (int c = lane; c < C; c += WARP) m += x[c];
    m = warp_sum(m) / (float)C;
    for (int c = lane; c < C; c += WARP) v += (x[c] - m) * (x[c] - m);
    v = warp_sum(v);
    const float s = 1.0f / sqrtf(v / (float)C + LAYERNORM_EPS);
    for (int c = lane; c < C; c += WARP) o[c] = (x[c] - m) * s * weight[c] + bias[c];
    if (lane == 0) {
        mean[n] = m;
        rstd[n] = s;
    }
}

extern "C" int layernorm_forward_cuda(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                                      const float *bias, int N, int C)
{
    layernorm_fwd<<<warp_blocks_for((size_t)N), LAYER_THREADS>>>(out, mean, rstd, inp, weight, bias, N, C);
    return LAUNCH_OK("layernorm_fwd") ? 0 : -1;
}

/* dinp, one warp per row. */
__global__ void layernorm_bwd_inp(float *dinp, const float *dout, const float *inp, const float *weight,
                                  const float *mean, const float *rstd, int N, int C)
{
    const size_t n = warp_row();
    const int lane = warp_lane();
    if (n >= (size_t)N) return;
    const float *x = inp + n * C, *d = dout + n * C;
    float *di = dinp + n * C;
    const float m = mean[n], s = rstd[n];
    float dsum = 0, dxsum = 0; /* sums of dnorm and dnorm * norm over the row */
    for (int c = lane; c < C; c += WARP) {
        const float dnorm = d[c] * weight[c];
        dsum += dnorm;
        dxsum += dnorm * (x[c] - m) * s;
    }
    dsum = warp_sum(dsum) / (float)C;
    dxsum = warp_sum(dxsum) / (float)C;
    for (int c = lane; c < C; c += WARP) {
        const float norm = (x[c] - m) * s;
        di[c] = (d[c] * weight[c] - dsum - norm * dxsum) * s;
    }
}

/* dweight[c], dbias[c]: sums over n, in order, one thread per column. */
__global__ void layernorm_bwd_params(float *dweight, float *dbias, const float *dout, const float *inp,
                                     const float *mean, const float *rstd, int N, int C)
{
    GRID_STRIDE(c, (size_t)C)
    {
        float dw = 0, db = 0;
        for (int n = 0; n < N; n++) {
            const float d = dout[(size_t)n * C + c];
            dw += d * (inp[(size_t)n * C + c] - mean[n]) * rstd[n];
            db += d;
        }
        dweight[c] = dw;
        dbias[c] = db;
    }
}

extern "C" int layernorm_backward_cuda(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                                       const float *weight, const float *mean, const float *rstd, int N, int C)
{
    layernorm_bwd_inp<<<warp_blocks_for((size_t)N), LAYER_THREADS>>>(dinp, dout, inp, weight, mean, rstd, N, C);
    if (!LAUNCH_OK("layernorm_bwd_inp")) return -1;
    layernorm_bwd_params<<<blocks_for((size_t)C), LAYER_THREADS>>>(dweight, dbias, dout, inp, mean, rstd, N, C);
    return LAUNCH_OK("layernorm_bwd_params") ? 0 : -1;
}

/* ---- attention ---- */

/* scale * x (hs) · y (hs), terms grouped by four as the CPU's rows_dot. */
static __device__ __forceinline__ float head_dot(const float *x, const float *y, int hs, float scale)
{
    float s = 0;
    int i = 0;
    for (; i + 4 <= hs; i += 4)
        s += ((x[i] * scale) * y[i] + (x[i + 1] * scale) * y[i + 1]) +
             ((x[i + 2] * scale) * y[i + 2] + (x[i + 3] * scale) * y[i + 3]);
    for (; i < hs; i++) s += (x[i] * scale) * y[i];
    return s;
}

/* sum over j < n of coef[j*cs] * rows[j*rs]: one channel of a weighted sum
 * of n rows, terms grouped by four as the CPU's rows_sum. */
static __device__ __forceinline__ float rows_sum(const float *coef, size_t cs, const float *rows, size_t rs, int n)
{
    float s = 0;
    int j = 0;
    for (; j + 4 <= n; j += 4)
        s += (coef[j * cs] * rows[j * rs] + coef[(j + 1) * cs] * rows[(j + 1) * rs]) +
             (coef[(j + 2) * cs] * rows[(j + 2) * rs] + coef[(j + 3) * cs] * rows[(j + 3) * rs]);
    for (; j < n; j++) s += coef[j * cs] * rows[j * rs];
    return s;
}

/* att row (b, h, t), one warp per row r = (b*NH + h)*T + t: the scores of
 * positions t2 <= t, their softmax, zeros above the diagonal. Each lane
 * reads and writes only its own t2. */
__global__ void attention_softmax(float *att, const float *qkv, int B, int T, int C, int NH)
{
    const size_t r = warp_row();
    const int lane = warp_lane(), hs = C / NH;
    if (r >= (size_t)B * NH * T) return;
    const int t = (int)(r % (size_t)T), h = (int)(r / (size_t)T % (size_t)NH);
    const size_t b = r / ((size_t)T * NH), rs = (size_t)3 * C;
    const float scale = 1.0f / sqrtf((float)hs);
    const float *q = qkv + (b * T + t) * rs + (size_t)h * hs, *k0 = qkv + b * T * rs + C + (size_t)h * hs;
    float *a = att + r * T;
    float amax = -INFINITY, sum = 0;
    for (int t2 = lane; t2 <= t; t2 += WARP) {
        a[t2] = head_dot(q, k0 + (size_t)t2 * rs, hs, scale);
        amax = fmaxf(amax, a[t2]);
    }
    amax = warp_max(amax);
    for (int t2 = lane; t2 <= t; t2 += WARP) {
        a[t2] = exp_nonpos(a[t2] - amax);
        sum += a[t2];
    }
    const float inv = 1.0f / warp_sum(sum);
    for (int t2 = lane; t2 < T; t2 += WARP) a[t2] = t2 <= t ? a[t2] * inv : 0.0f;
}

/* out[b, t, c] = sum over t2 <= t of att[b, h, t, t2] * v[b, t2, c], one
 * thread per output (h = c / hs). */
__global__ void attention_values(float *out, const float *att, const float *qkv, int B, int T, int C, int NH)
{
    const int hs = C / NH;
    const size_t rs = (size_t)3 * C;
    GRID_STRIDE(i, (size_t)B * T * C)
    {
        const size_t row = i / (size_t)C, c = i % (size_t)C, b = row / (size_t)T;
        const int t = (int)(row % (size_t)T), h = (int)(c / (size_t)hs);
        const float *a = att + ((b * NH + h) * T + t) * T;
        out[i] = rows_sum(a, 1, qkv + b * T * rs + 2 * (size_t)C + c, rs, t + 1);
    }
}

extern "C" int attention_forward_cuda(float *out, float *att, const float *qkv, int B, int T, int C, int NH)
{
    attention_softmax<<<warp_blocks_for((size_t)B * NH * T), LAYER_THREADS>>>(att, qkv, B, T, C, NH);
    if (!LAUNCH_OK("attention_softmax")) return -1;
    attention_values<<<blocks_for((size_t)B * T * C), LAYER_THREADS>>>(out, att, qkv, B, T, C, NH);
    return LAUNCH_OK("attention_values") ? 0 : -1;
}

/* datt row r = (b*NH + h)*T + t, one warp per row: dout[b, t] · v[b, t2]
 * through the softmax and the scale, d(q·k)[t][t2]; zero above the
 * diagonal. */
__global__ void attention_dscores(float *datt, const float *dout, const float *qkv, const float *att, int B, int T,
                                  int C, int NH)
{
    const size_t r = warp_row();
    const int lane = warp_lane(), hs = C / NH;
    if (r >= (size_t)B * NH * T) return;
    const int t = (int)(r % (size_t)T), h = (int)(r / (size_t)T % (size_t)NH);
    const size_t b = r / ((size_t)T * NH), rs = (size_t)3 * C;
    const float scale = 1.0f / sqrtf((float)hs);
    const float *d = dout + (b * T + t) * C + (size_t)h * hs, *v0 = qkv + b * T * rs + 2 * (size_t)C + (size_t)h * hs;
    const float *a = att + r * T;
    float *da = datt + r * T;
    float dot = 0; /* sum over t2 of att * datt */
    for (int t2 = lane; t2 <= t; t2 += WARP) {
        da[t2] = head_dot(d, v0 + (size_t)t2 * rs, hs, 1.0f);
        dot += a[t2] * da[t2];
    }
    dot = warp_sum(dot);
    for (int t2 = lane; t2 < T; t2 += WARP) da[t2] = t2 <= t ? a[t2] * (da[t2] - dot) * scale : 0.0f;
}

/* dq, dk and dv of (b, t, c), one thread each (h = c / hs):
 * dq[t] = sum over t2 <= t of datt[t][t2] k[t2],
 * dk[t] = sum over t' >= t of datt[t'][t] q[t'],
 * dv[t] = sum over t' >= t of att[t'][t] dout[t']. */
__global__ void attention_dqkv(float *dqkv, const float *datt, const float *dout, const float *qkv, const float *att,
                               int B, int T, int C, int NH)
{
    const int hs = C / NH;
    const size_t rs = (size_t)3 * C;
    GRID_STRIDE(i, (size_t)B * T * C)
    {
        const size_t row = i / (size_t)C, c = i % (size_t)C, b = row / (size_t)T;
        const int t = (int)(row % (size_t)T), h = (int)(c / (size_t)hs);
        const size_t head = (b * NH + h) * T * T; /* (b, h)'s T x T block of att and datt */
        const float *seq = qkv + b * T * rs;     /* row 0 of sequence b */
        float *dst = dqkv + row * rs + c;
        dst[0] = rows_sum(datt + head + (size_t)t * T, 1, seq + C + c, rs, t + 1);
        dst[C] = rows_sum(datt + head + (size_t)t * T + t, (size_t)T, seq + (size_t)t * rs + c, rs, T - t);
        dst[2 * (size_t)C] = rows_sum(att + head + (size_t)t * T + t, (size_t)T, dout + row * C + c, (size_t)C, T - t);
    }
}

extern "C" int attention_backward_cuda(float *dqkv, float *datt, const float *dout, const float *qkv, const float *att,
                                       int B, int T, int C, int NH)
{
    attention_dscores<<<warp_blocks_for((size_t)B * NH * T), LAYER_THREADS>>>(datt, dout, qkv, att, B, T, C, NH);
    if (!LAUNCH_OK("attention_dscores")) return -1;
    attention_dqkv<<<blocks_for((size_t)B * T * C), LAYER_THREADS>>>(dqkv, datt, dout, qkv, att, B, T, C, NH);
    return LAUNCH_OK("attention_dqkv") ? 0 : -1;
}

/* ---- residual ---- */

__global__ void add_arrays(float *out, const float *x, const float *y, size_t n)
{
    GRID_STRIDE(i, n) out[i] = x[i] + y[i];
}

extern "C" int residual_forward_cuda(float *out, const float *inp, const float *branch, size_t n)
{
    add_arrays<<<blocks_for(n), LAYER_THREADS>>>(out, inp, branch, n);
    return LAUNCH_OK("add_arrays") ? 0 : -1;
}

extern "C" int residual_backward_cuda(float *dinp, const float *dout, const float *dbranch, size_t n)
{
    add_arrays<<<blocks_for(n), LAYER_THREADS>>>(dinp, dout, dbranch, n);
    return LAUNCH_OK("add_arrays") ? 0 : -1;
}
