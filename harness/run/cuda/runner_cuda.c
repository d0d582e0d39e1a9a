/* runner_cuda.c — the step loop of one run on the GPU; CPU twin:
 * runner_run in harness/runner.c, whose bookkeeping it shares.
 *
 * Parameters, gradients, optimizer state and the problem's data live on the
 * device. A step queues forward+backward, clipping and the optimizer step on
 * the default stream with CUDA events between them, and leaves its loss in a
 * device ring. The host waits for the device only at a step that writes a
 * metrics row or evaluates, and at least every SYNC_EVERY steps: it then
 * copies the ring's losses in one transfer and settles those steps in order
 * (divergence, best loss, target, rows, times). A run that diverges at step
 * s is recorded as diverged at s, as on the CPU; the device may have run a
 * few steps past it, which are not recorded.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "problems/cuda/problem_cuda.h"
#include "harness/core/device.h"
#include "harness/core/memory.h"
#include "harness/run/runner.h"
#include "harness/core/timing.h"
#include "harness/core/cuda/harness_kernels.h"

#define SYNC_EVERY 256 /* most steps queued between two waits for the device (ring size) */

enum { EV_START, EV_GRAD, EV_CLIP, EV_STEP, N_EV }; /* events of one step, in order */

/* Buffers of one device run. */
typedef struct {
    float *params;                    /* device: n floats */
    float *grads;                     /* device: n floats */
    float *micro;                     /* device: n floats of one minibatch's gradient (accum > 1) */
    OptRun opt;                       /* the optimizer's groups and state layout */
    float *state;                     /* device: the optimizer's state block */
    double *losses;                   /* device: SYNC_EVERY x accum minibatch losses */
    double *scratch;                  /* device: REDUCE_SCRATCH doubles for clipping */
    double *host_losses;              /* host copy of losses */
    double lrs[SYNC_EVERY];           /* scheduled lr of each ring step */
    cudaEvent_t ev[SYNC_EVERY][N_EV]; /* timing events of each ring step */
    int n_ev;                         /* events created, row-major in ev */
    double *fb_times;                 /* host, per step */
    double *opt_times;                /* host, per step */
    double *step_times;               /* host, per step */
} DevRun;

static void free_run(DevRun *b)
{
    for (int i = 0; i < b->n_ev; i++) cudaEventDestroy(b->ev[i / N_EV][i % N_EV]);
    dev_free(b->params);
    dev_free(b->grads);
    dev_free(b->micro);
    dev_free(b->state);
    opt_run_free(&b->opt);
    dev_free(b->losses);
    dev_free(b->scratch);
    mem_free(b->host_losses);
    mem_free(b->fb_times);
    mem_free(b->opt_times);
    mem_free(b->step_times);
}

/* Allocates every buffer and event; 0, or -1 with the reason in err. */
static int alloc_run(const RunConfig *cfg, size_t n, DevRun *b, char *err, size_t errlen)
{
    int rc = -1;
    const size_t steps = (size_t)cfg->steps, ring = (size_t)SYNC_EVERY * (size_t)cfg->accum;
    int ok = (b->params = dev_alloc(n * sizeof(float))) && (b->grads = dev_alloc(n * sizeof(float))) &&
             (cfg->accum == 1 || (b->micro = dev_alloc(n * sizeof(float)))) &&
             (b->losses = dev_alloc(ring * sizeof(double))) &&
             (b->scratch = dev_alloc(REDUCE_SCRATCH * sizeof(double)));
    if (ok && b->opt.state_floats) ok = (b->state = dev_alloc(b->opt.state_floats * sizeof(float))) != NULL;
    if (!ok) {
        snprintf(err, errlen, "device memory for %zu parameters: %s", n, device_error());
        goto cleanup;
    }
    b->host_losses = mem_alloc(ring * sizeof(double));
    b->fb_times = mem_alloc(steps * sizeof(double));
    b->opt_times = mem_alloc(steps * sizeof(double));
    b->step_times = mem_alloc(steps * sizeof(double));
    if (!b->host_losses || !b->fb_times || !b->opt_times || !b->step_times) {
        snprintf(err, errlen, "out of memory for %zu steps", steps);
        goto cleanup;
    }
    for (; b->n_ev < SYNC_EVERY * N_EV; b->n_ev++)
        if (!CUDA_OK(cudaEventCreate(&b->ev[b->n_ev / N_EV][b->n_ev % N_EV]))) {
            snprintf(err, errlen, "%s", device_error());
            goto cleanup;
        }
    rc = 0;
cleanup:
    return rc;
}

