/* test_cuda.c — the CUDA backend against its CPU references: the fused
 * optimizer kernels on the golden vectors and on unaligned buffers, each
 * transformer layer's forward and backward against the CPU layer on the
 * same inputs (max relative error logged), each problem twin's loss and
 * gradient against the CPU's, and whole runs on the GPU against the same
 * runs on the CPU (loss curves within 1e-3 relative over 100 steps). Built only with CUDA. Every test that needs a
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
#include "harness/core/rng.h"
#include "harness/run/runner.h"
#include "optimizers/opt_run.h"
#include "problems/cuda/layers_cuda.h"
#include "problems/layers.h"
#include "tests/golden_cases.h"

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

/* Every optimizer has a CUDA step of its kind in a CUDA build (an
 * evaluation point has its device exchange too), so that a CUDA run of any
 * of them gets as far as looking for the device; every problem has a twin
 * or says why not. */
Test(cuda, every_optimizer_and_problem_has_a_twin)
{
    for (int i = 0; optimizer_registry[i]; i++) {
        const OptimizerDef *o = optimizer_registry[i];
        cr_expect(o->step_cpu ? o->step_cuda != NULL : o->step_tensors_cuda != NULL, "%s", o->name);
        cr_expect(!o->swap_eval == !o->swap_eval_cuda, "%s", o->name);
        RunConfig cfg;
        char gpu[DEVICE_NAME_MAX], err[ERRMSG_MAX] = "";
        config_defaults(&cfg);
        cr_assert_eq(config_set_optimizer(&cfg, o->name, err, sizeof err), 0, "%s", err);
        cr_assert_eq(config_set_problem(&cfg, "transformer,task=modadd,layers=1", err, sizeof err), 0, "%s", err);
        cfg.device = DEVICE_CUDA;
        if (config_check_device(&cfg, gpu, sizeof gpu, err, sizeof err) != 0)
            cr_expect(strstr(err, "CUDA device") != NULL, "%s: %s", o->name, err);
    }
    /* every registered problem: a twin, or a written reason why not */
    for (int i = 0; problem_registry[i]; i++) {
        const ProblemDef *p = problem_registry[i];
        cr_expect(p->cuda || (p->no_cuda_why && p->no_cuda_why[0]),
                  "problem %s has neither a CUDA twin nor no_cuda_why", p->name);
        cr_expect(!(p->cuda && p->no_cuda_why), "problem %s has a twin: drop its no_cuda_why", p->name);
    }
}

ParameterizedTestParameters(cuda, golden) { return golden_cases(); }

ParameterizedTest(GoldenCase *c, cuda, golden)
{
    char path[128], err[ERRMSG_MAX];
    Golden g;
    GoldenResult r;
    need_device();
    snprintf(path, sizeof path, GOLDEN_DIR "/%s", c->file);
    cr_assert_eq(golden_load(path, &g, err, sizeof err), 0, "%s", err);
    const OptimizerDef *opt = optimizer_find(g.optimizer);
    cr_assert_not_null(opt, "%s: unknown optimizer %s", c->file, g.optimizer);
    if (!optimizer_has_cuda(opt)) {
        golden_free(&g);
        cr_skip_test("%s: no CUDA kernel for %s", c->file, opt->name);
    }
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
        {"lion_l2,weight_decay=0.1"}, {"nadam,weight_decay=0.1,momentum_decay=0.01"},
        {"radam,beta2=0.9,weight_decay=0.1"}, {"adamax,weight_decay=0.1"},
    };
    return cr_make_param_array(OptCase, cases, sizeof cases / sizeof cases[0]);
}

/* The kernel's vector body, its scalar tail and its unaligned path (the
 * buffers start one float in) give the CPU loop's floats bit for bit:
 * --fmad=false and IEEE sqrt and division keep every rounding the same. */
