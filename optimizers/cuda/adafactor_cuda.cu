/* adafactor_cuda.cu — Adafactor's passes over one tensor on the device
 * (tensor_steps.h), as the CPU step of optimizers/adafactor.c: the sum of
 * p^2, the row and column factors (one thread per row or column, summing
 * in index order as the CPU does) or the full second moment, the sum of
 * the update's squares, and the update, each through the function of
 * tensor_impl.h. The step's scalars stay on the device: each thread of the
 * last pass derives them from the sums. */
#include "harness/core/cuda/reduce.cuh"
#include "optimizers/cuda/tensor_steps.h"

enum { P_SUMSQ, ROW_SUM, U_SUMSQ }; /* the results in sums */

/* row[i] from the squared gradients of row i, one thread per row. */
__global__ void adafactor_rows(AdafactorCoef c, const float *__restrict__ g, float *__restrict__ row, size_t R,
                               size_t C)
{
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < R; i += (size_t)gridDim.x * blockDim.x) {
        double s = 0;
        for (size_t j = 0; j < C; j++) s += (double)g[i * C + j] * g[i * C + j];
        row[i] = adafactor_factor(&c, row[i], s, C);
    }
}

/* col[j] from the squared gradients of column j, one thread per column. */
__global__ void adafactor_cols(AdafactorCoef c, const float *__restrict__ g, float *__restrict__ col, size_t R,
                               size_t C)
{
    for (size_t j = (size_t)blockIdx.x * blockDim.x + threadIdx.x; j < C; j += (size_t)gridDim.x * blockDim.x) {
        double s = 0;
        for (size_t i = 0; i < R; i++) s += (double)g[i * C + j] * g[i * C + j];
        col[j] = adafactor_factor(&c, col[j], s, R);
    }
}

/* v[i] = the full second moment of an unfactored tensor. */
__global__ void adafactor_moments(AdafactorCoef c, const float *__restrict__ g, float *__restrict__ v, size_t n)
{
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        v[i] = adafactor_moment(&c, v[i], g[i]);
}

/* The update u of element e: from the factors (row != NULL, the row sum in
 * sums) or from the full moment v. */
struct AdafactorU {
    AdafactorCoef c;       /* the step's constants */
    const float *g;        /* the gradient */
    const float *row;      /* R row factors, or NULL: unfactored */
    const float *col;      /* C column factors (factored) */
    const float *v;        /* n second moments (unfactored) */
    const double *row_sum; /* device: the sum of the row factors (factored) */
    size_t R, C;           /* the shape */
    __device__ float operator()(size_t e) const
    {
        return adafactor_u_at(&c, g, row, col, v, row ? adafactor_denom(&c, *row_sum, R) : 0.0f, e / C, e % C, C);
    }
};

/* u(e)^2 as a reduction's load. */
struct LoadUSquare {
    AdafactorU u; /* the update */
    __device__ double operator()(size_t e) const
    {
        const float x = u(e);
        return (double)x * x;
    }
};

/* p = adafactor_apply(p, step, u) with the step from the sums. */
__global__ void adafactor_update(AdafactorU u, float *__restrict__ p, size_t n, const double *sums)
{
    const float step = adafactor_step(&u.c, sums[P_SUMSQ], sums[U_SUMSQ], n);
    for (size_t e = (size_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (size_t)gridDim.x * blockDim.x)
        p[e] = adafactor_apply(&u.c, p[e], step, u(e));
}

extern "C" int adafactor_cuda(const AdafactorCoef *c, float *p, const float *g, float *state, size_t rows,
                              size_t cols, int factored, double *sums)
{
    const size_t n = rows * cols;
    double *scratch = sums + OPT_SUMS;
    AdafactorU u = {*c, g, NULL, NULL, state, sums + ROW_SUM, rows, cols};
    if (n == 0) return 0;
    if (reduce_launch(LoadSquare{p}, n, 1.0, 0, sums + P_SUMSQ, scratch) != 0) return -1;
    if (factored) {
        u.row = state;
        u.col = state + rows;
        u.v = NULL;
        adafactor_rows<<<reduce_blocks(rows), REDUCE_THREADS>>>(*c, g, state, rows, cols);
        if (!LAUNCH_OK("adafactor_rows")) return -1;
        adafactor_cols<<<reduce_blocks(cols), REDUCE_THREADS>>>(*c, g, state + rows, rows, cols);
        if (!LAUNCH_OK("adafactor_cols")) return -1;
        if (reduce_launch(LoadFloat{state}, rows, 1.0, 0, sums + ROW_SUM, scratch) != 0) return -1;
    } else {
        adafactor_moments<<<reduce_blocks(n), REDUCE_THREADS>>>(*c, g, state, n);
        if (!LAUNCH_OK("adafactor_moments")) return -1;
    }
    if (reduce_launch(LoadUSquare{u}, n, 1.0, 0, sums + U_SUMSQ, scratch) != 0) return -1;
    adafactor_update<<<reduce_blocks(n), REDUCE_THREADS>>>(u, p, n, sums);
    return LAUNCH_OK("adafactor_update") ? 0 : -1;
}
