/* runner.c — the step loop of one run on the CPU. */
#include "harness/run/runner.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/core/memory.h"
#include "harness/core/timing.h"
#include <omp.h>
#include "optimizers/opt_run.h"

#define NORM_CHUNK 65536 /* floats per partial sum of the gradient norm */

const char *run_status_name(RunStatus s)
{
    static const char *const names[] = {"pending", "running", "done", "diverged", "failed", "timeout"};
    return names[s];
}

double clip_grad_norm(float *g, size_t n, double max_norm)
{
    const size_t chunks = (n + NORM_CHUNK - 1) / NORM_CHUNK;
    double sumsq = 0;
    /* chunks are summed in index order whatever the thread count */
    #pragma omp parallel for ordered schedule(static, 1) if (n >= OPT_PARALLEL_MIN)
    for (size_t c = 0; c < chunks; c++) {
        double part = 0;
        size_t end = (c + 1) * NORM_CHUNK < n ? (c + 1) * NORM_CHUNK : n;
        for (size_t i = c * NORM_CHUNK; i < end; i++) part += (double)g[i] * g[i];
        #pragma omp ordered
        sumsq += part;
    }
    const double norm = sqrt(sumsq);
    const double coef = max_norm / (norm + 1e-6);
    if (coef < 1) {
        const float c = (float)coef;
        OPT_FOR_EACH(i, n) g[i] *= c;
    }
    return norm;
}

/* Buffers of one run, all from the counted allocator. */
typedef struct {
    float *params;             /* n floats */
    float *grads;              /* n floats */
    float *micro;              /* n floats of one minibatch's gradient (accum > 1) */
    OptRun opt;                /* the optimizer's groups and state */
    double *fb_times;          /* per step */
    double *opt_times;         /* per step */
    double *step_times;        /* per step */
} Buffers;

static void free_buffers(Buffers *b)
{
    mem_free(b->params);
    mem_free(b->grads);
    mem_free(b->micro);
    opt_run_free(&b->opt);
    mem_free(b->fb_times);
    mem_free(b->opt_times);
    mem_free(b->step_times);
}

/* Loss and gradient of step s, averaged over cfg->accum minibatches. */
static double step_loss_and_grad(const RunConfig *cfg, Problem *pb, Buffers *b, long s)
{
    const ProblemDef *def = cfg->problem;
    const uint64_t first_batch = (uint64_t)(s - 1) * (uint64_t)cfg->accum;
    if (cfg->accum == 1) return def->loss_and_grad(pb, b->params, b->grads, cfg->seed, first_batch);
    const size_t n = pb->n_params;
    const float scale = 1.0f / (float)cfg->accum;
    double loss = 0;
    memset(b->grads, 0, n * sizeof(float));
    for (int k = 0; k < cfg->accum; k++) {
        loss += def->loss_and_grad(pb, b->params, b->micro, cfg->seed, first_batch + (uint64_t)k);
        float *restrict g = b->grads;
        const float *restrict m = b->micro;
        OPT_FOR_EACH(i, n) g[i] += m[i] * scale;
    }
    return loss / cfg->accum;
}

#define SGEMM_RATE_SECONDS 0.05 /* timed passes over a problem's products */

/* gemm_rate of the problem's products on `threads`, measured once per
 * problem configuration and thread count in a process (sweep workers run
 * many runs of one problem); NAN when it has none. */
static double sgemm_rate(const RunConfig *cfg, const Problem *pb, int threads)
{
    static char key[CONFIG_TEXT_MAX + 64]; /* problem, options and threads of the last measure */
    static double rate;
    char now[CONFIG_TEXT_MAX + 64], opts[CONFIG_TEXT_MAX];
    if (pb->flops.n_gemms == 0) return NAN;
    params_json(&cfg->problem_opts, opts, sizeof opts);
    snprintf(now, sizeof now, "%s %s %d", cfg->problem->name, opts, threads);
    if (strcmp(now, key) != 0) {
        rate = gemm_rate(pb->flops.gemms, pb->flops.n_gemms, SGEMM_RATE_SECONDS);
        snprintf(key, sizeof key, "%s", now);
    }
    return rate;
}

