/* rosenbrock.c — the n-dimensional Rosenbrock function
 *   f(x) = sum_{i=0}^{n-2} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2
 * started at x_i = -1.2 (even i), 1.0 (odd i) whatever the seed, with an
 * analytic gradient and optional Gaussian noise (sigma `noise`) added to
 * each gradient coordinate, drawn from (seed, batch, i). Minimum 0 at 1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/core/rng.h"
#include "problems/cuda/problem_cuda.h"
#include "problems/rosenbrock.h"

extern const ProblemDef problem_rosenbrock;
#ifdef OPTBENCH_CUDA
extern const ProblemCuda rosenbrock_cuda;
#endif

enum { OPT_DIM, OPT_NOISE, N_OPTS };

static const ParamDef options[N_OPTS] = {
    {"dim", PARAM_INT, 2, 2, 1e9, 0, NULL, "number of coordinates"},
    {"noise", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "sigma of Gaussian noise added to each gradient coordinate"},
};

static Problem *create(const ParamSet *opts, char *err, size_t errlen)
{
    Rosenbrock *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t n = (size_t)opts->num[OPT_DIM];
    snprintf(r->view.name, sizeof r->view.name, "x");
    r->view.ndim = 1;
    r->view.shape[0] = n;
    r->view.role = ROLE_VECTOR;
    r->base.def = &problem_rosenbrock;
    r->base.n_params = n;
    r->base.views = &r->view;
    r->base.n_views = 1;
    r->noise = opts->num[OPT_NOISE];
    /* per summand, as loss_and_grad computes it: a, b, 100a^2 + b^2 and the
     * sum (8); the gradient terms and the carried 200a (6); noise aside */
    r->base.flops.forward = 8.0 * (double)(n ? n - 1 : 0);
    r->base.flops.backward = 6.0 * (double)(n ? n - 1 : 0);
    return &r->base;
}

static void init(Problem *pb, float *x, uint64_t seed)
{
    (void)seed;
    for (size_t i = 0; i < pb->n_params; i++) x[i] = (i % 2 == 0) ? -1.2f : 1.0f;
}

static double loss_and_grad(Problem *pb, const float *x, float *grad, uint64_t seed, uint64_t batch)
{
    const Rosenbrock *r = (const Rosenbrock *)pb;
    const size_t n = pb->n_params;
    double loss = 0;
    double prev_term = 0; /* d/dx_i of the (i-1)-th summand: 200 (x_i - x_{i-1}^2) */
    for (size_t i = 0; i < n; i++) {
        double xi = x[i], gi = prev_term;
        if (i + 1 < n) {
            double xn = x[i + 1], a = xn - xi * xi, b = 1.0 - xi;
            loss += 100.0 * a * a + b * b;
            gi += -400.0 * xi * a - 2.0 * b;
            prev_term = 200.0 * a;
        }
        if (r->noise > 0) gi += r->noise * rng_normal(seed, RNG_STREAM_NOISE, batch * n + i);
        grad[i] = (float)gi;
    }
    return loss;
}

static int eval(Problem *pb, const float *params, double *loss, double *accuracy)
{
    (void)pb, (void)params, (void)loss, (void)accuracy;
    return -1;
}

static void destroy(Problem *pb) { free(pb); }

const ProblemDef problem_rosenbrock = {
    .name = "rosenbrock",
    .summary = "n-dimensional Rosenbrock function from (-1.2, 1, -1.2, ...), optional gradient noise",
    .options = options,
    .n_options = N_OPTS,
    .default_target = 1e-4,
    .gradcheck_tol = 1e-5,
    .gradcheck_step = 1e-4,
    .create = create,
    .init = init,
    .loss_and_grad = loss_and_grad,
    .eval = eval,
    .destroy = destroy,
#ifdef OPTBENCH_CUDA
    .cuda = &rosenbrock_cuda,
#endif
};
