/* gradcheck.c — central-difference gradient checks. */
#include "harness/check/gradcheck.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/check/cuda/grad_cuda.h"
#include "harness/core/memory.h"
#include "harness/core/rng.h"

/* Loss of minibatch 0 at params: the problem's double reference where it has
 * one, else the loss of loss_and_grad (its gradient goes to scratch). */
static double loss_at(const ProblemDef *def, Problem *pb, const float *params, float *scratch, uint64_t seed)
{
    if (def->loss_ref) return def->loss_ref(pb, params, seed, 0);
    return def->loss_and_grad(pb, params, scratch, seed, 0);
}

int gradcheck(const ProblemDef *def, const ParamSet *opts, Device dev, uint64_t seed, int samples,
              GradcheckTensor *out, int max_out, int *n_out, char *err, size_t errlen)
{
    int rc = -1;
    (void)dev; /* read only in a CUDA build; without one, callers refuse cuda */
    float *params = NULL, *grads = NULL, *scratch = NULL;
    Problem *pb = def->create(opts, err, errlen);
    if (!pb) return -1;
    const size_t n = pb->n_params;
    params = mem_alloc(n * sizeof(float));
    grads = mem_alloc(n * sizeof(float));
    scratch = mem_alloc(n * sizeof(float));
    if (!params || !grads || !scratch) {
        snprintf(err, errlen, "out of memory for %zu parameters", n);
        goto cleanup;
    }
    def->init(pb, params, seed);
#ifdef OPTBENCH_CUDA
    double loss;
    if (dev == DEVICE_CUDA && device_loss_and_grad(pb, params, grads, seed, 0, &loss, err, errlen) != 0)
        goto cleanup;
    if (dev != DEVICE_CUDA)
#endif
        def->loss_and_grad(pb, params, grads, seed, 0);
    *n_out = 0;
    for (int v = 0; v < pb->n_views && v < max_out; v++) {
        const TensorView *view = &pb->views[v];
        size_t size = 1;
        for (int d = 0; d < view->ndim; d++) size *= view->shape[d];
        GradcheckTensor *t = &out[(*n_out)++];
        memset(t, 0, sizeof *t);
        snprintf(t->tensor, sizeof t->tensor, "%s", view->name);
        const size_t count = size < (size_t)samples ? size : (size_t)samples;
        for (size_t k = 0; k < count; k++) {
            size_t j = view->offset + (count == size ? k
                                       : rng_bits(seed, RNG_STREAM_SAMPLE, view->offset + k) % size);
            const float orig = params[j];
            const double h = def->gradcheck_step * fmax(1.0, fabs(orig));
            const float plus = (float)(orig + h), minus = (float)(orig - h);
            params[j] = plus;
            const double lp = loss_at(def, pb, params, scratch, seed);
            params[j] = minus;
            const double lm = loss_at(def, pb, params, scratch, seed);
            params[j] = orig;
            const double numeric = (lp - lm) / ((double)plus - (double)minus);
            const double analytic = grads[j];
            const double rel = fabs(analytic - numeric) / fmax(fmax(fabs(analytic), fabs(numeric)), 1e-6);
            t->checked++;
            if (!(rel <= t->worst_rel)) {
                t->worst_rel = rel;
                t->worst_index = j;
                t->analytic = analytic;
                t->numeric = numeric;
            }
        }
    }
    rc = 0;
cleanup:
    mem_free(params);
    mem_free(grads);
    mem_free(scratch);
    def->destroy(pb);
    return rc;
}
