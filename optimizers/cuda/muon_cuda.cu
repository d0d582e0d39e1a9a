/* muon_cuda.cu — Muon's step on one matrix tensor on the device
 * (tensor_steps.h), as matrix_step of optimizers/muon.c: the momentum into
 * X (transposed when R > C), the Frobenius normalisation, ns_steps
 * Newton-Schulz iterations through cuBLAS sgemm, and the update, each
 * elementwise pass through the function of tensor_impl.h.
 *
 * cuBLAS is column-major: the row-major m x k matrix X is, read
 * column-major, X^T (k x m). So A = X X^T is sgemm(T, N) of x with itself,
 * B = b A + c A A is sgemm(N, N) of a with itself, and X' = a X + B X, read
 * column-major X'^T = a X^T + X^T B^T, is sgemm(N, N) of x and b, B^T
 * being b read column-major. */
#include "harness/core/cuda/reduce.cuh"
#include "optimizers/cuda/tensor_steps.h"

__global__ void muon_momentum_kernel(MuonCoef c, const float *__restrict__ g, float *__restrict__ buf,
                                     float *__restrict__ x, size_t R, size_t C, int tall)
{
    for (size_t e = (size_t)blockIdx.x * blockDim.x + threadIdx.x; e < R * C; e += (size_t)gridDim.x * blockDim.x)
        x[muon_x_index(e / C, e % C, R, C, tall)] = muon_momentum(&c, g[e], &buf[e]);
}

__global__ void muon_normalise(MuonCoef c, float *__restrict__ x, size_t n, const double *sumsq)
{
    const float div = muon_norm_div(&c, *sumsq);
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        x[i] /= div;
}

__global__ void muon_update(MuonCoef c, float *__restrict__ p, const float *__restrict__ x, size_t R, size_t C,
                            int tall)
{
    for (size_t e = (size_t)blockIdx.x * blockDim.x + threadIdx.x; e < R * C; e += (size_t)gridDim.x * blockDim.x)
        p[e] = muon_apply(&c, p[e], x[muon_x_index(e / C, e % C, R, C, tall)]);
}

extern "C" int muon_matrix_cuda(const MuonCoef *c, float *p, const float *g, float *buf, size_t rows, size_t cols,
                                int ns_steps, float *scratch, double *sums)
{
    const int tall = rows > cols;
    const size_t n = rows * cols, m = tall ? cols : rows, k = tall ? rows : cols; /* X is m x k */
    const float one = 1.0f, zero = 0.0f, ns_a = MUON_NS_A, ns_b = MUON_NS_B, ns_c = MUON_NS_C;
    float *x = scratch, *next = x + n, *a = next + n, *b = a + m * m;
    const int M = (int)m, K = (int)k;
    cublasHandle_t h = device_blas();
    if (n == 0) return 0;
    if (!h) return -1;
    muon_momentum_kernel<<<reduce_blocks(n), REDUCE_THREADS>>>(*c, g, buf, x, rows, cols, tall);
    if (!LAUNCH_OK("muon_momentum_kernel")) return -1;
    if (reduce_launch(LoadSquare{x}, n, 1.0, 0, sums, sums + OPT_SUMS) != 0) return -1;
    muon_normalise<<<reduce_blocks(n), REDUCE_THREADS>>>(*c, x, n, sums);
    if (!LAUNCH_OK("muon_normalise")) return -1;
    for (int it = 0; it < ns_steps; it++) {
        if (!BLAS_OK(cublasSgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, M, M, K, &one, x, K, x, K, &zero, a, M)) ||
            !CUDA_OK(cudaMemcpyAsync(b, a, m * m * sizeof(float), cudaMemcpyDeviceToDevice, 0)) ||
            !BLAS_OK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, M, M, M, &ns_c, a, M, a, M, &ns_b, b, M)) ||
            !CUDA_OK(cudaMemcpyAsync(next, x, n * sizeof(float), cudaMemcpyDeviceToDevice, 0)) ||
            !BLAS_OK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, K, M, M, &one, x, K, b, M, &ns_a, next, K)))
            return -1;
        float *t = x;
        x = next;
        next = t;
    }
    muon_update<<<reduce_blocks(n), REDUCE_THREADS>>>(*c, p, x, rows, cols, tall);
    return LAUNCH_OK("muon_update") ? 0 : -1;
}
