/* test_cuda.c — the CUDA backend against its CPU references: the fused
 * optimizer kernels on the golden vectors and on unaligned buffers, each
 * problem twin's loss and gradient against the CPU's, and whole runs on
 * the GPU against the same runs on the CPU (loss curves within 1e-3
 * relative over 100 steps). Built only with CUDA. Every test that needs a
 * GPU first looks for one and, when there is none, is reported skipped
 * with "skipped: no CUDA device" instead of passing. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/config.h"
#include "harness/check/cuda/grad_cuda.h"
#include "harness/core/device.h"
#include "harness/check/golden.h"
#include "harness/core/memory.h"
#include "harness/run/runner.h"

#define AGREE_STEPS 100  /* steps of an agreement run */
#define AGREE_TOL 1e-3   /* largest relative difference of two loss curves */

/* Skips the calling test when no CUDA device can be used. */
static void need_device(void)
{
    char name[DEVICE_NAME_MAX], err[ERRMSG_MAX];
    if (device_probe(name, sizeof name, err, sizeof err) != 0) cr_skip_test("skipped: no CUDA device");
}

/* The probe answers in a CUDA build: a device name, or why there is none. */
Test(cuda, probe_names_a_device_or_says_none)
{
    char name[DEVICE_NAME_MAX], err[ERRMSG_MAX] = "";
    if (device_probe(name, sizeof name, err, sizeof err) == 0) cr_expect_gt(strlen(name), 0);
    else cr_expect(strstr(err, "CUDA device") != NULL, "probe said: %s", err);
    cr_expect(strstr(err, "built without CUDA") == NULL, "%s", err);
}

/* Every elementwise optimizer has a CUDA step in a CUDA build; a
 * tensor-aware one without a kernel is refused by name. */
Test(cuda, every_elementwise_optimizer_and_problem_has_a_twin)
{
    for (int i = 0; optimizer_registry[i]; i++)
        if (optimizer_registry[i]->step_cpu)
            cr_expect_not_null(optimizer_registry[i]->step_cuda, "%s", optimizer_registry[i]->name);
    RunConfig cfg;
    char gpu[DEVICE_NAME_MAX], err[ERRMSG_MAX];
    config_defaults(&cfg);
    cr_assert_eq(config_set_optimizer(&cfg, "muon", err, sizeof err), 0, "%s", err);
    cfg.device = DEVICE_CUDA;
    cr_expect_neq(config_check_device(&cfg, gpu, sizeof gpu, err, sizeof err), 0);
    cr_expect(strstr(err, "no CUDA kernel for muon") != NULL, "%s", err);
    cr_expect_not_null(problem_find("rosenbrock")->cuda);
    cr_expect_not_null(problem_find("logreg")->cuda);
    cr_expect_not_null(problem_find("mlp")->cuda);
}

typedef struct {
    char file[64]; /* golden file under tests/golden/ */
} GoldenCase;

