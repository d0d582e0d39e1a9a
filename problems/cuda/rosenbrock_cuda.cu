/* rosenbrock_cuda.cu — the CUDA twin of problems/rosenbrock.c: the same
 * terms and analytic gradient in double, the same gradient noise (drawn
 * from (seed, batch, i) with rng_impl.h), one thread per coordinate and a
 * deterministic sum of the terms.
 *
 * Legend: n = dimension; x, grad = n floats; terms = n doubles (term i is
 * summand i, 0 for the last coordinate).
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness/core/cuda/harness_kernels.h"
#include "harness/core/device.h"
#include "harness/core/rng.h"
#include "harness/core/rng_impl.h"
#include "problems/rosenbrock.h"
#include "problems/cuda/problem_cuda.h"

#define ROSEN_THREADS 256 /* threads per block */

struct ProblemTwin {
    const Rosenbrock *host; /* the host problem: dimension and noise */
    double *terms;          /* device: n summands */
    double *scratch;        /* device: REDUCE_SCRATCH doubles */
};

/* grad[i] and terms[i] from x; CPU twin: loss_and_grad of rosenbrock.c. */
__global__ void rosenbrock_grad(const float *x, float *grad, double *terms, size_t n, double noise, uint64_t seed,
                                uint64_t batch)
{
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        const double xi = x[i];
        double gi = 0, term = 0;
        if (i > 0) {
            const double xp = x[i - 1];
            gi = 200.0 * (xi - xp * xp); /* d/dx_i of summand i-1 */
        }
        if (i + 1 < n) {
            const double xn = x[i + 1], a = xn - xi * xi, b = 1.0 - xi;
            term = 100.0 * a * a + b * b;
            gi += -400.0 * xi * a - 2.0 * b;
        }
        if (noise > 0) gi += noise * rng_normal_at(seed, RNG_STREAM_NOISE, batch * n + i);
        grad[i] = (float)gi;
        terms[i] = term;
    }
}

static void destroy(ProblemTwin *tw)
{
    if (!tw) return;
    dev_free(tw->terms);
    dev_free(tw->scratch);
    free(tw);
}

static ProblemTwin *create(Problem *pb, char *err, size_t errlen)
{
    ProblemTwin *tw = (ProblemTwin *)calloc(1, sizeof *tw);
    int rc = -1;
    if (!tw) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    tw->host = (const Rosenbrock *)pb;
    tw->terms = (double *)dev_alloc(pb->n_params * sizeof(double));
    tw->scratch = (double *)dev_alloc(REDUCE_SCRATCH * sizeof(double));
    if (!tw->terms || !tw->scratch) {
        snprintf(err, errlen, "device memory for rosenbrock: %s", device_error());
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (rc) {
        destroy(tw);
        tw = NULL;
    }
    return tw;
}

static int loss_and_grad(ProblemTwin *tw, const float *x, float *grad, double *loss, uint64_t seed, uint64_t batch)
{
    const size_t n = tw->host->base.n_params;
    size_t blocks = (n + ROSEN_THREADS - 1) / ROSEN_THREADS;
    if (blocks > 4096) blocks = 4096;
    rosenbrock_grad<<<(unsigned)blocks, ROSEN_THREADS>>>(x, grad, tw->terms, n, tw->host->noise, seed, batch);
    if (!LAUNCH_OK("rosenbrock_grad")) return -1;
    return reduce_sum_cuda(loss, tw->terms, n, 1.0, tw->scratch);
}

static int eval(ProblemTwin *tw, const float *params, double *loss, double *accuracy)
{
    (void)tw, (void)params, (void)loss, (void)accuracy;
    return 1;
}

extern "C" const ProblemCuda rosenbrock_cuda = {create, loss_and_grad, eval, destroy};
