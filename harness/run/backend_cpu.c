/* backend_cpu.c — the CPU backend of the step loop (backend.h): buffers from
 * the counted host allocator, the problem's and the optimizer's CPU code,
 * each call computed at once; device twin: cuda/runner_cuda.c. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/memory.h"
#include "harness/core/norm_impl.h"
#include "harness/core/timing.h"
#include "harness/run/backend.h"
#include "harness/run/runner.h"
#include "problems/gemm.h"

#define NORM_CHUNK 65536 /* floats per partial sum of a norm */
#define NORM_LANES 4     /* interleaved partial sums of a chunk of step_norms */

/* Sums norm_term(a[i]) over n floats in NORM_CHUNK chunks, in index order. */
static double sum_squares(const float *a, size_t n)
{
    const size_t chunks = (n + NORM_CHUNK - 1) / NORM_CHUNK;
    double sumsq = 0;
    /* chunks are summed in index order whatever the thread count */
    #pragma omp parallel for ordered schedule(static, 1) if (n >= OPT_PARALLEL_MIN)
    for (size_t c = 0; c < chunks; c++) {
        double part = 0;
        const size_t end = (c + 1) * NORM_CHUNK < n ? (c + 1) * NORM_CHUNK : n;
        for (size_t i = c * NORM_CHUNK; i < end; i++) part += norm_term(a[i]);
        #pragma omp ordered
        sumsq += part;
    }
    return sumsq;
}

/* The partial sums of one chunk of step_norms, NORM_LANES of each. */
typedef struct {
    double g[NORM_LANES]; /* of ||g||^2 */
    double u[NORM_LANES]; /* of ||p - before||^2 */
    double p[NORM_LANES]; /* of ||p||^2 */
} NormLanes;

/* Adds element i's terms to lane l. */
static inline void add_terms(NormLanes *s, int l, const float *g, const float *p, const float *before, size_t i)
{
    s->g[l] += norm_term(g[i]);
    s->u[l] += norm_diff_term(p[i], before[i]);
    s->p[l] += norm_term(p[i]);
}

void step_norms(const float *g, const float *p, const float *before, size_t n, double *norms)
{
    const size_t chunks = (n + NORM_CHUNK - 1) / NORM_CHUNK;
    double sg = 0, su = 0, sp = 0;
    #pragma omp parallel for ordered schedule(static, 1) if (n >= OPT_PARALLEL_MIN)
    for (size_t c = 0; c < chunks; c++) {
        NormLanes s = {{0}, {0}, {0}};
        const size_t end = (c + 1) * NORM_CHUNK < n ? (c + 1) * NORM_CHUNK : n;
        /* element i goes to lane i % NORM_LANES (a chunk starts at a multiple of it) */
        size_t i = c * NORM_CHUNK;
        for (; i + NORM_LANES <= end; i += NORM_LANES)
            for (int l = 0; l < NORM_LANES; l++) add_terms(&s, l, g, p, before, i + l);
        for (int l = 0; i < end; i++, l++) add_terms(&s, l, g, p, before, i);
        #pragma omp ordered
        for (int l = 0; l < NORM_LANES; l++) sg += s.g[l], su += s.u[l], sp += s.p[l];
    }
    norms[NORM_GRAD_CLIPPED] = sqrt(sg);
    norms[NORM_UPDATE] = sqrt(su);
    norms[NORM_PARAM] = sqrt(sp);
}

double clip_grad_norm(float *g, size_t n, double max_norm)
{
    const double norm = sqrt(sum_squares(g, n));
    const double coef = max_norm / (norm + 1e-6);
    if (coef < 1) {
        const float c = (float)coef;
        OPT_FOR_EACH(i, n) g[i] *= c;
    }
    return norm;
}

/* One run's buffers, all from the counted allocator. */
struct Backend {
    const RunConfig *cfg;        /* the run */
    Problem *pb;                 /* its problem (owned by the loop) */
    OptRun *opt;                 /* the optimizer's groups and state (owned by the loop) */
    size_t n;                    /* parameters */
    float *params;               /* n floats */
    float *grads;                /* n floats */
    float *micro;                /* n floats of one minibatch's gradient (accum > 1) */
    float *before;               /* n floats: the parameters before a diagnosed step */
    double *losses;              /* accum minibatch losses of the step in the ring's one slot */
    double norms[N_NORMS];       /* its diagnostics (RowNorm) */
    double marks[N_MARKS];       /* now_seconds() at each instant of that step */
    char error[ERRMSG_MAX];      /* reason of a failed upload */
};

static void destroy(Backend *b)
{
    if (!b) return;
    mem_free(b->params);
    mem_free(b->grads);
    mem_free(b->micro);
    mem_free(b->before);
    mem_free(b->losses);
    free(b);
}

static Backend *create(const RunConfig *cfg, Problem *pb, OptRun *opt, char *err, size_t errlen)
{
    Backend *b = calloc(1, sizeof *b);
    const size_t n = pb->n_params;
    int ok = b != NULL;
    if (ok) {
        b->cfg = cfg;
        b->pb = pb;
        b->opt = opt;
        b->n = n;
        b->params = mem_alloc(n * sizeof(float));
        b->grads = mem_alloc(n * sizeof(float));
        if (cfg->accum > 1) b->micro = mem_alloc(n * sizeof(float));
        b->before = mem_alloc(n * sizeof(float));
        b->losses = mem_alloc((size_t)cfg->accum * sizeof(double));
        ok = b->params && b->grads && (cfg->accum == 1 || b->micro) && b->before && b->losses;
    }
    if (!ok) {
        snprintf(err, errlen, "out of memory for %zu parameters", n);
        destroy(b);
        return NULL;
    }
    return b;
}