ParameterizedTestParameters(cuda, golden)
{
    static GoldenCase cases[] = {
        {"sgd_1.txt"},     {"sgd_2.txt"},     {"sgd_3.txt"},     {"sgd_4.txt"},  {"adagrad_1.txt"},
        {"adagrad_2.txt"}, {"rmsprop_1.txt"}, {"rmsprop_2.txt"}, {"adam_1.txt"}, {"adam_2.txt"},
        {"adamw_1.txt"},   {"adamw_2.txt"},   {"lion_1.txt"},    {"lion_2.txt"}, {"lion_3.txt"},
        {"lion_l2_1.txt"}, {"sgd_groups_1.txt"}, {"adamw_groups_1.txt"}, {"lion_groups_1.txt"},
    };
    return cr_make_param_array(GoldenCase, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(GoldenCase *c, cuda, golden)
{
    char path[128], err[ERRMSG_MAX];
    Golden g;
    GoldenResult r;
    need_device();
    snprintf(path, sizeof path, "tests/golden/%s", c->file);
    cr_assert_eq(golden_load(path, &g, err, sizeof err), 0, "%s", err);
    cr_assert_eq(golden_check(&g, DEVICE_CUDA, &r, err, sizeof err), 0, "%s", err);
    cr_expect(r.ok, "%s: step %ld index %zu got %.9g expected %.9g (err %.2e)", c->file, r.worst_step,
              r.worst_index, (double)r.got, (double)r.expected, r.worst_err);
    golden_free(&g);
}

typedef struct {
    char spec[96]; /* optimizer spec */
} OptCase;

ParameterizedTestParameters(cuda, kernel_equals_cpu_loop)
{
    static OptCase cases[] = {
        {"sgd,lr=0.1,weight_decay=0.01"}, {"sgd,lr=0.1,momentum=0.9,nesterov=1"},
        {"adagrad,lr=0.1,lr_decay=0.01,initial_accumulator_value=0.1"},
        {"rmsprop,momentum=0.9,centered=1,weight_decay=0.1"}, {"rmsprop,centered=1"},
        {"adam,amsgrad=1,weight_decay=0.1"}, {"adamw,lr=0.01"}, {"lion,weight_decay=0.5"},
        {"lion_l2,weight_decay=0.1"},
    };
    return cr_make_param_array(OptCase, cases, sizeof cases / sizeof cases[0]);
}

/* The kernel's vector body, its scalar tail and its unaligned path (the
 * buffers start one float in) give the CPU loop's floats bit for bit:
 * --fmad=false and IEEE sqrt and division keep every rounding the same. */
ParameterizedTest(OptCase *c, cuda, kernel_equals_cpu_loop)
{
    enum { N = 4099, STEPS = 5 };
    const OptimizerDef *opt;
    ParamSet hp;
    Spec spec;
    char err[ERRMSG_MAX];
    need_device();
    cr_assert_eq(spec_parse(c->spec, &spec, err, sizeof err), 0, "%s", err);
    cr_assert_not_null(opt = optimizer_find(spec.name));
    cr_assert_eq(optimizer_configure(opt, &spec, &hp, err, sizeof err), 0, "%s", err);
    const int slots = opt->n_state(hp.num);
    for (int offset = 0; offset <= 1; offset++) {
        float *p = malloc(N * sizeof *p), *g = malloc(N * sizeof *g), *back = malloc(N * sizeof *back);
        float *state[OPT_MAX_STATE] = {0}, *dstate[OPT_MAX_STATE] = {0};
        float *dp = dev_alloc((N + 1) * sizeof(float)), *dg = dev_alloc((N + 1) * sizeof(float));
        cr_assert(p && g && back && dp && dg, "%s", device_error());
        for (int k = 0; k < slots; k++) {
            state[k] = calloc(N, sizeof(float));
            dstate[k] = dev_alloc((N + 1) * sizeof(float));
            cr_assert(state[k] && dstate[k], "%s", device_error());
        }
        if (opt->init_state) opt->init_state(hp.num, state, N);
        for (int k = 0; k < slots; k++)
            cr_assert(CUDA_OK(cudaMemcpy(dstate[k] + offset, state[k], N * sizeof(float), cudaMemcpyHostToDevice)));
        float *dst[OPT_MAX_STATE] = {0};
        for (int k = 0; k < slots; k++) dst[k] = dstate[k] + offset;
        for (int i = 0; i < N; i++) p[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
        cr_assert(CUDA_OK(cudaMemcpy(dp + offset, p, N * sizeof(float), cudaMemcpyHostToDevice)));
        for (long t = 1; t <= STEPS; t++) {
            for (int i = 0; i < N; i++) g[i] = (float)((i * 104729 + t * 31) % 1000) / 250.0f - 2.0f;
            cr_assert(CUDA_OK(cudaMemcpy(dg + offset, g, N * sizeof(float), cudaMemcpyHostToDevice)));
            opt->step_cpu(hp.num, state, p, g, N, t, hp.num[0]);
            cr_assert_eq(opt->step_cuda(hp.num, dst, dp + offset, dg + offset, N, t, hp.num[0]), 0, "%s",
                         device_error());
        }
        cr_assert(CUDA_OK(cudaMemcpy(back, dp + offset, N * sizeof(float), cudaMemcpyDeviceToHost)));
        for (int i = 0; i < N; i++)
            cr_expect(back[i] == p[i] || (back[i] != back[i] && p[i] != p[i]),
                      "%s offset %d: p[%d] gpu %.9g cpu %.9g", c->spec, offset, i, (double)back[i], (double)p[i]);
        for (int k = 0; k < slots; k++) {
            free(state[k]);
            dev_free(dstate[k]);
        }
        free(p);
        free(g);
        free(back);
        dev_free(dp);
        dev_free(dg);
    }
}

typedef struct {
    char problem[96];   /* problem spec */
    char optimizer[64]; /* optimizer spec */
    double clip;        /* --clip */
    int accum;          /* --accum */
} RunCase;

static const RunCase run_cases[] = {
    {"rosenbrock,dim=10", "adam,lr=0.01", 0, 1},
    {"rosenbrock,dim=1000,noise=0.1", "lion,lr=1e-3", 0, 1},
    {"logreg,dataset=digits", "adamw,lr=0.01", 0, 1},
    {"logreg,dataset=iris,batch=16", "sgd,lr=0.1,momentum=0.9", 1.0, 2},
    {"mlp,dataset=digits,hidden=[64,32],activation=relu", "adamw,lr=1e-3", 0, 1},
    {"mlp,dataset=digits,hidden=[32],activation=gelu", "lion,lr=1e-4,weight_decay=0.1", 0.5, 1},
    {"mlp,dataset=wine,hidden=[16,16],activation=tanh,batch=0", "rmsprop,lr=1e-3", 0, 3},
};

ParameterizedTestParameters(cuda, gradient_matches_cpu)
{
    return cr_make_param_array(RunCase, (RunCase *)run_cases, sizeof run_cases / sizeof run_cases[0]);
}

/* One minibatch's loss and gradient on the device against the CPU's. */
ParameterizedTest(RunCase *c, cuda, gradient_matches_cpu)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    need_device();
    config_defaults(&cfg);
    cr_assert_eq(config_set_problem(&cfg, c->problem, err, sizeof err), 0, "%s", err);
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_assert_not_null(pb, "%s", err);
    const size_t n = pb->n_params;
    float *params = mem_alloc(n * sizeof(float)), *cpu = mem_alloc(n * sizeof(float)),
          *gpu = mem_alloc(n * sizeof(float));
    cr_assert(params && cpu && gpu);
    cfg.problem->init(pb, params, 3);
    double gpu_loss, cpu_loss;
    for (uint64_t batch = 0; batch < 3; batch++) {
        cpu_loss = cfg.problem->loss_and_grad(pb, params, cpu, 3, batch);
        cr_assert_eq(device_loss_and_grad(pb, params, gpu, 3, batch, &gpu_loss, err, sizeof err), 0, "%s", err);
        cr_expect(fabs(gpu_loss - cpu_loss) <= 1e-5 * fabs(cpu_loss), "%s batch %llu: loss gpu %.9g cpu %.9g",
                  c->problem, (unsigned long long)batch, gpu_loss, cpu_loss);
        double scale = 0;
        for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs(cpu[i]));
        for (size_t i = 0; i < n; i++)
            cr_expect(fabs(gpu[i] - cpu[i]) <= 1e-4 * scale + 1e-7, "%s batch %llu: grad[%zu] gpu %.9g cpu %.9g",
                      c->problem, (unsigned long long)batch, i, (double)gpu[i], (double)cpu[i]);
    }
    mem_free(params);
    mem_free(cpu);
    mem_free(gpu);
    cfg.problem->destroy(pb);
}

/* Metric rows of a run, kept in memory. */
typedef struct {
    MetricRow rows[AGREE_STEPS + 1]; /* one per step (log_every 1) */
    int n;                           /* rows held */
} Curve;

static void keep(void *ctx, const MetricRow *row)
{
    Curve *c = ctx;
    cr_assert_lt(c->n, AGREE_STEPS + 1);
    c->rows[c->n++] = *row;
}

ParameterizedTestParameters(cuda, run_agrees_with_cpu)
{
    return cr_make_param_array(RunCase, (RunCase *)run_cases, sizeof run_cases / sizeof run_cases[0]);
}

/* The agreement test: the same 100-step run on both devices gives loss
 * curves within 1e-3 relative, step by step, and the same outcome. */
ParameterizedTest(RunCase *c, cuda, run_agrees_with_cpu)
{
    static Curve cpu, gpu;
    RunConfig cfg;
    RunSummary s_cpu, s_gpu;
    char err[ERRMSG_MAX];
    need_device();
    config_defaults(&cfg);
    cr_assert_eq(config_set_problem(&cfg, c->problem, err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_set_optimizer(&cfg, c->optimizer, err, sizeof err), 0, "%s", err);
    cfg.steps = AGREE_STEPS;
    cfg.clip = c->clip;
    cfg.accum = c->accum;
    cfg.eval_every = 50;
    cpu.n = gpu.n = 0;
    runner_run(&cfg, keep, &cpu, &s_cpu);
    cfg.device = DEVICE_CUDA;
    runner_run(&cfg, keep, &gpu, &s_gpu);
    cr_assert_eq(s_gpu.status, s_cpu.status, "%s: gpu %s (%s), cpu %s", c->problem, run_status_name(s_gpu.status),
                 s_gpu.error, run_status_name(s_cpu.status));
    cr_assert_eq(gpu.n, cpu.n);
    for (int i = 0; i < cpu.n; i++) {
        const double a = gpu.rows[i].loss, b = cpu.rows[i].loss;
        cr_expect_eq(gpu.rows[i].step, cpu.rows[i].step);
        cr_expect(fabs(a - b) <= AGREE_TOL * fabs(b), "%s x %s step %ld: gpu %.9g cpu %.9g", c->problem,
                  c->optimizer, cpu.rows[i].step, a, b);
        if (!isnan(b + cpu.rows[i].eval_loss))
            cr_expect(fabs(gpu.rows[i].eval_loss - cpu.rows[i].eval_loss) <= AGREE_TOL * fabs(cpu.rows[i].eval_loss),
                      "%s step %ld: eval gpu %.9g cpu %.9g", c->problem, cpu.rows[i].step, gpu.rows[i].eval_loss,
                      cpu.rows[i].eval_loss);
    }
    cr_expect_gt(s_gpu.device_peak_bytes, s_gpu.param_bytes + s_gpu.grad_bytes + s_gpu.state_bytes - 1);
    cr_expect_gt(s_gpu.device_used_bytes, 0);
    cr_expect_gt(s_gpu.step_median, 0);
    cr_expect_eq(s_cpu.device_peak_bytes, -1);
}
