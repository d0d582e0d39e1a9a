/* gemm.c — gemm_rows of gemm.h: OpenBLAS sgemm on row blocks of the output,
 * one block per OpenMP thread; gemm_rate, the machine's rate on a problem's
 * shapes. */
#include "problems/gemm.h"

#include <cblas.h>
#include <omp.h>
#include <string.h>

#include <stdlib.h>

#include "harness/core/timing.h"

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
    if (parts <= 0) parts = 2.0 * M * N * K >= GEMM_PAR_MIN_FLOPS && !omp_in_parallel() ? omp_get_max_threads() : 1;
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

#define GEMM_RATE_PASSES 4096 /* most timed passes of gemm_rate */

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double gemm_rate(const GemmShape *shapes, int n, double min_seconds)
{
    size_t a = 0, b = 0, c = 0;
    double flops = 0, rate = 0;
    for (int i = 0; i < n; i++) {
        const GemmShape *s = &shapes[i];
        a = (size_t)s->M * s->K > a ? (size_t)s->M * s->K : a;
        b = (size_t)s->K * s->N > b ? (size_t)s->K * s->N : b;
        c = (size_t)s->M * s->N > c ? (size_t)s->M * s->N : c;
        flops += 2.0 * s->M * s->N * s->K * s->count;
    }
    /* malloc, not mem_alloc: a run's memory peaks leave this out */
    float *A = malloc(a * sizeof(float)), *B = malloc(b * sizeof(float)), *C = malloc(c * sizeof(float));
    if (!n || !A || !B || !C) goto cleanup;
    for (size_t i = 0; i < a; i++) A[i] = (float)(i % 7) * 0.25f - 0.75f;
    for (size_t i = 0; i < b; i++) B[i] = (float)(i % 5) * 0.25f - 0.5f;
    double times[GEMM_RATE_PASSES], start = now_seconds();
    int passes = 0;
    for (int pass = -1; pass < GEMM_RATE_PASSES && (pass < 1 || now_seconds() - start < min_seconds); pass++) {
        const double t0 = now_seconds(); /* pass -1 warms caches and threads */
        for (int i = 0; i < n; i++) {
            const GemmShape *s = &shapes[i];
            for (int k = 0; k < s->count; k++)
                gemm_rows(s->trans_a, s->trans_b, s->M, s->N, s->K, A, s->trans_a ? s->M : s->K, B,
                          s->trans_b ? s->K : s->N, false, C, s->N, NULL, 0);
        }
        if (pass >= 0) times[passes++] = now_seconds() - t0;
    }
    qsort(times, (size_t)passes, sizeof times[0], cmp_double);
    rate = flops / times[passes / 2] / 1e9;
cleanup:
    free(A), free(B), free(C);
    return rate;
}
