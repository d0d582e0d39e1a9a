/* runner_cuda.c — the CUDA backend of the step loop (backend.h); CPU twin:
 * harness/run/backend_cpu.c.
 *
 * Parameters, gradients, optimizer state and the problem's data live on the
 * device. Every call queues on the default stream, with a CUDA event at
 * each mark, and leaves the step's losses in a device ring of SYNC_EVERY
 * slots; read_losses copies the losses of the settled slots in one transfer
 * (which waits for the device). The loop reads back at least once a ring,
 * so the device runs up to SYNC_EVERY steps ahead of the bookkeeping.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problems/cuda/problem_cuda.h"
#include "harness/core/device.h"
#include "harness/core/memory.h"
#include "harness/core/cuda/harness_kernels.h"
#include "harness/run/backend.h"

#define SYNC_EVERY 256 /* ring slots: most steps queued between two waits for the device */

/* One device run. */
struct Backend {
    const RunConfig *cfg;               /* the run */
    Problem *pb;                        /* its host problem (owned by the loop) */
    ProblemTwin *tw;                    /* its device twin */
    OptRun *opt;                        /* the optimizer's groups and state layout (owned by the loop) */
    size_t n;                           /* parameters */
    float *params;                      /* device: n floats */
    float *grads;                       /* device: n floats */
    float *micro;                       /* device: n floats of one minibatch's gradient (accum > 1) */
    float *before;                      /* device: n floats, the parameters before a diagnosed step */
    void *state;                        /* device: the optimizer's state block */
    double *losses;                     /* device: SYNC_EVERY x accum minibatch losses */
    double *norms;                      /* device: SYNC_EVERY x N_NORMS diagnostics */
    double *scratch;                    /* device: REDUCE_SCRATCH doubles for clipping */
    cudaEvent_t ev[SYNC_EVERY][N_MARKS]; /* the marks of each ring slot */
    int n_ev;                           /* events created, row-major in ev */
    char error[ERRMSG_MAX];             /* reason of a failed create */
};

static void destroy(Backend *b)
{
    if (!b) return;
    for (int i = 0; i < b->n_ev; i++) cudaEventDestroy(b->ev[i / N_MARKS][i % N_MARKS]);
    dev_free(b->params);
    dev_free(b->grads);
    dev_free(b->micro);
    dev_free(b->before);
    dev_free(b->norms);
    dev_free(b->state);
    dev_free(b->losses);
    dev_free(b->scratch);
    if (b->tw) b->cfg->problem->cuda->destroy(b->tw);
    free(b);
}

static Backend *create(const RunConfig *cfg, Problem *pb, OptRun *opt, char *err, size_t errlen)
{
    const size_t n = pb->n_params, ring = (size_t)SYNC_EVERY * (size_t)cfg->accum;
    Backend *b = (Backend *)calloc(1, sizeof *b);
    int rc = -1;
    dev_reset_peak();
    if (!b) {
        snprintf(err, errlen, "out of memory");
        goto cleanup;
    }
    b->cfg = cfg;
    b->pb = pb;
    b->opt = opt;
    b->n = n;
    if (!(b->tw = cfg->problem->cuda->create(pb, err, errlen))) goto cleanup;
    int ok = (b->params = (float *)dev_alloc(n * sizeof(float))) && (b->grads = (float *)dev_alloc(n * sizeof(float))) &&
             (cfg->accum == 1 || (b->micro = (float *)dev_alloc(n * sizeof(float)))) &&
             (b->before = (float *)dev_alloc(n * sizeof(float))) &&
             (b->losses = (double *)dev_alloc(ring * sizeof(double))) &&
             (b->norms = (double *)dev_alloc((size_t)SYNC_EVERY * N_NORMS * sizeof(double))) &&
             (b->scratch = (double *)dev_alloc(REDUCE_SCRATCH * sizeof(double)));
    if (ok && opt->state_size) ok = (b->state = dev_alloc(opt->state_size)) != NULL;
    ok = ok && opt_run_alloc_cuda(opt) == 0; /* freed with opt by the loop */
    if (!ok) {
        snprintf(err, errlen, "device memory for %zu parameters: %s", n, device_error());
        goto cleanup;
    }
    for (; b->n_ev < SYNC_EVERY * N_MARKS; b->n_ev++)
        if (!CUDA_OK(cudaEventCreate(&b->ev[b->n_ev / N_MARKS][b->n_ev % N_MARKS]))) {
            snprintf(err, errlen, "%s", device_error());
            goto cleanup;
        }
    rc = 0;
cleanup:
    if (rc != 0) {
        destroy(b);
        b = NULL;
    }
    return b;
}

/* The seed's initial parameters and state, made on the host (as on the
 * CPU, so that both devices start from the same values) and copied over;
 * the host state block is freed after the copy. */
static int upload(Backend *b)
{
    int rc = -1;
    const size_t bytes = b->n * sizeof(float);
    float *host = (float *)mem_alloc(bytes);
    if (!host) {
        snprintf(b->error, sizeof b->error, "out of host memory for the initial parameters");
        goto cleanup;
    }
    b->cfg->problem->init(b->pb, host, b->cfg->seed);
    if (opt_run_alloc(b->opt, host) != 0) {
        snprintf(b->error, sizeof b->error, "out of host memory for the optimizer state");
        goto cleanup;
    }
    if (dev_upload_to(b->params, host, bytes) != 0 ||
        (b->opt->state_size && dev_upload_to(b->state, b->opt->state, b->opt->state_size) != 0))
        goto cleanup;
    rc = 0;
cleanup:
    mem_free(b->opt->state);
    b->opt->state = NULL;
    mem_free(host);
    return rc;
}