/* The seed's initial parameters and state, made on the host (as on the
 * CPU, so that both devices start from the same values) and copied over;
 * the host state block is freed after the copy. */
static int upload_init(const RunConfig *cfg, Problem *pb, DevRun *b)
{
    int rc = -1;
    const size_t n = pb->n_params, bytes = n * sizeof(float);
    float *host = mem_alloc(bytes);
    if (!host) goto cleanup;
    cfg->problem->init(pb, host, cfg->seed);
    if (dev_upload_to(b->params, host, bytes) != 0 || opt_run_alloc(&b->opt, host) != 0 ||
        (b->opt.state_floats && dev_upload_to(b->state, b->opt.state, b->opt.state_floats * sizeof(float)) != 0))
        goto cleanup;
    rc = 0;
cleanup:
    mem_free(b->opt.state);
    b->opt.state = NULL;
    mem_free(host);
    return rc;
}

/* Queues the loss and gradient of step s, averaged over cfg->accum
 * minibatches, its losses into ring slot k. */
static int queue_grad(const RunConfig *cfg, ProblemTwin *tw, DevRun *b, size_t n, long s, int k)
{
    const ProblemCuda *cu = cfg->problem->cuda;
    const uint64_t first_batch = (uint64_t)(s - 1) * (uint64_t)cfg->accum;
    double *loss = b->losses + (size_t)k * (size_t)cfg->accum;
    if (cfg->accum == 1) return cu->loss_and_grad(tw, b->params, b->grads, loss, cfg->seed, first_batch);
    if (!CUDA_OK(cudaMemsetAsync(b->grads, 0, n * sizeof(float), 0))) return -1;
    for (int a = 0; a < cfg->accum; a++)
        if (cu->loss_and_grad(tw, b->params, b->micro, loss + a, cfg->seed, first_batch + (uint64_t)a) != 0 ||
            accumulate_cuda(b->grads, b->micro, n, 1.0f / (float)cfg->accum) != 0)
            return -1;
    return 0;
}

/* Seconds between two recorded events. */
static double event_seconds(cudaEvent_t from, cudaEvent_t to)
{
    float ms = 0;
    return CUDA_OK(cudaEventElapsedTime(&ms, from, to)) ? 1e-3 * ms : NAN;
}

/* Waits for the device and settles steps from .. s in order; they sit in
 * ring slots (from-1) % SYNC_EVERY .. (s-1) % SYNC_EVERY, contiguous since
 * the loop waits at the ring's last slot. Returns 1 when the run diverged
 * among them, 0 when it goes on, -1 on a device error. */
static int settle(const RunConfig *cfg, ProblemTwin *tw, DevRun *b, long from, long s, double *elapsed,
                  MetricSink sink, void *ctx, RunSummary *out)
{
    const size_t accum = (size_t)cfg->accum, j0 = (size_t)((from - 1) % SYNC_EVERY);
    if (!CUDA_OK(cudaMemcpy(b->host_losses + j0 * accum, b->losses + j0 * accum,
                            (size_t)(s - from + 1) * accum * sizeof(double), cudaMemcpyDeviceToHost)))
        return -1;
    for (long js = from; js <= s; js++) {
        const size_t j = (size_t)((js - 1) % SYNC_EVERY);
        double loss = 0;
        for (size_t a = 0; a < accum; a++) loss += b->host_losses[j * accum + a];
        if (accum > 1) loss /= (double)accum;
        const int diverged = run_diverged(cfg, out, js, loss);
        const double fb = event_seconds(b->ev[j][EV_START], b->ev[j][EV_GRAD]);
        b->fb_times[js - 1] = fb;
        b->opt_times[js - 1] = diverged ? 0 : event_seconds(b->ev[j][EV_CLIP], b->ev[j][EV_STEP]);
        b->step_times[js - 1] = diverged ? fb : event_seconds(b->ev[j][EV_START], b->ev[j][EV_STEP]);
        *elapsed += b->step_times[js - 1];
        run_note_loss(out, js, loss, *elapsed);
        MetricRow row = {js, loss, NAN, NAN, b->lrs[j], *elapsed};
        if (run_eval_due(cfg, js, diverged)) {
            const int e = cfg->problem->cuda->eval(tw, b->params, &row.eval_loss, &row.eval_accuracy);
            if (e < 0) return -1;
            if (e == 0) {
                out->eval_loss = row.eval_loss;
                out->eval_accuracy = row.eval_accuracy;
            }
        }
        if (run_row_due(cfg, js, diverged) || !isnan(row.eval_loss)) sink(ctx, &row);
        if (diverged) {
            run_set_diverged(out, js, loss);
            return 1;
        }
    }
    return 0;
}