Problem *runner_begin(const RunConfig *cfg, RunSummary *out)
{
    char err[ERRMSG_MAX];
    run_summary_start(cfg, out);
    mem_reset_peak();
    mem_reset_peak_rss();
    Problem *pb = cfg->problem->create(&cfg->problem_opts, err, sizeof err);
    if (!pb) snprintf(out->error, sizeof out->error, "%s", err);
    return pb;
}

void run_group_lrs(const RunConfig *cfg, const OptRun *r, long s, double *lr)
{
    for (int g = 0; g < N_ROLES; g++)
        lr[g] = schedule_lr(cfg->schedule, &cfg->schedule_opts, r->hp[g][0], s, cfg->steps);
}

int run_eval(const RunConfig *cfg, Problem *pb, OptRun *r, float *params, MetricRow *row)
{
    opt_run_swap_eval(r, params);
    int rc = cfg->problem->eval(pb, params, &row->eval_loss, &row->eval_accuracy);
    opt_run_swap_eval(r, params);
    return rc;
}

void run_summary_start(const RunConfig *cfg, RunSummary *out)
{
    memset(out, 0, sizeof *out);
    out->status = RUN_FAILED;
    out->first_loss = out->final_loss = out->best_loss = NAN;
    out->eval_loss = out->eval_accuracy = out->seconds_to_target = NAN;
    out->fb_median = out->fb_p90 = out->opt_median = out->opt_p90 = NAN;
    out->step_median = out->step_p90 = NAN;
    out->gflops = out->sgemm_gflops = NAN;
    out->steps_to_target = -1;
    out->device_peak_bytes = out->device_used_bytes = -1;
    out->target = config_target(cfg);
}

int run_diverged(const RunConfig *cfg, RunSummary *out, long s, double loss)
{
    if (s == 1) out->first_loss = loss;
    return !isfinite(loss) || (s > 1 && out->first_loss > 0 && loss > cfg->divergence_factor * out->first_loss);
}

void run_note_loss(RunSummary *out, long s, double loss, double elapsed)
{
    out->steps_done = s;
    out->final_loss = loss;
    if (isfinite(loss) && !(loss >= out->best_loss)) out->best_loss = loss;
    if (out->steps_to_target < 0 && loss <= out->target) {
        out->steps_to_target = s;
        out->seconds_to_target = elapsed;
    }
}

int run_row_due(const RunConfig *cfg, long s, int diverged)
{
    return (s - 1) % cfg->log_every == 0 || s == cfg->steps || diverged;
}

int run_eval_due(const RunConfig *cfg, long s, int diverged)
{
    return !diverged && ((cfg->eval_every > 0 && s % cfg->eval_every == 0) || s == cfg->steps);
}

void run_set_diverged(RunSummary *out, long s, double loss)
{
    out->status = RUN_DIVERGED;
    snprintf(out->error, sizeof out->error, "loss %g at step %ld %s", loss, s,
             isfinite(loss) ? "exceeds divergence_factor x first loss" : "is not finite");
}

void run_summary_times(RunSummary *out, double *fb, double *opt, double *step)
{
    const size_t n = (size_t)out->steps_done;
    out->fb_median = quantile(fb, n, 0.5);
    out->fb_p90 = quantile(fb, n, 0.9);
    out->opt_median = quantile(opt, n, 0.5);
    out->opt_p90 = quantile(opt, n, 0.9);
    out->step_median = quantile(step, n, 0.5);
    out->step_p90 = quantile(step, n, 0.9);
    out->gflops = out->flops_per_step > 0 ? out->flops_per_step / out->step_median / 1e9 : NAN;
}

