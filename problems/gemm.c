/* gemm.c — gemm_rows of gemm.h: OpenBLAS sgemm on row blocks of the output,
 * one block per OpenMP thread; gemm_rate, the machine's rate on a problem's
 * shapes, computed as its step computes them. */
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

/* The most row blocks c can be cut into. */
static int gemm_blocks(const GemmCall *c) { return (c->M + GEMM_ROW_ALIGN - 1) / GEMM_ROW_ALIGN; }

/* Row block `part` of `parts` of the product c: boundaries on multiples of
 * GEMM_ROW_ALIGN, as every cut of gemm_rows and gemm_rows_two makes them. */
static void gemm_part(const GemmCall *c, int part, int parts)
{
    const int blocks = gemm_blocks(c);
    const int first = (int)((long)blocks * part / parts) * GEMM_ROW_ALIGN;
    const int end = (int)((long)blocks * (part + 1) / parts) * GEMM_ROW_ALIGN;
    gemm_block(c->trans_a, c->trans_b, first, end < c->M ? end : c->M, c->N, c->K, c->A, c->lda, c->B, c->ldb,
               c->accumulate, c->C, c->ldc, c->bias);
}

void gemm_rows(bool trans_a, bool trans_b, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
               bool accumulate, float *C, int ldc, const float *bias, int parts)
{
    const GemmCall c = {trans_a, trans_b, M, N, K, A, B, lda, ldb, ldc, accumulate, C, bias};
    if (parts <= 0) parts = 2.0 * M * N * K >= GEMM_PAR_MIN_FLOPS && !omp_in_parallel() ? omp_get_max_threads() : 1;
    const int blocks = gemm_blocks(&c);
    if (parts > blocks) parts = blocks;
    if (parts <= 1) {
        gemm_part(&c, 0, 1);
        return;
    }
    #pragma omp parallel for schedule(static, 1) num_threads(parts)
    for (int p = 0; p < parts; p++) gemm_part(&c, p, parts);
}

void gemm_rows_two(const GemmCall *x, const GemmCall *y)
{
    const double fx = 2.0 * x->M * x->N * x->K, fy = 2.0 * y->M * y->N * y->K;
    const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
    if (threads < 2 || fx + fy < GEMM_PAR_MIN_FLOPS) {
        gemm_part(x, 0, 1);
        gemm_part(y, 0, 1);
        return;
    }
    int px = (int)(threads * fx / (fx + fy) + 0.5); /* x's threads */
    px = px < 1 ? 1 : px > threads - 1 ? threads - 1 : px;
    int py = threads - px;
    px = px < gemm_blocks(x) ? px : gemm_blocks(x);
    py = py < gemm_blocks(y) ? py : gemm_blocks(y);
    #pragma omp parallel for schedule(static, 1) num_threads(px + py)
    for (int p = 0; p < px + py; p++)
        if (p < px) gemm_part(x, p, px);
        else gemm_part(y, p - px, py);
}

#define GEMM_RATE_PASSES 4096 /* most timed passes of gemm_rate */

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The product of shape s on the operands A and B as stored (contiguous),
 * into C. */
static GemmCall shape_call(const GemmShape *s, const float *A, const float *B, float *C)
{
    return (GemmCall){s->trans_a, s->trans_b, s->M, s->N, s->K, A, B, s->trans_a ? s->M : s->K,
                      s->trans_b ? s->K : s->N, s->N, false, C, NULL};
}

/* gemm_rows of the call x, cut into `parts` as gemm_rows takes it. */
static void call_rows(const GemmCall *x, int parts)
{
    gemm_rows(x->trans_a, x->trans_b, x->M, x->N, x->K, x->A, x->lda, x->B, x->ldb, x->accumulate, x->C, x->ldc,
              x->bias, parts);
}

/* One pass over shapes[0 .. n) of shared loops (loop > 0): one parallel
 * region, threaded from GEMM_PAR_MIN_FLOPS, in which the threads take each
 * loop's units one at a time, a barrier after each loop; thread t writes
 * into C + t * c. */
static void shared_pass(const GemmShape *shapes, int n, const float *A, const float *B, float *C, size_t c)
{
    double flops = 0;
    for (int i = 0; i < n; i++) flops += 2.0 * shapes[i].M * shapes[i].N * shapes[i].K * shapes[i].count;
    #pragma omp parallel if (flops >= GEMM_PAR_MIN_FLOPS)
    {
        float *out = C + (size_t)omp_get_thread_num() * c;
        for (int first = 0, end; first < n; first = end) {
            int units = 0;
            for (end = first; end < n && shapes[end].loop == shapes[first].loop; end++)
                if (shapes[end].unit + shapes[end].count > units) units = shapes[end].unit + shapes[end].count;
            #pragma omp for schedule(dynamic, 1)
            for (int u = 0; u < units; u++)
                for (int i = first; i < end; i++) {
                    const GemmShape *s = &shapes[i];
                    if (u >= s->unit && u < s->unit + s->count) {
                        const GemmCall x = shape_call(s, A, B, out);
                        call_rows(&x, 1);
                    }
                }
        }
    }
}

double gemm_rate(const GemmShape *shapes, int n, double min_seconds)
{
    size_t a = 0, b = 0, c = 0;
    double flops = 0, rate = 0;
    const int threads = omp_get_max_threads();
    for (int i = 0; i < n; i++) {
        const GemmShape *s = &shapes[i];
        a = (size_t)s->M * s->K > a ? (size_t)s->M * s->K : a;
        b = (size_t)s->K * s->N > b ? (size_t)s->K * s->N : b;
        c = (size_t)s->M * s->N > c ? (size_t)s->M * s->N : c;
        flops += 2.0 * s->M * s->N * s->K * s->count;
    }
    /* malloc, not mem_alloc: a run's memory peaks leave this out; C holds a
     * pair's two outputs side by side, or each thread's of a shared loop */
    float *A = malloc(a * sizeof(float)), *B = malloc(b * sizeof(float));
    float *C = malloc((size_t)(threads > 2 ? threads : 2) * c * sizeof(float));
    if (!n || !A || !B || !C) goto cleanup;
    for (size_t i = 0; i < a; i++) A[i] = (float)(i % 7) * 0.25f - 0.75f;
    for (size_t i = 0; i < b; i++) B[i] = (float)(i % 5) * 0.25f - 0.5f;
    double times[GEMM_RATE_PASSES], start = now_seconds();
    int passes = 0;
    for (int pass = -1; pass < GEMM_RATE_PASSES && (pass < 1 || now_seconds() - start < min_seconds); pass++) {
        const double t0 = now_seconds(); /* pass -1 warms caches and threads */
        for (int i = 0, end; i < n; i = end) {
            const GemmShape *s = &shapes[i];
            end = i + 1;
            if (s->loop > 0) {
                while (end < n && shapes[end].loop > 0) end++;
                shared_pass(s, end - i, A, B, C, c);
            } else if (s->paired && i + 1 < n) {
                const GemmCall x = shape_call(s, A, B, C), y = shape_call(&shapes[i + 1], A, B, C + c);
                for (int k = 0; k < s->count; k++) gemm_rows_two(&x, &y);
                end = i + 2;
            } else {
                const GemmCall x = shape_call(s, A, B, C);
                for (int k = 0; k < s->count; k++) call_rows(&x, 0);
            }
        }
        if (pass >= 0) times[passes++] = now_seconds() - t0;
    }
    qsort(times, (size_t)passes, sizeof times[0], cmp_double);
    rate = flops / times[passes / 2] / 1e9;
cleanup:
    free(A), free(B), free(C);
    return rate;
}