int runner_run_cuda(const RunConfig *cfg, MetricSink sink, void *ctx, RunSummary *out)
{
    const double t_start = now_seconds();
    const double *hp = cfg->hparams.num;
    DevRun b = {0};
    ProblemTwin *tw = NULL;
    char err[ERRMSG_MAX];
    int rc = -1;

    dev_reset_peak();
    Problem *pb = runner_begin(cfg, out);
    if (!pb) return 0;
    const size_t n = pb->n_params;
    if (opt_run_plan(&b.opt, cfg->optimizer, &cfg->hparams, pb->views, pb->n_views, n, err, sizeof err) != 0 ||
        !(tw = cfg->problem->cuda->create(pb, err, sizeof err)) || alloc_run(cfg, n, &b, err, sizeof err) != 0) {
        snprintf(out->error, sizeof out->error, "%s", err);
        goto cleanup;
    }
    run_summary_sizes(cfg, pb, &b.opt, out);
    if (upload_init(cfg, pb, &b) != 0) goto cleanup;
    out->device_used_bytes = dev_used_bytes();

    double elapsed = 0;
    long settled = 0; /* steps settled so far */
    int ended = 0;
    out->status = RUN_DONE;
    for (long s = 1; s <= cfg->steps && !ended; s++) {
        const int k = (int)((s - 1) % SYNC_EVERY);
        double lrs[N_ROLES];
        b.lrs[k] = schedule_lr(cfg->schedule, &cfg->schedule_opts, hp[0], s, cfg->steps);
        run_group_lrs(cfg, &b.opt, s, lrs);
        if (!CUDA_OK(cudaEventRecord(b.ev[k][EV_START], 0)) || queue_grad(cfg, tw, &b, n, s, k) != 0 ||
            !CUDA_OK(cudaEventRecord(b.ev[k][EV_GRAD], 0)) ||
            (cfg->clip > 0 && clip_grad_norm_cuda(b.grads, n, cfg->clip, b.scratch) != 0) ||
            !CUDA_OK(cudaEventRecord(b.ev[k][EV_CLIP], 0)) ||
            opt_run_step_cuda(&b.opt, b.state, b.params, b.grads, s, lrs) != 0 ||
            !CUDA_OK(cudaEventRecord(b.ev[k][EV_STEP], 0)))
            goto cleanup;
        if (!run_row_due(cfg, s, 0) && !run_eval_due(cfg, s, 0) && k < SYNC_EVERY - 1) continue;
        if ((ended = settle(cfg, tw, &b, settled + 1, s, &elapsed, sink, ctx, out)) < 0) goto cleanup;
        settled = s;
        const long used = dev_used_bytes();
        if (used > out->device_used_bytes) out->device_used_bytes = used;
    }
    run_summary_times(out, b.fb_times, b.opt_times, b.step_times);
    rc = 0;
cleanup:
    if (rc != 0) {
        out->status = RUN_FAILED;
        if (!out->error[0]) snprintf(out->error, sizeof out->error, "CUDA: %s", device_error());
    }
    out->peak_bytes = (long)mem_peak();
    out->device_peak_bytes = (long)dev_peak();
    free_run(&b);
    if (tw) cfg->problem->cuda->destroy(tw);
    cfg->problem->destroy(pb);
    out->peak_rss = mem_peak_rss();
    out->wall_seconds = now_seconds() - t_start;
    return 0;
}
