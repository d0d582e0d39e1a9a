/* runner.c — the step loop of one run, once for every device: the order of
 * a step, divergence, best loss, time to target, metrics rows,
 * evaluations, step times and memory figures. The arithmetic is a
 * backend's (backend.h). */
#include "harness/run/runner.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/core/memory.h"
#include "harness/core/timing.h"
#include "harness/run/backend.h"

/* The loop's own host arrays: per ring slot and per step. */
typedef struct {
    double *lrs;        /* scheduled lr of each ring slot */
    double *losses;     /* ring x accum minibatch losses read back */
    double *norms;      /* ring x N_NORMS diagnostics read back */
    double *fb_times;   /* per step: forward+backward */
    double *opt_times;  /* per step: optimizer update */
    double *step_times; /* per step: the whole step */
} LoopArrays;

void run_group_lrs(const RunConfig *cfg, const OptRun *r, long s, double *lr)
{
    for (int g = 0; g < N_ROLES; g++)
        lr[g] = schedule_lr(cfg->schedule, &cfg->schedule_opts, r->hp[g][0], s, cfg->steps);
}

/* Buffer sizes of a run of pb with the optimizer state of r. */
static void summary_sizes(const RunConfig *cfg, const Problem *pb, const OptRun *r, RunSummary *out)
{
    const size_t n = pb->n_params;
    out->flops_per_step = cfg->accum * (pb->flops.forward + pb->flops.backward) +
                          optimizer_step_flops(cfg->optimizer, cfg->hparams.num, pb->views, pb->n_views);
    out->flops_per_eval = pb->flops.eval;
    out->n_params = (long)n;
    out->param_bytes = (long)(n * sizeof(float));
    out->grad_bytes = (long)((cfg->accum > 1 ? 2 : 1) * n * sizeof(float));
    out->state_bytes = (long)opt_run_state_bytes(r);
    for (int g = 0; g < N_ROLES; g++) {
        out->group_params[g] = 0;
        out->group_state_bytes[g] = (long)opt_run_group_state_bytes(r, g);
    }
    for (int v = 0; v < pb->n_views; v++) out->group_params[pb->views[v].role] += (long)tensor_numel(&pb->views[v]);
    out->activation_bytes = (long)pb->activation_bytes;
}

/* Whether step s's loss ends the run (not finite, or above divergence_factor
 * x the first loss); step 1's loss becomes the first loss. */
static int diverged_at(const RunConfig *cfg, RunSummary *out, long s, double loss)
{
    if (s == 1) out->first_loss = loss;
    return !isfinite(loss) || (s > 1 && out->first_loss > 0 && loss > cfg->divergence_factor * out->first_loss);
}

/* Records step s's loss: steps done, final and best loss, time to target. */
static void note_loss(RunSummary *out, long s, double loss, double elapsed)
{
    out->steps_done = s;
    out->final_loss = loss;
    if (isfinite(loss) && !(loss >= out->best_loss)) out->best_loss = loss;
    if (out->steps_to_target < 0 && loss <= out->target) {
        out->steps_to_target = s;
        out->seconds_to_target = elapsed;
    }
}

/* Whether step s gets a metrics row, and whether it is evaluated. */
static int row_due(const RunConfig *cfg, long s, int diverged)
{
    return (s - 1) % cfg->log_every == 0 || s == cfg->steps || diverged;
}

static int eval_due(const RunConfig *cfg, long s, int diverged)
{
    return !diverged && ((cfg->eval_every > 0 && s % cfg->eval_every == 0) || s == cfg->steps);
}

/* Whether step s takes its diagnostics: every step due a row, as queued
 * (a diverged step's row has them only when it was due anyway). */
static int diagnosed(const RunConfig *cfg, long s)
{
    return row_due(cfg, s, 0) || eval_due(cfg, s, 0);
}

/* Step s's norms into row from ring slot k's, or NAN where not taken;
 * without clipping the gradient before it is the one after. */
static void row_norms(const RunConfig *cfg, const double *norms, long s, MetricRow *row)
{
    const int taken = diagnosed(cfg, s);
    for (int i = 0; i < N_NORMS; i++) row->norm[i] = taken ? norms[i] : NAN;
    if (taken && !(cfg->clip > 0)) row->norm[NORM_GRAD] = row->norm[NORM_GRAD_CLIPPED];
}

