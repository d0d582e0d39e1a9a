/* test_gemm.c — gemm_rows: the product split by rows of its output equals
 * the single-call product bit for bit, on the shapes of the bench problems
 * (transformer d_model 128, context 64, batch 16; MLP 784-256-128-10,
 * batch 128) and on odd ones; two products computed at once equal each
 * computed alone. */
#include <cblas.h>
#include <omp.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "problems/gemm.h"

typedef struct {
    bool trans_a, trans_b; /* as gemm_rows takes them */
    int M, N, K;           /* C (M,N) = op(A) (M,K) op(B) (K,N) */
} Shape;

static const Shape shapes[] = {
    /* transformer: qkv, attention projection, MLP up and down, logits; forward, dinp, dweight */
    {false, true, 1024, 384, 128}, {false, true, 1024, 128, 128}, {false, true, 1024, 512, 128},
    {false, true, 1024, 128, 512}, {false, true, 1024, 64, 128}, {false, false, 1024, 128, 384},
    {false, false, 1024, 512, 128}, {false, false, 1024, 128, 64}, {true, false, 384, 128, 1024},
    {true, false, 512, 128, 1024}, {true, false, 128, 512, 1024}, {true, false, 64, 128, 1024},
    /* MLP 784-256-128-10 at batch 128 */
    {false, true, 128, 256, 784}, {false, true, 128, 128, 256}, {false, false, 128, 256, 128},
    {true, false, 256, 784, 128}, {true, false, 128, 256, 128}, {true, false, 10, 128, 128},
    /* rows that are no multiple of anything */
    {false, true, 1000, 200, 300}, {true, false, 333, 97, 515}, {false, false, 150, 33, 777},
};

static float *random_floats(size_t n, unsigned seed)
{
    float *x = malloc(n * sizeof *x);
    srand(seed);
    for (size_t i = 0; i < n; i++) x[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    return x;
}

/* For each shape: parts 2..5 against one part, plain, with a bias and accumulating. */
Test(gemm, row_blocks_do_not_change_any_element)
{
    openblas_set_num_threads(1);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const Shape *sh = &shapes[s];
        const int lda = sh->trans_a ? sh->M : sh->K, ldb = sh->trans_b ? sh->K : sh->N;
        const size_t nc = (size_t)sh->M * sh->N;
        float *A = random_floats((size_t)sh->M * sh->K, 1), *B = random_floats((size_t)sh->K * sh->N, 2);
        float *bias = random_floats((size_t)sh->N, 3), *start = random_floats(nc, 4);
        float *ref = malloc(nc * sizeof(float)), *got = malloc(nc * sizeof(float));
        for (int mode = 0; mode < 3; mode++) { /* 0 plain, 1 bias, 2 accumulate */
            memcpy(ref, start, nc * sizeof(float));
            gemm_rows(sh->trans_a, sh->trans_b, sh->M, sh->N, sh->K, A, lda, B, ldb, mode == 2, ref, sh->N,
                      mode == 1 ? bias : NULL, 1);
            for (int parts = 2; parts <= 5; parts++) {
                memcpy(got, start, nc * sizeof(float));
                gemm_rows(sh->trans_a, sh->trans_b, sh->M, sh->N, sh->K, A, lda, B, ldb, mode == 2, got, sh->N,
                          mode == 1 ? bias : NULL, parts);
                size_t differ = 0;
                for (size_t i = 0; i < nc; i++) differ += memcmp(&ref[i], &got[i], sizeof(float)) != 0;
                cr_expect_eq(differ, 0, "%s%s %dx%dx%d mode %d, %d parts: %zu of %zu elements differ",
                             sh->trans_a ? "T" : "N", sh->trans_b ? "T" : "N", sh->M, sh->N, sh->K, mode, parts,
                             differ, nc);
            }
        }
        free(A), free(B), free(bias), free(start), free(ref), free(got);
    }
}

/* One part is exactly cblas_sgemm (with beta 1 after the bias rows). */
Test(gemm, one_part_is_sgemm)
{
    openblas_set_num_threads(1);
    const int M = 100, N = 70, K = 50;
    float *A = random_floats((size_t)M * K, 5), *B = random_floats((size_t)N * K, 6), *bias = random_floats(N, 7);
    float *ref = malloc((size_t)M * N * sizeof(float)), *got = malloc((size_t)M * N * sizeof(float));
    for (int r = 0; r < M; r++) memcpy(ref + (size_t)r * N, bias, N * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, A, K, B, K, 1.0f, ref, N);
    gemm_rows(false, true, M, N, K, A, K, B, K, false, got, N, bias, 0);
    cr_expect_eq(memcmp(ref, got, (size_t)M * N * sizeof(float)), 0);
    free(A), free(B), free(bias), free(ref), free(got);
}

/* gemm_rows_two on 1 to 5 threads: each product equals its own one-part
 * gemm_rows call bit for bit, on the input and weight gradients of the
 * transformer's and the MLP's linear layers (dinp = dout · W, dW = dout^T ·
 * inp) and on a pair of unequal products. */
Test(gemm, two_products_at_once_equal_each_alone)
{
    static const struct { int B, C, OC; } layers[] = {
        {1024, 128, 384}, {1024, 128, 128}, {1024, 128, 512}, {1024, 512, 128}, {1024, 128, 64},
        {128, 256, 128}, {128, 128, 10}, {333, 97, 515},
    };
    openblas_set_num_threads(1);
    for (size_t s = 0; s < sizeof layers / sizeof layers[0]; s++) {
        const int B = layers[s].B, C = layers[s].C, OC = layers[s].OC;
        float *dout = random_floats((size_t)B * OC, 8), *w = random_floats((size_t)OC * C, 9);
        float *inp = random_floats((size_t)B * C, 10);
        float *di_ref = malloc((size_t)B * C * sizeof(float)), *dw_ref = malloc((size_t)OC * C * sizeof(float));
        float *di = malloc((size_t)B * C * sizeof(float)), *dw = malloc((size_t)OC * C * sizeof(float));
        gemm_rows(false, false, B, C, OC, dout, OC, w, C, false, di_ref, C, NULL, 1);
        gemm_rows(true, false, OC, C, B, dout, OC, inp, C, false, dw_ref, C, NULL, 1);
        const GemmCall x = {false, false, B, C, OC, dout, w, OC, C, C, false, di, NULL};
        const GemmCall y = {true, false, OC, C, B, dout, inp, OC, C, C, false, dw, NULL};
        for (int threads = 1; threads <= 5; threads++) {
            memset(di, 0xff, (size_t)B * C * sizeof(float)); /* NaN: an unwritten element differs */
            memset(dw, 0xff, (size_t)OC * C * sizeof(float));
            omp_set_num_threads(threads);
            gemm_rows_two(&x, &y);
            cr_expect_eq(memcmp(di, di_ref, (size_t)B * C * sizeof(float)), 0, "%dx%d->%d, %d threads: dinp differs",
                         B, C, OC, threads);
            cr_expect_eq(memcmp(dw, dw_ref, (size_t)OC * C * sizeof(float)), 0, "%dx%d->%d, %d threads: dW differs",
                         B, C, OC, threads);
        }
        omp_set_num_threads(1);
        free(dout), free(w), free(inp), free(di_ref), free(dw_ref), free(di), free(dw);
    }
}
