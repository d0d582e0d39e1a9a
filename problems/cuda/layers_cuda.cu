/* layers_cuda.cu — the classifier layers of layers_cuda.h: cuBLAS sgemm
 * for the matrix products (row-major operands passed as their column-major
 * transposes), grid-stride kernels for the rest (GELU the CPU's, from
 * fastmath.h). Reductions run in a fixed order (a thread per output,
 * looping in index order), so results repeat. */
#include <math.h>

#include "harness/core/device.h"
#include "problems/cuda/layers_cuda.h"
#include "problems/cuda/layers_launch.h"
#include "problems/fastmath.h"
#include "problems/softmax_row.h"

/* out[b, o] = bias[o]. */
__global__ void fill_bias(float *out, const float *bias, size_t B, size_t OC)
{
    GRID_STRIDE(i, B * OC) out[i] = bias[i % OC];
}

extern "C" int linear_forward_cuda(float *out, const float *inp, const float *weight, const float *bias, int B, int C,
                                   int OC)
{
    const float one = 1.0f, beta = bias ? 1.0f : 0.0f;
    cublasHandle_t h = device_blas();
    if (!h) return -1;
    if (bias) {
        fill_bias<<<blocks_for((size_t)B * OC), LAYER_THREADS>>>(out, bias, (size_t)B, (size_t)OC);
        if (!LAUNCH_OK("fill_bias")) return -1;
    }
    /* column-major: out^T (OC,B) = weight^T' (OC,C) · inp^T (C,B), added to the bias */
    return BLAS_OK(cublasSgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, OC, B, C, &one, weight, C, inp, C, &beta, out, OC))
               ? 0 : -1;
}

/* dbias[o] = sum over b, in order, of dout[b, o]. */
__global__ void bias_grad(float *dbias, const float *dout, int B, int OC)
{
    GRID_STRIDE(o, (size_t)OC)
    {
        float s = 0;
        for (int b = 0; b < B; b++) s += dout[(size_t)b * OC + o];
        dbias[o] = s;
    }
}

extern "C" int linear_backward_cuda(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                                    const float *weight, int B, int C, int OC)
{
    const float one = 1.0f, zero = 0.0f;
    cublasHandle_t h = device_blas();
    if (!h) return -1;
    /* column-major: dinp^T (C,B) = weight^T (C,OC) · dout^T (OC,B) */
    if (dinp && !BLAS_OK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, C, B, OC, &one, weight, C, dout, OC, &zero, dinp, C)))
        return -1;
    /* column-major: dweight^T (C,OC) = inp^T (C,B) · dout (B,OC) */
    if (!BLAS_OK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_T, C, OC, B, &one, inp, C, dout, OC, &zero, dweight, C)))
        return -1;
    if (!dbias) return 0;
    bias_grad<<<blocks_for((size_t)OC), LAYER_THREADS>>>(dbias, dout, B, OC);
    return LAUNCH_OK("bias_grad") ? 0 : -1;
}

__global__ void act_forward(float *out, const float *inp, size_t n, Activation act)
{
    GRID_STRIDE(i, n)
    {
        const float x = inp[i];
        float d;
        out[i] = act == ACT_RELU ? (x > 0 ? x : 0) : act == ACT_GELU ? gelu(x, &d) : tanhf(x);
    }
}

extern "C" int activation_forward_cuda(float *out, const float *inp, size_t n, Activation act)
{
    act_forward<<<blocks_for(n), LAYER_THREADS>>>(out, inp, n, act);
    return LAUNCH_OK("act_forward") ? 0 : -1;
}

__global__ void act_backward(float *dinp, const float *dout, const float *inp, size_t n, Activation act)
{
    GRID_STRIDE(i, n)
    {
        const float x = inp[i];
        if (act == ACT_RELU) {
            dinp[i] = x > 0 ? dout[i] : 0;
        } else if (act == ACT_GELU) {
            float d;
            gelu(x, &d);
            dinp[i] = dout[i] * d;
        } else {
            const float t = tanhf(x);
            dinp[i] = dout[i] * (1.0f - t * t);
        }
    }
}

extern "C" int activation_backward_cuda(float *dinp, const float *dout, const float *inp, size_t n, Activation act)
{
    act_backward<<<blocks_for(n), LAYER_THREADS>>>(dinp, dout, inp, n, act);
    return LAUNCH_OK("act_backward") ? 0 : -1;
}

/* One thread per row: the CPU's row (softmax_row.h). */
__global__ void softmax_xent_rows(float *probs, double *row_correct, const float *logits, const int32_t *targets, int B,
                                  int V, double *row_loss)
{
    GRID_STRIDE(b, (size_t)B)
    {
        int right;
        row_loss[b] = softmax_xent_row(probs + b * V, &right, logits + b * V, targets[b], V);
        row_correct[b] = right;
    }
}

extern "C" int softmax_xent_forward_cuda(float *probs, double *row_correct, const float *logits,
                                         const int32_t *targets, int B, int V, double *row_loss)
{
    softmax_xent_rows<<<blocks_for((size_t)B), LAYER_THREADS>>>(probs, row_correct, logits, targets, B, V, row_loss);
    return LAUNCH_OK("softmax_xent_rows") ? 0 : -1;
}

__global__ void xent_grad(float *dlogits, const float *probs, const int32_t *targets, int B, int V, float scale)
{
    GRID_STRIDE(i, (size_t)B * V) dlogits[i] = softmax_xent_grad(probs[i], (int)(i % V), targets[i / V], scale);
}

extern "C" int softmax_xent_backward_cuda(float *dlogits, const float *probs, const int32_t *targets, int B, int V,
                                          float scale)
{
    xent_grad<<<blocks_for((size_t)B * V), LAYER_THREADS>>>(dlogits, probs, targets, B, V, scale);
    return LAUNCH_OK("xent_grad") ? 0 : -1;
}