/* Reads back and settles steps from .. s in order; they sit in ring slots
 * (from-1) % ring .. (s-1) % ring, contiguous since the loop reads back at
 * the ring's last slot. Returns 1 when the run diverged among them (the
 * backend may have computed a few steps past it, which are not recorded),
 * 0 when it goes on, -1 on a backend error. */
static int settle(const RunConfig *cfg, const RunBackend *be, Backend *b, LoopArrays *a, long from, long s,
                  double *elapsed, MetricSink sink, void *ctx, RunSummary *out)
{
    const size_t accum = (size_t)cfg->accum;
    const int k0 = (int)((from - 1) % be->ring);
    if (be->read_losses(b, k0, (int)(s - from + 1), a->losses + (size_t)k0 * accum,
                        a->norms + (size_t)k0 * N_NORMS) != 0)
        return -1;
    for (long js = from; js <= s; js++) {
        const int k = (int)((js - 1) % be->ring);
        double loss = 0;
        for (size_t i = 0; i < accum; i++) loss += a->losses[(size_t)k * accum + i];
        if (accum > 1) loss /= (double)accum;
        const int diverged = diverged_at(cfg, out, js, loss);
        const double fb = be->seconds(b, k, MARK_START, MARK_GRAD);
        a->fb_times[js - 1] = fb;
        a->opt_times[js - 1] = diverged ? 0 : be->seconds(b, k, MARK_CLIP, MARK_STEP);
        a->step_times[js - 1] = diverged ? fb : be->seconds(b, k, MARK_START, MARK_STEP);
        *elapsed += a->step_times[js - 1];
        note_loss(out, js, loss, *elapsed);
        MetricRow row = {js, loss, NAN, NAN, a->lrs[k], *elapsed, {0}};
        row_norms(cfg, a->norms + (size_t)k * N_NORMS, js, &row);
        if (eval_due(cfg, js, diverged)) {
            const int e = be->eval(b, &row.eval_loss, &row.eval_accuracy);
            if (e < 0) return -1;
            if (e == 0) {
                out->eval_loss = row.eval_loss;
                out->eval_accuracy = row.eval_accuracy;
            }
        }
        if (row_due(cfg, js, diverged) || !isnan(row.eval_loss)) sink(ctx, &row);
        if (diverged) {
            out->status = RUN_DIVERGED;
            snprintf(out->error, sizeof out->error, "loss %g at step %ld %s", loss, js,
                     isfinite(loss) ? "exceeds divergence_factor x first loss" : "is not finite");
            return 1;
        }
    }
    return 0;
}

/* Marks the run failed with the backend's reason. */
static void backend_failed(const RunBackend *be, Backend *b, RunSummary *out)
{
    out->status = RUN_FAILED;
    snprintf(out->error, sizeof out->error, "%s%s%s", be->name ? be->name : "", be->name ? ": " : "", be->error(b));
}

/* Queues step s into ring slot k: loss and gradient, clip, update with the
 * groups' lrs; around them, outside the marks, the diagnostics of a step
 * that gets a row. */
static int queue_step(const RunConfig *cfg, const RunBackend *be, Backend *b, long s, int k, const double *lr)
{
    const int diag = diagnosed(cfg, s);
    return (diag && be->snapshot(b)) || be->mark(b, k, MARK_START) || be->loss_and_grad(b, s, k) ||
                   be->mark(b, k, MARK_GRAD) || (cfg->clip > 0 && be->clip(b, k, cfg->clip)) ||
                   be->mark(b, k, MARK_CLIP) || be->step(b, s, lr) || be->mark(b, k, MARK_STEP) ||
                   (diag && be->diagnose(b, k))
               ? -1
               : 0;
}

int loaded_problem_make(const ProblemDef *def, const ParamSet *opts, LoadedProblem *out, char *err, size_t errlen)
{
    const size_t before = mem_current();
    mem_reset_peak();
    out->def = def;
    out->pb = def->create(opts, err, errlen);
    out->bytes = mem_current() - before;
    out->load_peak = mem_peak() - before;
    return out->pb ? 0 : -1;
}

void loaded_problem_free(LoadedProblem *lp)
{
    if (lp->pb) lp->def->destroy(lp->pb);
    lp->pb = NULL;
}