int runner_run(const RunConfig *cfg, MetricSink sink, void *ctx, RunSummary *out)
{
#ifdef OPTBENCH_CUDA
    if (cfg->device == DEVICE_CUDA) return runner_run_cuda(cfg, sink, ctx, out);
#endif
    const double t_start = now_seconds();
    const double *hp = cfg->hparams.num;
    const double base_lr = hp[0];
    Buffers b = {0};
    char err[ERRMSG_MAX];

    Problem *pb = runner_begin(cfg, out);
    if (!pb) return 0;
    const size_t n = pb->n_params;
    const size_t steps = (size_t)cfg->steps;
    if (opt_run_plan(&b.opt, cfg->optimizer, &cfg->hparams, pb->views, pb->n_views, n, err, sizeof err) != 0) {
        snprintf(out->error, sizeof out->error, "%s", err);
        goto cleanup;
    }
    b.params = mem_alloc(n * sizeof(float));
    b.grads = mem_alloc(n * sizeof(float));
    if (cfg->accum > 1) b.micro = mem_alloc(n * sizeof(float));
    b.fb_times = mem_alloc(steps * sizeof(double));
    b.opt_times = mem_alloc(steps * sizeof(double));
    b.step_times = mem_alloc(steps * sizeof(double));
    int ok = b.params && b.grads && (cfg->accum == 1 || b.micro) && b.fb_times && b.opt_times &&
             b.step_times;
    if (ok) cfg->problem->init(pb, b.params, cfg->seed);
    if (!ok || opt_run_alloc(&b.opt, b.params) != 0) {
        snprintf(out->error, sizeof out->error, "out of memory for %zu parameters", n);
        goto cleanup;
    }
    run_summary_sizes(cfg, pb, &b.opt, out);

    double elapsed = 0;
    out->status = RUN_DONE;
    for (long s = 1; s <= cfg->steps; s++) {
        const double t0 = now_seconds();
        const double loss = step_loss_and_grad(cfg, pb, &b, s);
        const double t1 = now_seconds();
        const int diverged = run_diverged(cfg, out, s, loss);
        const double lr = schedule_lr(cfg->schedule, &cfg->schedule_opts, base_lr, s, cfg->steps);
        double t2 = t1, t3 = t1, lrs[N_ROLES];
        run_group_lrs(cfg, &b.opt, s, lrs);
        if (!diverged) {
            if (cfg->clip > 0) {
                clip_grad_norm(b.grads, n, cfg->clip);
                t2 = now_seconds();
            }
            opt_run_step(&b.opt, b.params, b.grads, s, lrs);
            t3 = now_seconds();
        }
        b.fb_times[s - 1] = t1 - t0;
        b.opt_times[s - 1] = t3 - t2;
        b.step_times[s - 1] = t3 - t0;
        elapsed += t3 - t0;
        run_note_loss(out, s, loss, elapsed);

        MetricRow row = {s, loss, NAN, NAN, lr, elapsed};
        if (run_eval_due(cfg, s, diverged) && run_eval(cfg, pb, &b.opt, b.params, &row) == 0) {
            out->eval_loss = row.eval_loss;
            out->eval_accuracy = row.eval_accuracy;
        }
        if (run_row_due(cfg, s, diverged) || !isnan(row.eval_loss)) sink(ctx, &row);
        if (diverged) {
            run_set_diverged(out, s, loss);
            break;
        }
    }
    if (out->status == RUN_DONE && cfg->optimizer->swap_eval && isnan(out->eval_loss)) {
        /* no held-out data: the final score is the last minibatch's loss at the evaluation point */
        opt_run_swap_eval(&b.opt, b.params);
        out->final_loss = step_loss_and_grad(cfg, pb, &b, cfg->steps);
        opt_run_swap_eval(&b.opt, b.params);
    }
    run_summary_times(out, b.fb_times, b.opt_times, b.step_times);
    out->threads = omp_get_max_threads();
    out->sgemm_gflops = sgemm_rate(cfg, pb, out->threads);
cleanup:
    out->peak_bytes = (long)mem_peak();
    free_buffers(&b);
    cfg->problem->destroy(pb);
    out->peak_rss = mem_peak_rss();
    out->wall_seconds = now_seconds() - t_start;
    return 0;
}

void run_summary_sizes(const RunConfig *cfg, const Problem *pb, const OptRun *r, RunSummary *out)
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
