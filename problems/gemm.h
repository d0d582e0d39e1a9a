/* gemm.h — row-major float32 matrix products split across OpenMP threads.
 *
 * C (M,N) = op(A) (M,K) · op(B) (K,N) [+ C]. The rows of C are cut into
 * blocks, one per thread, whose boundaries are multiples of GEMM_ROW_ALIGN;
 * each block is one single-threaded OpenBLAS sgemm on its rows. OpenBLAS
 * blocks and orders the sum over K of every output element by K alone, so
 * an element's value does not depend on how the rows were cut, and results
 * are bit-identical for any thread count (tests/test_problems.c checks it
 * on the problems' own shapes). Products under GEMM_PAR_MIN_FLOPS stay on
 * the calling thread.
 */
#ifndef OPTBENCH_GEMM_H
#define OPTBENCH_GEMM_H

#include <stdbool.h>
#include <stddef.h>

#define GEMM_ROW_ALIGN 48                /* block boundaries fall on multiples of this row */
#define GEMM_PAR_MIN_FLOPS (4.0 * 1048576) /* 2MNK below which a product stays on one thread */

/* C = op(A) · op(B), or op(A) · op(B) + C when accumulate is set; op(X) is
 * X^T when trans_X. lda, ldb and ldc are the row strides of A, B and C as
 * stored. When bias (N) is given, every row of C is set to it first and the
 * product is added (accumulate is then implied). parts > 0 fixes the number
 * of row blocks (for tests); 0 takes one per OpenMP thread, and one (a
 * single sgemm on the calling thread) inside a parallel region. */
void gemm_rows(bool trans_a, bool trans_b, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
               bool accumulate, float *C, int ldc, const float *bias, int parts);

/* The arguments of one gemm_rows call (parts aside). */
typedef struct {
    bool trans_a, trans_b;        /* op(A) = A^T, op(B) = B^T */
    int M, N, K;                  /* C (M,N) = op(A) (M,K) op(B) (K,N) */
    const float *A, *B;           /* the operands as stored */
    int lda, ldb, ldc;            /* row strides of A, B and C */
    bool accumulate;              /* add into C */
    float *C;                     /* the output */
    const float *bias;            /* (N) rows of C set to it first; NULL: none */
} GemmCall;

/* Two independent products at once (the input and weight gradients of a
 * linear layer): the OpenMP threads are shared between them in proportion
 * to their FLOPs and each cuts its rows as gemm_rows does, so every element
 * equals that of its own gemm_rows call, whatever the thread count. On two
 * threads each product is one whole single-threaded sgemm: no product is
 * split, none packs its operands twice, and unequal row blocks (a 128-row
 * product cuts 48 + 80) do not leave a thread waiting. */
void gemm_rows_two(const GemmCall *x, const GemmCall *y);

/* One matrix product shape of a problem and how often a training step
 * computes it, and how: cut by rows over the threads (loop 0), or whole on
 * one thread in a loop whose units are shared out over the threads, as the
 * classifier's step runs its row and column blocks (classifier.h). */
typedef struct {
    bool trans_a, trans_b; /* as gemm_rows takes them */
    int M, N, K;           /* C (M,N) = op(A) (M,K) op(B) (K,N) */
    int count;             /* times per forward and backward of one minibatch */
    bool paired;           /* computed at once with the next shape, by gemm_rows_two (the input
                              and weight gradients of a linear layer; both count as often); loop 0 only */
    int loop;              /* 0: each product cut by rows over the threads (gemm_rows); k > 0: one
                              single-threaded sgemm in the step's k-th shared loop (loops of
                              consecutive shapes, one parallel region, a barrier after each) */
    int unit;              /* loop > 0: units unit .. unit + count - 1 of its loop compute it once
                              each; a unit runs its shapes in the order listed, on one thread */
} GemmShape;

/* GFLOP/s of the shapes' products on the current OpenMP threads, each
 * computed as often as its count says and as a step computes it: gemm_rows
 * (gemm_rows_two for a pair), or for a run of consecutive shapes of shared
 * loops one parallel region (on one thread below GEMM_PAR_MIN_FLOPS, as
 * the classifier's step) whose threads take each loop's units one at a
 * time in order. Passes over them for at least min_seconds after one
 * warm-up pass, the median pass (as step times are medians); 0 when there
 * are no shapes or no memory. The rate MFU is taken against. */
double gemm_rate(const GemmShape *shapes, int n, double min_seconds);

#endif