int runner_run(const RunConfig *cfg, MetricSink sink, void *ctx, RunSummary *out)
{
    const double t_start = now_seconds();
#ifdef OPTBENCH_CUDA
    const RunBackend *be = cfg->device == DEVICE_CUDA ? &backend_cuda : &backend_cpu;
#else
    const RunBackend *be = &backend_cpu;
#endif
    const double *hp = cfg->hparams.num;
    const size_t steps = (size_t)cfg->steps, ring = (size_t)be->ring;
    LoopArrays a = {0};
    OptRun opt = {0};
    Backend *b = NULL;
    char err[ERRMSG_MAX];

    run_summary_start(cfg, out);
    mem_reset_peak();
    mem_reset_peak_rss();
    /* the bytes held before, less a loaded problem's own, are the caller's */
    const size_t held = mem_current() - (cfg->loaded ? cfg->loaded->bytes : 0);
    Problem *pb = cfg->loaded ? cfg->loaded->pb : cfg->problem->create(&cfg->problem_opts, err, sizeof err);
    if (!pb) {
        snprintf(out->error, sizeof out->error, "%s", err);
        goto cleanup;
    }
    if (opt_run_plan(&opt, cfg->optimizer, &cfg->hparams, pb->views, pb->n_views, pb->n_params, err, sizeof err) !=
        0) {
        snprintf(out->error, sizeof out->error, "%s", err);
        goto cleanup;
    }
    opt_run_seed(&opt, cfg->seed);
    if (!(b = be->create(cfg, pb, &opt, err, sizeof err))) {
        snprintf(out->error, sizeof out->error, "%s", err);
        goto cleanup;
    }
    a.lrs = mem_alloc(ring * sizeof(double));
    a.losses = mem_alloc(ring * (size_t)cfg->accum * sizeof(double));
    a.norms = mem_alloc(ring * N_NORMS * sizeof(double));
    a.fb_times = mem_alloc(steps * sizeof(double));
    a.opt_times = mem_alloc(steps * sizeof(double));
    a.step_times = mem_alloc(steps * sizeof(double));
    if (!a.lrs || !a.losses || !a.norms || !a.fb_times || !a.opt_times || !a.step_times) {
        snprintf(out->error, sizeof out->error, "out of memory for %zu steps", steps);
        goto cleanup;
    }
    summary_sizes(cfg, pb, &opt, out);
    if (be->upload(b) != 0) {
        backend_failed(be, b, out);
        goto cleanup;
    }
    be->memory(b, out);

    double elapsed = 0;
    long settled = 0; /* steps settled so far */
    int ended = 0;
    out->status = RUN_DONE;
    for (long s = 1; s <= cfg->steps && !ended; s++) {
        const int k = (int)((size_t)(s - 1) % ring);
        double lrs[N_ROLES];
        a.lrs[k] = schedule_lr(cfg->schedule, &cfg->schedule_opts, hp[0], s, cfg->steps);
        run_group_lrs(cfg, &opt, s, lrs);
        if (queue_step(cfg, be, b, s, k, lrs) != 0) {
            backend_failed(be, b, out);
            goto cleanup;
        }
        if (!row_due(cfg, s, 0) && !eval_due(cfg, s, 0) && (size_t)k < ring - 1) continue;
        if ((ended = settle(cfg, be, b, &a, settled + 1, s, &elapsed, sink, ctx, out)) < 0) {
            backend_failed(be, b, out);
            goto cleanup;
        }
        settled = s;
        be->memory(b, out);
    }
    const size_t done = (size_t)out->steps_done;
    out->fb_median = quantile(a.fb_times, done, 0.5);
    out->fb_p90 = quantile(a.fb_times, done, 0.9);
    out->opt_median = quantile(a.opt_times, done, 0.5);
    out->opt_p90 = quantile(a.opt_times, done, 0.9);
    out->step_median = quantile(a.step_times, done, 0.5);
    out->step_p90 = quantile(a.step_times, done, 0.9);
    out->gflops = out->flops_per_step > 0 ? out->flops_per_step / out->step_median / 1e9 : NAN;
    be->finish(b, out);
cleanup:
    out->peak_bytes = (long)(mem_peak() - held);
    if (cfg->loaded && out->peak_bytes < (long)cfg->loaded->load_peak) out->peak_bytes = (long)cfg->loaded->load_peak;
    if (b) be->memory(b, out);
    mem_free(a.lrs);
    mem_free(a.losses);
    mem_free(a.norms);
    mem_free(a.fb_times);
    mem_free(a.opt_times);
    mem_free(a.step_times);
    be->destroy(b);
    opt_run_free(&opt);
    if (pb && !cfg->loaded) cfg->problem->destroy(pb);
    out->peak_rss = mem_peak_rss();
    out->wall_seconds = now_seconds() - t_start;
    return 0;
}