ParameterizedTest(OptCase *c, cuda, kernel_equals_cpu_loop)
{
    enum { N = 4099, STEPS = 8 }; /* radam,beta2=0.9 rectifies from step 6 */
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
            const StateSlots hst = state_slots_fp32(state), st = state_slots_fp32(dst);
            opt->step_cpu(hp.num, &hst, p, g, N, t, hp.num[0]);
            cr_assert_eq(opt->step_cuda(hp.num, &st, dp + offset, dg + offset, N, t, hp.num[0]), 0, "%s",
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

/* ---- the transformer's layers: device twin against CPU layer ---- */

#define LAYER_TOL 1e-5 /* largest max-relative error of a layer's output */
/* Sizes of the layer cases: T > 32 makes the row kernels' lanes wrap, and
 * hs = C / NH = 6 leaves a remainder after the groups of four. */
enum { LB = 2, LT = 37, LC = 30, LNH = 5, LV = 11, LN = LB * LT };

/* n host floats drawn from N(mean, scale^2), a fresh stream per tensor. */
static float *host_normal(size_t n, double mean, double scale)
{
    static uint64_t stream = 1000;
    float *x = malloc(n * sizeof *x);
    cr_assert_not_null(x);
    stream++;
    for (size_t i = 0; i < n; i++) x[i] = (float)(mean + scale * rng_normal(11, stream, i));
    return x;
}

/* A device copy of `bytes` of host memory. */
static void *to_dev(const void *host, size_t bytes)
{
    void *d = dev_alloc(bytes);
    cr_assert(d && CUDA_OK(cudaMemcpy(d, host, bytes, cudaMemcpyHostToDevice)), "%s", device_error());
    return d;
}

/* A device output of n floats, poisoned with NaN so that an element the
 * kernel leaves unwritten fails the comparison. */
static float *dev_poisoned(size_t n)
{
    float *d = dev_alloc(n * sizeof(float));
    cr_assert(d && CUDA_OK(cudaMemset(d, 0xff, n * sizeof(float))), "%s", device_error());
    return d;
}

/* Expects the n device floats at dev to equal cpu within LAYER_TOL of
 * cpu's largest magnitude, every one finite; logs the max relative error. */
static void expect_close(const char *what, const float *dev, const float *cpu, size_t n)
{
    float *g = malloc(n * sizeof *g);
    double diff = 0, scale = 0;
    size_t bad = 0;
    cr_assert(g && CUDA_OK(cudaMemcpy(g, dev, n * sizeof *g, cudaMemcpyDeviceToHost)), "%s", device_error());
    for (size_t i = 0; i < n; i++) {
        bad += !isfinite(g[i]);
        diff = fmax(diff, fabs((double)g[i] - cpu[i]));
        scale = fmax(scale, fabs((double)cpu[i]));
    }
    const double rel = diff / fmax(scale, 1e-30);
    cr_log_info("%s: max relative error %.3g over %zu floats", what, rel, n);
    cr_expect_eq(bad, 0, "%s: %zu of %zu floats not finite (unwritten?)", what, bad, n);
    cr_expect(rel <= LAYER_TOL, "%s: max relative error %.3g > %g", what, rel, LAYER_TOL);
    free(g);
}

Test(cuda_layers, encoder)
{
    need_device();
    int32_t tokens[LN];
    for (int n = 0; n < LN; n++) tokens[n] = (int32_t)(rng_bits(3, 1, (uint64_t)n) % LV);
    float *wte = host_normal(LV * LC, 0, 1), *wpe = host_normal(LT * LC, 0, 1), *out = malloc(LN * LC * sizeof(float));
    float *dout = host_normal(LN * LC, 0, 1), *dwte = host_normal(LV * LC, 0, 1);
    float *dwpe = malloc(LT * LC * sizeof(float));
    int32_t *d_tokens = to_dev(tokens, sizeof tokens);
    float *d_wte = to_dev(wte, LV * LC * sizeof(float)), *d_wpe = to_dev(wpe, LT * LC * sizeof(float));
    float *d_dout = to_dev(dout, LN * LC * sizeof(float)), *d_dwte = to_dev(dwte, LV * LC * sizeof(float));
    float *d_out = dev_poisoned(LN * LC), *d_dwpe = dev_poisoned(LT * LC);
    encoder_forward(out, tokens, wte, wpe, LB, LT, LC);
    cr_assert_eq(encoder_forward_cuda(d_out, d_tokens, d_wte, d_wpe, LB, LT, LC), 0, "%s", device_error());
    expect_close("encoder out", d_out, out, LN * LC);
    encoder_backward(dwte, dwpe, dout, tokens, LB, LT, LC); /* dwte: the head's part, then the embedding's */
    cr_assert_eq(encoder_backward_cuda(d_dwte, d_dwpe, d_dout, d_tokens, LB, LT, LC, LV), 0, "%s", device_error());
    expect_close("encoder dwte", d_dwte, dwte, LV * LC);
    expect_close("encoder dwpe", d_dwpe, dwpe, LT * LC);
    free(wte); free(wpe); free(out); free(dout); free(dwte); free(dwpe);
    dev_free(d_tokens); dev_free(d_wte); dev_free(d_wpe); dev_free(d_dout); dev_free(d_dwte); dev_free(d_out);
    dev_free(d_dwpe);
}

Test(cuda_layers, layernorm)
{
    need_device();
    float *inp = host_normal(LN * LC, 0.5, 2), *w = host_normal(LC, 1, 0.1), *b = host_normal(LC, 0, 0.1);
    float *dout = host_normal(LN * LC, 0, 1), *out = malloc(LN * LC * sizeof(float));
    float *mean = malloc(LN * sizeof(float)), *rstd = malloc(LN * sizeof(float));
    float *dinp = malloc(LN * LC * sizeof(float)), *dw = malloc(LC * sizeof(float)), *db = malloc(LC * sizeof(float));
    float *d_inp = to_dev(inp, LN * LC * sizeof(float)), *d_w = to_dev(w, LC * sizeof(float));
    float *d_b = to_dev(b, LC * sizeof(float)), *d_dout = to_dev(dout, LN * LC * sizeof(float));
    float *d_out = dev_poisoned(LN * LC), *d_mean = dev_poisoned(LN), *d_rstd = dev_poisoned(LN);
    float *d_dinp = dev_poisoned(LN * LC), *d_dw = dev_poisoned(LC), *d_db = dev_poisoned(LC);
    layernorm_forward(out, mean, rstd, inp, w, b, LN, LC);
    cr_assert_eq(layernorm_forward_cuda(d_out, d_mean, d_rstd, d_inp, d_w, d_b, LN, LC), 0, "%s", device_error());
    expect_close("layernorm out", d_out, out, LN * LC);
    expect_close("layernorm mean", d_mean, mean, LN);
    expect_close("layernorm rstd", d_rstd, rstd, LN);
    /* the backward on the same inputs: the CPU's statistics */
    cr_assert(CUDA_OK(cudaMemcpy(d_mean, mean, LN * sizeof(float), cudaMemcpyHostToDevice)));
    cr_assert(CUDA_OK(cudaMemcpy(d_rstd, rstd, LN * sizeof(float), cudaMemcpyHostToDevice)));
    layernorm_backward(dinp, dw, db, dout, inp, w, mean, rstd, LN, LC);
    cr_assert_eq(layernorm_backward_cuda(d_dinp, d_dw, d_db, d_dout, d_inp, d_w, d_mean, d_rstd, LN, LC), 0, "%s",
                 device_error());
    expect_close("layernorm dinp", d_dinp, dinp, LN * LC);
    expect_close("layernorm dweight", d_dw, dw, LC);
    expect_close("layernorm dbias", d_db, db, LC);
    free(inp); free(w); free(b); free(dout); free(out); free(mean); free(rstd); free(dinp); free(dw); free(db);
    dev_free(d_inp); dev_free(d_w); dev_free(d_b); dev_free(d_dout); dev_free(d_out); dev_free(d_mean);
    dev_free(d_rstd); dev_free(d_dinp); dev_free(d_dw); dev_free(d_db);
}

Test(cuda_layers, attention)
{
    const size_t natt = (size_t)LB * LNH * LT * LT;
    need_device();
    float *qkv = host_normal(LN * 3 * LC, 0, 1), *dout = host_normal(LN * LC, 0, 1);
    float *out = malloc(LN * LC * sizeof(float)), *att = malloc(natt * sizeof(float));
    float *scratch = malloc(LN * LC * sizeof(float)), *dqkv = malloc(LN * 3 * LC * sizeof(float));
    float *datt = malloc(natt * sizeof(float));
    float *d_qkv = to_dev(qkv, LN * 3 * LC * sizeof(float)), *d_dout = to_dev(dout, LN * LC * sizeof(float));
    float *d_out = dev_poisoned(LN * LC), *d_att = dev_poisoned(natt), *d_dqkv = dev_poisoned(LN * 3 * LC);
    float *d_datt = dev_poisoned(natt);
    attention_forward(out, att, scratch, qkv, LB, LT, LC, LNH);
    cr_assert_eq(attention_forward_cuda(d_out, d_att, d_qkv, LB, LT, LC, LNH), 0, "%s", device_error());
    expect_close("attention out", d_out, out, LN * LC);
    expect_close("attention att", d_att, att, natt);
    cr_assert(CUDA_OK(cudaMemcpy(d_att, att, natt * sizeof(float), cudaMemcpyHostToDevice)));
    attention_backward(dqkv, datt, scratch, dout, qkv, att, LB, LT, LC, LNH);
    cr_assert_eq(attention_backward_cuda(d_dqkv, d_datt, d_dout, d_qkv, d_att, LB, LT, LC, LNH), 0, "%s",
                 device_error());
    expect_close("attention dqkv", d_dqkv, dqkv, LN * 3 * LC);
    free(qkv); free(dout); free(out); free(att); free(scratch); free(dqkv); free(datt);
    dev_free(d_qkv); dev_free(d_dout); dev_free(d_out); dev_free(d_att); dev_free(d_dqkv); dev_free(d_datt);
}

Test(cuda_layers, gelu)
{
    enum { n = 4096 };
    need_device();
    float *x = host_normal(n, 0, 3), *dout = host_normal(n, 0, 1), *y = malloc(n * sizeof(float));
    float *dx = malloc(n * sizeof(float));
    float *d_x = to_dev(x, n * sizeof(float)), *d_dout = to_dev(dout, n * sizeof(float));
    float *d_y = dev_poisoned(n), *d_dx = dev_poisoned(n);
    activation_forward(y, x, n, ACT_GELU);
    activation_backward(dx, dout, x, n, ACT_GELU);
    cr_assert_eq(activation_forward_cuda(d_y, d_x, n, ACT_GELU), 0, "%s", device_error());
    cr_assert_eq(activation_backward_cuda(d_dx, d_dout, d_x, n, ACT_GELU), 0, "%s", device_error());
    expect_close("gelu out", d_y, y, n);
    expect_close("gelu dinp", d_dx, dx, n);
    free(x); free(dout); free(y); free(dx);
    dev_free(d_x); dev_free(d_dout); dev_free(d_y); dev_free(d_dx);
}

/* The tied head: a linear layer without bias, forward and backward. */
Test(cuda_layers, linear_without_bias)
{
    need_device();
    float *inp = host_normal(LN * LC, 0, 1), *w = host_normal(LV * LC, 0, 0.2), *dout = host_normal(LN * LV, 0, 1);
    float *out = malloc(LN * LV * sizeof(float)), *dinp = malloc(LN * LC * sizeof(float));
    float *dw = malloc(LV * LC * sizeof(float));
    float *d_inp = to_dev(inp, LN * LC * sizeof(float)), *d_w = to_dev(w, LV * LC * sizeof(float));
    float *d_dout = to_dev(dout, LN * LV * sizeof(float)), *d_out = dev_poisoned(LN * LV);
    float *d_dinp = dev_poisoned(LN * LC), *d_dw = dev_poisoned(LV * LC);
    linear_forward(out, inp, w, NULL, LN, LC, LV);
    linear_backward(dinp, dw, NULL, dout, inp, w, LN, LC, LV);
    cr_assert_eq(linear_forward_cuda(d_out, d_inp, d_w, NULL, LN, LC, LV), 0, "%s", device_error());
    cr_assert_eq(linear_backward_cuda(d_dinp, d_dw, NULL, d_dout, d_inp, d_w, LN, LC, LV), 0, "%s", device_error());
    expect_close("head out", d_out, out, LN * LV);
    expect_close("head dinp", d_dinp, dinp, LN * LC);
    expect_close("head dweight", d_dw, dw, LV * LC);
    free(inp); free(w); free(dout); free(out); free(dinp); free(dw);
    dev_free(d_inp); dev_free(d_w); dev_free(d_dout); dev_free(d_out); dev_free(d_dinp); dev_free(d_dw);
}

/* Cross-entropy with ignored rows (target -1, as modadd's first two
 * positions): no loss, no count, a zero gradient. */
Test(cuda_layers, cross_entropy_ignores_rows)
{
    need_device();
    int32_t targets[LN];
    long correct = 0;
    double row_loss[LN], row_correct[LN], sum = 0, hits = 0;
    for (int n = 0; n < LN; n++) targets[n] = n % 3 == 2 ? (int32_t)(rng_bits(5, 1, (uint64_t)n) % LV) : -1;
    float *logits = host_normal(LN * LV, 0, 2), *probs = malloc(LN * LV * sizeof(float));
    float *dlogits = malloc(LN * LV * sizeof(float)), *gprobs = malloc(LN * LV * sizeof(float));
    int32_t *d_targets = to_dev(targets, sizeof targets);
    float *d_logits = to_dev(logits, LN * LV * sizeof(float)), *d_probs = dev_poisoned(LN * LV);
    float *d_dlogits = dev_poisoned(LN * LV);
    double *d_loss = dev_alloc(sizeof row_loss), *d_correct = dev_alloc(sizeof row_correct);
    const double loss = softmax_xent_forward(probs, &correct, logits, targets, LN, LV);
    softmax_xent_backward(dlogits, probs, targets, LN, LV, 1.0f / (LN / 3));
    cr_assert_eq(softmax_xent_forward_cuda(d_probs, d_correct, d_logits, d_targets, LN, LV, d_loss), 0, "%s",
                 device_error());
    cr_assert_eq(softmax_xent_backward_cuda(d_dlogits, d_probs, d_targets, LN, LV, 1.0f / (LN / 3)), 0, "%s",
                 device_error());
    cr_assert(CUDA_OK(cudaMemcpy(row_loss, d_loss, sizeof row_loss, cudaMemcpyDeviceToHost)));
    cr_assert(CUDA_OK(cudaMemcpy(row_correct, d_correct, sizeof row_correct, cudaMemcpyDeviceToHost)));
    cr_assert(CUDA_OK(cudaMemcpy(gprobs, d_probs, LN * LV * sizeof(float), cudaMemcpyDeviceToHost)));
    for (int n = 0; n < LN; n++) {
        sum += row_loss[n];
        hits += row_correct[n];
        if (targets[n] < 0) cr_expect(row_loss[n] == 0 && row_correct[n] == 0, "ignored row %d counted", n);
        for (int v = 0; targets[n] >= 0 && v < LV; v++)
            cr_expect(fabsf(gprobs[n * LV + v] - probs[n * LV + v]) <= 1e-6f, "probs[%d][%d] gpu %.9g cpu %.9g", n, v,
                      (double)gprobs[n * LV + v], (double)probs[n * LV + v]);
    }
    cr_log_info("cross-entropy loss: relative error %.3g", fabs(sum - loss) / loss);
    cr_expect(fabs(sum - loss) <= 1e-6 * loss, "loss gpu %.9g cpu %.9g", sum, loss);
    cr_expect_eq((long)hits, correct);
    expect_close("cross-entropy dlogits", d_dlogits, dlogits, LN * LV);
    free(logits); free(probs); free(dlogits); free(gprobs);
    dev_free(d_targets); dev_free(d_logits); dev_free(d_probs); dev_free(d_dlogits); dev_free(d_loss);
    dev_free(d_correct);
}

Test(cuda_layers, residual)
{
    enum { n = 1000 };
    need_device();
    float *x = host_normal(n, 0, 1), *y = host_normal(n, 0, 1), *out = malloc(n * sizeof(float));
    float *d_x = to_dev(x, n * sizeof(float)), *d_y = to_dev(y, n * sizeof(float)), *d_out = dev_poisoned(n);
    residual_forward(out, x, y, n);
    cr_assert_eq(residual_forward_cuda(d_out, d_x, d_y, n), 0, "%s", device_error());
    expect_close("residual out", d_out, out, n);
    residual_backward(out, x, y, n);
    cr_assert_eq(residual_backward_cuda(d_x, d_x, d_y, n), 0, "%s", device_error()); /* in place, as the model */
    expect_close("residual dinp", d_x, out, n);
    free(x); free(y); free(out);
    dev_free(d_x); dev_free(d_y); dev_free(d_out);
}

/* ---- one optimizer planned on the CPU and on the device: steps compared ---- */

/* An optimizer planned twice on the same tensors, for the CPU and for the
 * device, from the same parameters and random bits, with the buffers of
 * both sides. */
typedef struct {
    OptRun cpu, gpu;      /* the two plans */
    double lr[N_ROLES];   /* each role's lr, from the plan */
    size_t n, sbytes;     /* parameters; bytes of the state block */
    float *p, *g, *back;  /* the CPU's parameters, the gradient, the device's parameters read back */
    unsigned char *sback; /* the device's state block read back */
    float *dp, *dg;       /* the device's parameters and gradient */
    void *ds;             /* the device's state block */
} StepPair;

/* Plans spec on the n floats of views on both sides: the same initial
 * parameters, random bits from seed 4, and the device state block copied
 * from the host's. */
static void pair_start(StepPair *s, const char *spec_text, const TensorView *views, int n_views, size_t n)
{
    const OptimizerDef *opt;
    ParamSet hp;
    Spec spec;
    char err[ERRMSG_MAX];
    memset(s, 0, sizeof *s);
    s->n = n;
    cr_assert_eq(spec_parse(spec_text, &spec, err, sizeof err), 0, "%s", err);
    cr_assert_not_null(opt = optimizer_find(spec.name));
    cr_assert_eq(optimizer_configure(opt, &spec, &hp, err, sizeof err), 0, "%s", err);
    cr_assert_eq(opt_run_plan(&s->cpu, opt, &hp, views, n_views, n, err, sizeof err), 0, "%s", err);
    cr_assert_eq(opt_run_plan(&s->gpu, opt, &hp, views, n_views, n, err, sizeof err), 0, "%s", err);
    opt_run_seed(&s->cpu, 4);
    opt_run_seed(&s->gpu, 4);
    for (int r = 0; r < N_ROLES; r++) s->lr[r] = s->cpu.hp[r][0];
    s->p = malloc(n * sizeof *s->p), s->g = malloc(n * sizeof *s->g), s->back = malloc(n * sizeof *s->back);
    cr_assert(s->p && s->g && s->back);
    for (size_t i = 0; i < n; i++) s->p[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    cr_assert_eq(opt_run_alloc(&s->cpu, s->p), 0);
    cr_assert_eq(opt_run_alloc(&s->gpu, s->p), 0);
    s->sbytes = s->cpu.state_size;
    s->dp = to_dev(s->p, n * sizeof(float)), s->dg = dev_alloc(n * sizeof(float));
    s->ds = to_dev(s->gpu.state, s->sbytes), s->sback = malloc(s->sbytes);
    cr_assert(s->dg && s->sback && opt_run_alloc_cuda(&s->gpu) == 0, "%s", device_error());
}

/* Steps 1..steps on both sides with the same gradients. */
static void pair_steps(StepPair *s, long steps)
{
    for (long t = 1; t <= steps; t++) {
        for (size_t i = 0; i < s->n; i++) s->g[i] = (float)((i * 104729 + (size_t)t * 31) % 1000) / 250.0f - 2.0f;
        cr_assert(CUDA_OK(cudaMemcpy(s->dg, s->g, s->n * sizeof(float), cudaMemcpyHostToDevice)));
        opt_run_step(&s->cpu, s->p, s->g, t, s->lr);
        cr_assert_eq(opt_run_step_cuda(&s->gpu, s->ds, s->dp, s->dg, t, s->lr), 0, "%s", device_error());
    }
}

/* The device's parameters and state block into back and sback. */
static void pair_read_back(StepPair *s)
{
    cr_assert(CUDA_OK(cudaMemcpy(s->back, s->dp, s->n * sizeof(float), cudaMemcpyDeviceToHost)));
    cr_assert(CUDA_OK(cudaMemcpy(s->sback, s->ds, s->sbytes, cudaMemcpyDeviceToHost)));
}

static void pair_free(StepPair *s)
{
    free(s->p);
    free(s->g);
    free(s->back);
    free(s->sback);
    dev_free(s->dp);
    dev_free(s->dg);
    dev_free(s->ds);
    opt_run_free(&s->cpu);
    opt_run_free(&s->gpu);
}

/* ---- low-precision state: device step against CPU step, byte for byte ---- */

ParameterizedTestParameters(cuda, low_precision_step_matches_cpu)
{
    static OptCase cases[] = {
        {"adamw,lr=0.01,state=bf16"}, {"adamw,lr=0.01,amsgrad=1,state=bf16_sr"}, {"adamw,lr=0.01,amsgrad=1,state=int8"},
        {"lion,lr=0.001,weight_decay=0.1,state=int8"}, {"lion,state=bf16_sr"}, {"sgd,lr=0.05,momentum=0.9,state=bf16_sr"},
        {"rmsprop,momentum=0.9,centered=1,state=int8"}, {"adagrad,initial_accumulator_value=0.1,state=int8"},
    };
    return cr_make_param_array(OptCase, cases, sizeof cases / sizeof cases[0]);
}

/* A matrix of one full and one partial int8 block, a vector below the int8
 * size (float32) and one above it: 10 steps of the device's widen, update
 * and round give the CPU pass's parameters and stored bytes exactly (the
 * same functions of state_impl.h, the same random bits). */
ParameterizedTest(OptCase *c, cuda, low_precision_step_matches_cpu)
{
    static const TensorView views[] = {
        {"w", 0, 2, {16, 20}, ROLE_MATRIX},
        {"b", 320, 1, {8}, ROLE_VECTOR},
        {"v", 328, 1, {300}, ROLE_VECTOR},
    };
    StepPair s;
    need_device();
    pair_start(&s, c->spec, views, sizeof views / sizeof views[0], 628);
    pair_steps(&s, 10);
    pair_read_back(&s);
    for (size_t i = 0; i < s.n; i++)
        cr_expect(s.back[i] == s.p[i], "%s: p[%zu] gpu %.9g cpu %.9g", c->spec, i, (double)s.back[i], (double)s.p[i]);
    size_t first = s.sbytes;
    for (size_t i = 0; i < s.sbytes && first == s.sbytes; i++)
        if (s.sback[i] != s.cpu.state[i]) first = i;
    cr_expect_eq(first, s.sbytes, "%s: the stored state differs from byte %zu", c->spec, first);
    pair_free(&s);
}

/* ---- the tensor-aware optimizers: device step against CPU step ---- */

#define TENSOR_TOL 1e-5 /* largest |gpu - cpu| / (1 + |cpu|) of a parameter or state float */

ParameterizedTestParameters(cuda, tensor_step_matches_cpu)
{
    static OptCase cases[] = {
        {"adafactor"}, {"adafactor,weight_decay=0.1,d=0.5,vectors.lr=0.05"},
        {"muon,lr=0.02"}, {"muon,nesterov=0,adjust_lr=match_rms_adamw,ns_steps=3,vectors.adam_lr=1e-2"},
        {"sfadamw,lr=0.01"}, {"sfadamw,weight_decay=0.01,warmup_steps=3,r=1,matrices.lr=0.02"},
    };
    return cr_make_param_array(OptCase, cases, sizeof cases / sizeof cases[0]);
}

/* A tall and a wide matrix (muon transposes the tall one, adafactor factors
 * both), a vector and an embedding with a tail of odd sizes: 12 steps of
 * the device step give the CPU step's parameters and state within
 * TENSOR_TOL (the reductions add in another order; muon's products are
 * cuBLAS's), and the evaluation point's exchange is exact. */
ParameterizedTest(OptCase *c, cuda, tensor_step_matches_cpu)
{
    static const TensorView views[] = {
        {"tall", 0, 2, {37, 5}, ROLE_MATRIX},
        {"bias", 185, 1, {13}, ROLE_VECTOR},
        {"wide", 198, 2, {6, 41}, ROLE_MATRIX},
        {"wte", 444, 2, {9, 7}, ROLE_EMBEDDING},
    };
    StepPair s;
    need_device();
    pair_start(&s, c->spec, views, sizeof views / sizeof views[0], 507);
    pair_steps(&s, 12);
    /* float32 slots and their padding */
    const float *cs = (const float *)s.cpu.state, *gs = (const float *)s.sback;
    for (int swap = 0; swap <= 1; swap++) { /* at the parameters, then at the evaluation point */
        pair_read_back(&s);
        for (size_t i = 0; i < s.n; i++)
            cr_expect(fabs((double)s.back[i] - s.p[i]) <= TENSOR_TOL * (1 + fabs((double)s.p[i])),
                      "%s%s: p[%zu] gpu %.9g cpu %.9g", c->spec, swap ? " at x" : "", i, (double)s.back[i],
                      (double)s.p[i]);
        for (size_t i = 0; i < s.sbytes / sizeof(float); i++)
            cr_expect(fabs((double)gs[i] - cs[i]) <= TENSOR_TOL * (1 + fabs((double)cs[i])),
                      "%s: state[%zu] gpu %.9g cpu %.9g", c->spec, i, (double)gs[i], (double)cs[i]);
        opt_run_swap_eval(&s.cpu, s.p);
        cr_assert_eq(opt_run_swap_eval_cuda(&s.gpu, s.ds, s.dp), 0, "%s", device_error());
    }
    for (int k = 0; k < N_ROLES; k++)
        for (int j = 0; j < OPT_MAX_SCALARS; j++) cr_expect_eq(s.gpu.scalars[k][j], s.cpu.scalars[k][j]);
    pair_free(&s);
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
    {"transformer,corpus=tests/data/corpus.txt,layers=2,d_model=32,heads=4,context=16,batch=8", "adamw,lr=1e-3", 0, 1},
    {"transformer,task=modadd,p=13,layers=2,d_model=32,heads=4,batch=32", "adamw,lr=1e-3", 1.0, 2},
    /* the tensor-aware optimizers, and schedule-free's evaluation point
     * (held out on logreg, the final loss on rosenbrock) */
    {"mlp,dataset=digits,hidden=[64,32],activation=relu", "adafactor", 0, 1},
    {"transformer,corpus=tests/data/corpus.txt,layers=2,d_model=32,heads=4,context=16,batch=8", "muon,lr=0.02", 1.0, 1},
    {"logreg,dataset=digits", "sfadamw,lr=0.01", 0, 1},
    {"rosenbrock,dim=10", "sfadamw,lr=0.01,warmup_steps=10", 0, 2},
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
    double worst = 0;
    for (int i = 0; i < cpu.n; i++) {
        const double a = gpu.rows[i].loss, b = cpu.rows[i].loss;
        worst = fmax(worst, fabs(a - b) / fabs(b));
        cr_expect_eq(gpu.rows[i].step, cpu.rows[i].step);
        cr_expect(fabs(a - b) <= AGREE_TOL * fabs(b), "%s x %s step %ld: gpu %.9g cpu %.9g", c->problem,
                  c->optimizer, cpu.rows[i].step, a, b);
        if (!isnan(b + cpu.rows[i].eval_loss))
            cr_expect(fabs(gpu.rows[i].eval_loss - cpu.rows[i].eval_loss) <= AGREE_TOL * fabs(cpu.rows[i].eval_loss),
                      "%s step %ld: eval gpu %.9g cpu %.9g", c->problem, cpu.rows[i].step, gpu.rows[i].eval_loss,
                      cpu.rows[i].eval_loss);
    }
    cr_log_info("agreement: %s x %s: loss curves within %.2e relative over %d steps", c->problem, c->optimizer,
                worst, cpu.n);
    cr_expect(fabs(s_gpu.final_loss - s_cpu.final_loss) <= AGREE_TOL * fabs(s_cpu.final_loss),
              "%s x %s: final loss gpu %.9g cpu %.9g", c->problem, c->optimizer, s_gpu.final_loss, s_cpu.final_loss);
    cr_expect_gt(s_gpu.device_peak_bytes, s_gpu.param_bytes + s_gpu.grad_bytes + s_gpu.state_bytes - 1);
    cr_expect_gt(s_gpu.device_used_bytes, 0);
    cr_expect_gt(s_gpu.step_median, 0);
    cr_expect_eq(s_cpu.device_peak_bytes, -1);
}