static int mark(Backend *b, int k, int which) { return CUDA_OK(cudaEventRecord(b->ev[k][which], 0)) ? 0 : -1; }

static int loss_and_grad(Backend *b, long s, int k)
{
    const RunConfig *cfg = b->cfg;
    const ProblemCuda *cu = cfg->problem->cuda;
    const uint64_t first_batch = (uint64_t)(s - 1) * (uint64_t)cfg->accum;
    double *loss = b->losses + (size_t)k * (size_t)cfg->accum;
    if (cfg->accum == 1) return cu->loss_and_grad(b->tw, b->params, b->grads, loss, cfg->seed, first_batch);
    if (!CUDA_OK(cudaMemsetAsync(b->grads, 0, b->n * sizeof(float), 0))) return -1;
    for (int a = 0; a < cfg->accum; a++)
        if (cu->loss_and_grad(b->tw, b->params, b->micro, loss + a, cfg->seed, first_batch + (uint64_t)a) != 0 ||
            accumulate_cuda(b->grads, b->micro, b->n, 1.0f / (float)cfg->accum) != 0)
            return -1;
    return 0;
}

/* Slot k's norm `which` on the device. */
static double *slot_norm(Backend *b, int k, RowNorm which) { return b->norms + (size_t)k * N_NORMS + which; }

static int clip(Backend *b, int k, double max_norm)
{
    return clip_grad_norm_cuda(b->grads, b->n, max_norm, slot_norm(b, k, NORM_GRAD), b->scratch);
}

static int step(Backend *b, long s, const double *lr)
{
    return opt_run_step_cuda(b->opt, b->state, b->params, b->grads, s, lr);
}

static int snapshot(Backend *b)
{
    return CUDA_OK(cudaMemcpyAsync(b->before, b->params, b->n * sizeof(float), cudaMemcpyDeviceToDevice, 0)) ? 0 : -1;
}

static int diagnose(Backend *b, int k)
{
    return l2_norm_cuda(slot_norm(b, k, NORM_GRAD_CLIPPED), b->grads, NULL, b->n, b->scratch) ||
                   l2_norm_cuda(slot_norm(b, k, NORM_UPDATE), b->params, b->before, b->n, b->scratch) ||
                   l2_norm_cuda(slot_norm(b, k, NORM_PARAM), b->params, NULL, b->n, b->scratch)
               ? -1
               : 0;
}

static int read_losses(Backend *b, int k0, int count, double *losses, double *norms)
{
    const size_t accum = (size_t)b->cfg->accum;
    return CUDA_OK(cudaMemcpy(losses, b->losses + (size_t)k0 * accum, (size_t)count * accum * sizeof(double),
                              cudaMemcpyDeviceToHost)) &&
                   (!norms || CUDA_OK(cudaMemcpy(norms, slot_norm(b, k0, NORM_GRAD), (size_t)count * N_NORMS * sizeof(double),
                                      cudaMemcpyDeviceToHost)))
               ? 0
               : -1;
}

static double seconds(Backend *b, int k, int from, int to)
{
    float ms = 0;
    return CUDA_OK(cudaEventElapsedTime(&ms, b->ev[k][from], b->ev[k][to])) ? 1e-3 * ms : NAN;
}

/* At the optimizer's evaluation point: the parameters are exchanged with
 * it before and after. */
static int eval(Backend *b, double *loss, double *accuracy)
{
    if (opt_run_swap_eval_cuda(b->opt, b->state, b->params) != 0) return -1;
    const int rc = b->cfg->problem->cuda->eval(b->tw, b->params, loss, accuracy);
    return opt_run_swap_eval_cuda(b->opt, b->state, b->params) != 0 ? -1 : rc;
}

static void memory(Backend *b, RunSummary *out)
{
    const long used = dev_used_bytes();
    (void)b;
    if (used > out->device_used_bytes) out->device_used_bytes = used;
    out->device_peak_bytes = (long)dev_peak();
}

/* A device run's threads stay 0 and its sgemm rate NAN. An optimizer with
 * an evaluation point on a problem without held-out data: the final score
 * is the last minibatch's loss at that point, as on the CPU. */
static void finish(Backend *b, RunSummary *out)
{
    const RunConfig *cfg = b->cfg;
    double *losses = NULL, loss = 0;
    if (out->status != RUN_DONE || !cfg->optimizer->swap_eval_cuda || !isnan(out->eval_loss)) return;
    out->final_loss = NAN; /* unless it is measured */
    if (!(losses = (double *)malloc((size_t)cfg->accum * sizeof *losses))) return;
    if (opt_run_swap_eval_cuda(b->opt, b->state, b->params) == 0 && loss_and_grad(b, cfg->steps, 0) == 0 &&
        read_losses(b, 0, 1, losses, NULL) == 0 && opt_run_swap_eval_cuda(b->opt, b->state, b->params) == 0) {
        for (int a = 0; a < cfg->accum; a++) loss += losses[a];
        out->final_loss = loss / cfg->accum;
    }
    free(losses);
}

static const char *error(Backend *b) { return b->error[0] ? b->error : device_error(); }

const RunBackend backend_cuda = {"CUDA",   SYNC_EVERY, create,      upload,  mark, loss_and_grad, clip,  step,
                                 snapshot, diagnose,   read_losses, seconds, eval, memory,        finish, error,
                                 destroy};
