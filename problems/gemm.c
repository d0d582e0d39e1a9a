/* gemm.c — gemm_rows of gemm.h: OpenBLAS sgemm on row blocks of the output,
 * one block per OpenMP thread. */
#include "problems/gemm.h"

#include <cblas.h>
#include <omp.h>
#include <string.h>

/* Rows [first, end) of C: bias rows, then one single-threaded sgemm. */
static void gemm_block(bool trans_a, bool trans_b, int first, int end, int N, int K, const float *A, int lda,
                       const float *B, int ldb, bool accumulate, float *C, int ldc, const float *bias)
{
    if (end <= first) return;
    float *c = C + (size_t)first * ldc;
    if (bias)
        for (int r = first; r < end; r++) memcpy(C + (size_t)r * ldc, bias, (size_t)N * sizeof(float));
    /* op(A)'s row r is A's row r, or A's column r when A is transposed */
    const float *a = trans_a ? A + first : A + (size_t)first * lda;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                end - first, N, K, 1.0f, a, lda, B, ldb, accumulate || bias ? 1.0f : 0.0f, c, ldc);
}

void gemm_rows(bool trans_a, bool trans_b, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
               bool accumulate, float *C, int ldc, const float *bias, int parts)
{
    if (parts <= 0) parts = 2.0 * M * N * K >= GEMM_PAR_MIN_FLOPS ? omp_get_max_threads() : 1;
    const int blocks = (M + GEMM_ROW_ALIGN - 1) / GEMM_ROW_ALIGN; /* aligned row blocks to share out */
    if (parts > blocks) parts = blocks;
    if (parts <= 1) {
        gemm_block(trans_a, trans_b, 0, M, N, K, A, lda, B, ldb, accumulate, C, ldc, bias);
        return;
    }
    #pragma omp parallel for schedule(static, 1) num_threads(parts)
    for (int p = 0; p < parts; p++) {
        const int first = (int)((long)blocks * p / parts) * GEMM_ROW_ALIGN;
        const int end = (int)((long)blocks * (p + 1) / parts) * GEMM_ROW_ALIGN;
        gemm_block(trans_a, trans_b, first, end < M ? end : M, N, K, A, lda, B, ldb, accumulate, C, ldc, bias);
    }
}