static int upload(Backend *b)
{
    b->cfg->problem->init(b->pb, b->params, b->cfg->seed);
    if (opt_run_alloc(b->opt, b->params) == 0) return 0;
    snprintf(b->error, sizeof b->error, "out of memory for %zu parameters", b->n);
    return -1;
}

static int mark(Backend *b, int k, int which)
{
    (void)k;
    b->marks[which] = now_seconds();
    return 0;
}

static int loss_and_grad(Backend *b, long s, int k)
{
    const RunConfig *cfg = b->cfg;
    const ProblemDef *def = cfg->problem;
    const uint64_t first_batch = (uint64_t)(s - 1) * (uint64_t)cfg->accum;
    const size_t n = b->n;
    const float scale = 1.0f / (float)cfg->accum;
    (void)k;
    if (cfg->accum == 1) {
        b->losses[0] = def->loss_and_grad(b->pb, b->params, b->grads, cfg->seed, first_batch);
        return 0;
    }
    memset(b->grads, 0, n * sizeof(float));
    for (int a = 0; a < cfg->accum; a++) {
        b->losses[a] = def->loss_and_grad(b->pb, b->params, b->micro, cfg->seed, first_batch + (uint64_t)a);
        float *restrict g = b->grads;
        const float *restrict m = b->micro;
        OPT_FOR_EACH(i, n) g[i] += m[i] * scale;
    }
    return 0;
}

static int clip(Backend *b, int k, double max_norm)
{
    (void)k;
    b->norms[NORM_GRAD] = clip_grad_norm(b->grads, b->n, max_norm);
    return 0;
}

static int step(Backend *b, long s, const double *lr)
{
    opt_run_step(b->opt, b->params, b->grads, s, lr);
    return 0;
}

static int snapshot(Backend *b)
{
    memcpy(b->before, b->params, b->n * sizeof(float));
    return 0;
}

static int diagnose(Backend *b, int k)
{
    (void)k;
    step_norms(b->grads, b->params, b->before, b->n, b->norms);
    return 0;
}

static int read_losses(Backend *b, int k0, int count, double *losses, double *norms)
{
    (void)k0;
    (void)count; /* the ring has one slot */
    memcpy(losses, b->losses, (size_t)b->cfg->accum * sizeof(double));
    if (norms) memcpy(norms, b->norms, sizeof b->norms);
    return 0;
}

static double seconds(Backend *b, int k, int from, int to)
{
    (void)k;
    return b->marks[to] - b->marks[from];
}

int run_eval(const RunConfig *cfg, Problem *pb, OptRun *r, float *params, MetricRow *row)
{
    opt_run_swap_eval(r, params);
    int rc = cfg->problem->eval(pb, params, &row->eval_loss, &row->eval_accuracy);
    opt_run_swap_eval(r, params);
    return rc;
}

static int eval(Backend *b, double *loss, double *accuracy)
{
    MetricRow row = {.eval_loss = *loss, .eval_accuracy = *accuracy}; /* left as they are where none */
    /* the CPU eval says -1 where there is no held-out data; it cannot fail */
    const int rc = run_eval(b->cfg, b->pb, b->opt, b->params, &row);
    *loss = row.eval_loss;
    *accuracy = row.eval_accuracy;
    return rc == 0 ? 0 : 1;
}

static void memory(Backend *b, RunSummary *out)
{
    (void)b;
    (void)out;
}

#define SGEMM_RATE_SECONDS 0.05 /* timed passes over a problem's products, unless cfg->sgemm_seconds */

/* gemm_rate of the problem's products on `threads`, measured once per
 * problem configuration, thread count and timing in a process (sweep
 * workers run many runs of one problem); NAN when it has none. */
static double sgemm_rate(const RunConfig *cfg, const Problem *pb, int threads)
{
    static char key[CONFIG_TEXT_MAX + 64]; /* problem, options and threads of the last measure */
    static double rate;
    char now[CONFIG_TEXT_MAX + 64], opts[CONFIG_TEXT_MAX];
    if (pb->flops.n_gemms == 0) return NAN;
    params_json(&cfg->problem_opts, opts, sizeof opts);
    const double seconds = cfg->sgemm_seconds > 0 ? cfg->sgemm_seconds : SGEMM_RATE_SECONDS;
    snprintf(now, sizeof now, "%s %s %d %g", cfg->problem->name, opts, threads, seconds);
    if (strcmp(now, key) != 0) {
        rate = gemm_rate(pb->flops.gemms, pb->flops.n_gemms, seconds);
        snprintf(key, sizeof key, "%s", now);
    }
    return rate;
}

static void finish(Backend *b, RunSummary *out)
{
    const RunConfig *cfg = b->cfg;
    if (out->status == RUN_DONE && cfg->optimizer->swap_eval && isnan(out->eval_loss)) {
        /* no held-out data: the final score is the last minibatch's loss at the evaluation point */
        double loss = 0;
        opt_run_swap_eval(b->opt, b->params);
        loss_and_grad(b, cfg->steps, 0);
        for (int a = 0; a < cfg->accum; a++) loss += b->losses[a];
        out->final_loss = loss / cfg->accum;
        opt_run_swap_eval(b->opt, b->params);
    }
    out->threads = omp_get_max_threads();
    out->sgemm_gflops = sgemm_rate(b->cfg, b->pb, out->threads);
}

static const char *error(Backend *b) { return b->error; }

const RunBackend backend_cpu = {NULL,     1,        create,      upload,  mark, loss_and_grad, clip,  step,
                                snapshot, diagnose, read_losses, seconds, eval, memory,        finish, error,
                                destroy};
