/* test_transformer.c — the transformer problem: every layer's backward
 * against central differences of its forward, gradcheck of the whole model
 * on both tasks, fixed-seed short runs whose loss falls, losses that do not
 * depend on the thread count, the matrix products a step computes, no
 * allocation in a step, and the corpus errors.
 * The chars task reads the small fixture tests/data/corpus.txt. */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "harness/run/config.h"
#include "harness/check/gradcheck.h"
#include "harness/core/memory.h"
#include "harness/core/rng.h"
#include "harness/run/runner.h"
#include "tests/run_support.h"
#include "problems/layers.h"

#define FIX "tests/data/"
#define SMALL ",layers=2,d_model=32,heads=4,context=16"
#define MAX_FLOATS 4096 /* largest tensor of a layer test */

/* ---- layers against central differences ---- */

/* One layer under test: the forward of `run` writes out (n_out floats) from
 * the current inputs; the loss is sum(out * proj) in double. */
typedef struct LayerCase LayerCase;
struct LayerCase {
    void (*run)(LayerCase *lc);  /* forward into out */
    float out[MAX_FLOATS];       /* forward output */
    float proj[MAX_FLOATS];      /* random projection: d loss / d out */
    size_t n_out;                /* floats of out */
    int B, T, C, NH, V;          /* sizes of the case */
    float a[MAX_FLOATS], b[MAX_FLOATS], c[MAX_FLOATS]; /* inputs */
    float mean[MAX_FLOATS], rstd[MAX_FLOATS];          /* layernorm statistics */
    int32_t tokens[MAX_FLOATS];  /* encoder and cross-entropy integers */
};

static void fill(float *x, size_t n, uint64_t stream, float scale)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)(scale * rng_normal(7, 100 + stream, i));
}

static double case_loss(LayerCase *lc)
{
    double s = 0;
    lc->run(lc);
    for (size_t i = 0; i < lc->n_out; i++) s += (double)lc->out[i] * lc->proj[i];
    return s;
}

/* Compares analytic (n floats) with central differences of case_loss in x. */
static void expect_grad(LayerCase *lc, float *x, const float *analytic, size_t n, const char *what)
{
    const float h = 1e-2f;
    for (size_t i = 0; i < n; i++) {
        const float orig = x[i];
        x[i] = orig + h;
        const double lp = case_loss(lc);
        x[i] = orig - h;
        const double lm = case_loss(lc);
        x[i] = orig;
        const double numeric = (lp - lm) / (2.0 * h);
        cr_expect(fabs(numeric - analytic[i]) <= 2e-3 + 1e-2 * fabs(numeric), "%s[%zu]: analytic %.7g, numeric %.7g",
                  what, i, analytic[i], numeric);
    }
}

static void run_layernorm(LayerCase *lc)
{
    layernorm_forward(lc->out, lc->mean, lc->rstd, lc->a, lc->b, lc->c, lc->B, lc->C);
}

Test(layers, layernorm_backward)
{
    static LayerCase lc = {.run = run_layernorm, .B = 3, .C = 8};
    static float da[MAX_FLOATS], dw[MAX_FLOATS], db[MAX_FLOATS];
    const size_t n = (size_t)lc.B * lc.C;
    lc.n_out = n;
    fill(lc.a, n, 1, 2.0f);
    fill(lc.b, (size_t)lc.C, 2, 1.0f);
    fill(lc.c, (size_t)lc.C, 3, 1.0f);
    fill(lc.proj, n, 4, 1.0f);
    run_layernorm(&lc);
    layernorm_backward(da, dw, db, lc.proj, lc.a, lc.b, lc.mean, lc.rstd, lc.B, lc.C);
    expect_grad(&lc, lc.a, da, n, "dinp");
    expect_grad(&lc, lc.b, dw, (size_t)lc.C, "dweight");
    expect_grad(&lc, lc.c, db, (size_t)lc.C, "dbias");
}

static void run_attention(LayerCase *lc)
{
    attention_forward(lc->out, lc->b, lc->c, lc->a, lc->B, lc->T, lc->C, lc->NH);
}

/* The forward of lc (its inputs filled, a scaled by scale), each row of
 * its attention weights checked, and the backward against finite
 * differences. */
static void check_attention(LayerCase *lc, float scale)
{
    static float dqkv[MAX_FLOATS], datt[MAX_FLOATS];
    const size_t n = (size_t)lc->B * lc->T * lc->C;
    lc->n_out = n;
    fill(lc->a, 3 * n, 1, scale);
    fill(lc->proj, n, 4, 1.0f);
    run_attention(lc);
    /* every (b, head, t) row of att (B,NH,T,T): causal, no weight above the
     * diagonal, and its weights sum to 1 */
    for (int r = 0; r < lc->B * lc->NH * lc->T; r++) {
        const int t = r % lc->T;
        const float *row = lc->b + (size_t)r * lc->T;
        double sum = 0;
        for (int t2 = 0; t2 < lc->T; t2++) {
            cr_expect(t2 <= t || row[t2] == 0, "row %d: weight %g above the diagonal at %d", r, row[t2], t2);
            sum += row[t2];
        }
        cr_expect(fabs(sum - 1) < 1e-6, "row %d sums to %.9g", r, sum);
    }
    attention_backward(dqkv, datt, lc->c, lc->proj, lc->a, lc->b, lc->B, lc->T, lc->C, lc->NH);
    expect_grad(lc, lc->a, dqkv, 3 * n, "dqkv");
}

Test(layers, attention_backward)
{
    static LayerCase lc = {.run = run_attention, .B = 2, .T = 5, .C = 8, .NH = 2};
    check_attention(&lc, 1.0f);
}

/* Heads of 41 channels (a 32-channel tile, an 8-channel one and one
 * channel alone) and 11 positions (4-row tiles, a 16-column tile and a
 * partial one, rows left over): every path of the tiled kernels. */
Test(layers, attention_backward_wide_heads)
{
    static LayerCase lc = {.run = run_attention, .B = 1, .T = 11, .C = 82, .NH = 2};
    check_attention(&lc, 0.5f);
}

static void run_gelu(LayerCase *lc)
{
    activation_forward(lc->out, lc->a, lc->n_out, ACT_GELU);
}

Test(layers, gelu_backward)
{
    static LayerCase lc = {.run = run_gelu, .n_out = 64};
    static float da[MAX_FLOATS];
    fill(lc.a, lc.n_out, 1, 2.0f);
    fill(lc.proj, lc.n_out, 4, 1.0f);
    activation_backward(da, lc.proj, lc.a, lc.n_out, ACT_GELU);
    expect_grad(&lc, lc.a, da, lc.n_out, "dinp");
}

/* The fused layers of the transformer's step against the layers they fuse:
 * the residual add and LayerNorm, the LayerNorm backward added into the
 * residual gradient, GELU keeping its derivative, and GELU's backward with
 * the bias's column sums. The same arithmetic, so the same bits. */
Test(layers, fused_layers_equal_the_layers_they_fuse)
{
    enum { N = 37, C = 40, OC = 150 }; /* rows not a multiple of LN_ROWS, channels of COL_CHUNK, GELU_COLS */
    static float x[N * C], br[N * C], w[C], b[C], d[N * C], dres[N * C];
    static float res1[N * C], out1[N * C], mean1[N], rstd1[N], res2[N * C], out2[N * C], mean2[N], rstd2[N];
    static float di1[N * C], dw1[C], db1[C], di2[N * C], dw2[C], db2[C];
    static float h[N * OC], dh[N * OC], g1[N * OC], g2[N * OC], dact[N * OC], dg1[N * OC], dg2[N * OC];
    static float bias1[OC], bias2[OC];
    fill(x, N * C, 1, 2.0f), fill(br, N * C, 2, 1.0f), fill(w, C, 3, 1.0f), fill(b, C, 4, 1.0f);
    fill(d, N * C, 5, 1.0f), fill(dres, N * C, 6, 1.0f), fill(h, N * OC, 7, 3.0f), fill(dh, N * OC, 8, 1.0f);
    residual_forward(res1, x, br, N * C);
    layernorm_forward(out1, mean1, rstd1, res1, w, b, N, C);
    residual_layernorm_forward(res2, out2, mean2, rstd2, x, br, w, b, N, C);
    cr_expect_eq(memcmp(res1, res2, sizeof res1), 0, "residual");
    cr_expect_eq(memcmp(out1, out2, sizeof out1), 0, "layernorm out");
    cr_expect_eq(memcmp(mean1, mean2, sizeof mean1) | memcmp(rstd1, rstd2, sizeof rstd1), 0, "mean, rstd");
    layernorm_backward(di1, dw1, db1, d, res1, w, mean1, rstd1, N, C);
    residual_backward(di1, dres, di1, N * C);
    memcpy(di2, dres, sizeof di2);
    layernorm_backward_add(di2, dw2, db2, d, res1, w, mean1, rstd1, N, C);
    cr_expect_eq(memcmp(di1, di2, sizeof di1), 0, "dinp added into the residual gradient");
    cr_expect_eq(memcmp(dw1, dw2, sizeof dw1) | memcmp(db1, db2, sizeof db1), 0, "dweight, dbias");
    activation_forward(g1, h, N * OC, ACT_GELU);
    activation_backward(dg1, dh, h, N * OC, ACT_GELU);
    column_sums(bias1, dg1, N, OC);
    gelu_forward_keep(g2, dact, h, N * OC);
    gelu_backward_colsum(dg2, bias2, dh, dact, N, OC);
    cr_expect_eq(memcmp(g1, g2, sizeof g1), 0, "gelu out");
    cr_expect_eq(memcmp(dg1, dg2, sizeof dg1), 0, "gelu dinp");
    cr_expect_eq(memcmp(bias1, bias2, sizeof bias1), 0, "bias column sums");
    memcpy(g2, h, sizeof g2); /* dact in place of the pre-activation, as the model keeps it */
    gelu_forward_keep(dg2, g2, g2, N * OC);
    cr_expect_eq(memcmp(g2, dact, sizeof dact), 0, "dact written over inp");
}

static void run_encoder(LayerCase *lc)
{
    encoder_forward(lc->out, lc->tokens, lc->a, lc->b, lc->B, lc->T, lc->C);
}

Test(layers, encoder_backward_adds_into_dwte)
{
    static LayerCase lc = {.run = run_encoder, .B = 2, .T = 3, .C = 4, .V = 5};
    static float dwte[MAX_FLOATS], dwpe[MAX_FLOATS];
    const size_t n = (size_t)lc.B * lc.T * lc.C;
    const int32_t tokens[] = {0, 3, 3, 4, 0, 1};
    memcpy(lc.tokens, tokens, sizeof tokens);
    lc.n_out = n;
    fill(lc.a, (size_t)lc.V * lc.C, 1, 1.0f);
    fill(lc.b, (size_t)lc.T * lc.C, 2, 1.0f);
    fill(lc.proj, n, 4, 1.0f);
    for (int i = 0; i < lc.V * lc.C; i++) dwte[i] = 1.0f; /* what the tied head wrote */
    encoder_backward(dwte, dwpe, lc.proj, lc.tokens, lc.B, lc.T, lc.C);
    for (int i = 0; i < lc.V * lc.C; i++) dwte[i] -= 1.0f;
    expect_grad(&lc, lc.a, dwte, (size_t)lc.V * lc.C, "dwte");
    expect_grad(&lc, lc.b, dwpe, (size_t)lc.T * lc.C, "dwpe");
}

static void run_linear_nobias(LayerCase *lc)
{
    linear_forward(lc->out, lc->a, lc->b, NULL, lc->B, lc->C, lc->V);
}

Test(layers, linear_without_bias_backward)
{
    static LayerCase lc = {.run = run_linear_nobias, .B = 4, .C = 6, .V = 5};
    static float da[MAX_FLOATS], dw[MAX_FLOATS];
    lc.n_out = (size_t)lc.B * lc.V;
    fill(lc.a, (size_t)lc.B * lc.C, 1, 1.0f);
    fill(lc.b, (size_t)lc.V * lc.C, 2, 1.0f);
    fill(lc.proj, lc.n_out, 4, 1.0f);
    linear_backward(da, dw, NULL, lc.proj, lc.a, lc.b, lc.B, lc.C, lc.V);
    expect_grad(&lc, lc.a, da, (size_t)lc.B * lc.C, "dinp");
    expect_grad(&lc, lc.b, dw, (size_t)lc.V * lc.C, "dweight");
}

static void run_residual(LayerCase *lc)
{
    residual_forward(lc->out, lc->a, lc->b, lc->n_out);
}

Test(layers, residual_backward)
{
    static LayerCase lc = {.run = run_residual, .n_out = 16};
    static float dthrough[16], d[16];
    fill(lc.a, lc.n_out, 1, 1.0f);
    fill(lc.b, lc.n_out, 2, 1.0f);
    fill(lc.proj, lc.n_out, 4, 1.0f);
    fill(dthrough, lc.n_out, 5, 1.0f);
    residual_backward(d, lc.proj, dthrough, lc.n_out);
    for (size_t i = 0; i < lc.n_out; i++) d[i] -= dthrough[i]; /* the direct path alone */
    expect_grad(&lc, lc.a, d, lc.n_out, "dinp");
    expect_grad(&lc, lc.b, lc.proj, lc.n_out, "dbranch");
}

/* softmax cross-entropy as a layer: the loss itself, with one row ignored. */
static double xent_loss(LayerCase *lc)
{
    long correct = 0;
    return softmax_xent_forward(lc->out, &correct, lc->a, lc->tokens, lc->B, lc->V);
}

Test(layers, softmax_xent_ignores_negative_targets)
{
    static LayerCase lc = {.B = 3, .V = 4};
    static float dlogits[MAX_FLOATS];
    const int32_t targets[] = {2, -1, 0};
    memcpy(lc.tokens, targets, sizeof targets);
    fill(lc.a, (size_t)lc.B * lc.V, 1, 1.0f);
    xent_loss(&lc);
    softmax_xent_backward(dlogits, lc.out, lc.tokens, lc.B, lc.V, 1.0f);
    for (int i = 0; i < lc.B * lc.V; i++) {
        const float orig = lc.a[i], h = 1e-2f;
        lc.a[i] = orig + h;
        const double lp = xent_loss(&lc);
        lc.a[i] = orig - h;
        const double lm = xent_loss(&lc);
        lc.a[i] = orig;
        const double numeric = (lp - lm) / (2.0 * h);
        cr_expect(fabs(numeric - dlogits[i]) <= 1e-3, "dlogits[%d]: analytic %.7g, numeric %.7g", i, dlogits[i],
                  numeric);
    }
    for (int v = 0; v < lc.V; v++) cr_expect_eq(dlogits[lc.V + v], 0.0f, "ignored row has no gradient");
}

/* ---- the whole model ---- */

static void set_problem(RunConfig *cfg, const char *spec)
{
    char err[ERRMSG_MAX];
    config_defaults(cfg);
    cr_assert_eq(config_set_problem(cfg, spec, err, sizeof err), 0, "%s", err);
}

static void expect_gradcheck(const char *spec)
{
    RunConfig cfg;
    GradcheckTensor t[64];
    int n = 0;
    char err[ERRMSG_MAX];
    set_problem(&cfg, spec);
    cr_assert_eq(gradcheck(cfg.problem, &cfg.problem_opts, DEVICE_CPU, 0, 6, t, 64, &n, err, sizeof err), 0, "%s", err);
    cr_expect_eq(n, 2 + 2 * 12 + 2, "wte, wpe, 12 tensors per block, lnf");
    for (int i = 0; i < n; i++)
        cr_expect(t[i].worst_rel <= cfg.problem->gradcheck_tol, "%s %s: rel error %.2e (analytic %.9g, numeric %.9g)",
                  spec, t[i].tensor, t[i].worst_rel, t[i].analytic, t[i].numeric);
}

Test(transformer, gradcheck_chars, .timeout = 120)
{
    expect_gradcheck("transformer,task=chars,corpus=" FIX "corpus.txt" SMALL);
}

Test(transformer, gradcheck_modadd, .timeout = 120)
{
    expect_gradcheck("transformer,task=modadd,p=13" SMALL);
}

/* Mean training loss of rows [from, from + n). */
static double mean_loss(const Rows *r, int from, int n)
{
    double s = 0;
    for (int i = from; i < from + n; i++) s += r->rows[i].loss;
    return s / n;
}

Test(transformer, chars_loss_falls)
{
    static Rows rows;
    RunSummary sum;
    test_run("transformer,corpus=" FIX "corpus.txt,layers=1,d_model=32,heads=2,context=16,batch=8", "adamw,lr=3e-3",
        100, &rows, &sum);
    const double first = mean_loss(&rows, 0, 10), last = mean_loss(&rows, rows.n - 10, 10);
    cr_expect_lt(last, first - 1.0, "mean loss of the first 10 steps %.4f, of the last 10 %.4f", first, last);
    cr_expect_lt(sum.eval_loss, 3.0, "held-out loss %.4f", sum.eval_loss);
    cr_expect_gt(sum.activation_bytes, 0);
}

Test(transformer, modadd_loss_falls)
{
    static Rows rows;
    RunSummary sum;
    test_run("transformer,task=modadd,p=7,train_fraction=0.8,layers=1,d_model=32,heads=2,batch=64", "adamw,lr=3e-3",
        150, &rows, &sum);
    const double first = mean_loss(&rows, 0, 10), last = mean_loss(&rows, rows.n - 10, 10);
    cr_expect_lt(last, 0.5 * first, "mean loss of the first 10 steps %.4f, of the last 10 %.4f", first, last);
    cr_expect_float_eq(rows.rows[0].loss, log(8.0), 0.15, "near log(vocabulary) at init: %.4f", rows.rows[0].loss);
    cr_expect(isfinite(sum.eval_accuracy));
}

/* Same seed, same losses, bit for bit, on 1, 2 or 3 threads: the bench
 * configuration's shapes (d_model 128, context 64, batch 16: two forward
 * blocks of 8 sequences) with fewer layers, 20 sequences (blocks of 8, 8
 * and 4), and a smaller model whose products stay on one thread. */
Test(transformer, losses_do_not_depend_on_thread_count)
{
    expect_losses_independent_of_threads("transformer,corpus=" FIX "corpus.txt,layers=1,d_model=128,heads=4,context=64,"
                                         "batch=16", "adamw,lr=1e-3", 3);
    expect_losses_independent_of_threads("transformer,corpus=" FIX "corpus.txt,layers=1,d_model=32,heads=2,context=64,"
                                         "batch=20", "adamw,lr=1e-3", 3);
    expect_losses_independent_of_threads("transformer,corpus=" FIX "corpus.txt,layers=2,d_model=64,heads=4,context=32,"
                                         "batch=8", "adamw,lr=1e-3", 5);
}

/* The products a step computes, as gemm_rate times them (the sgemm floor of
 * bench --gemm): every linear layer's input gradient paired with its weight
 * gradient, and FLOPs that add up to the step's less the attention's. */
Test(transformer, products_are_the_steps_calls)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    set_problem(&cfg, "transformer,corpus=" FIX "corpus.txt,layers=2,d_model=64,heads=4,context=32,batch=8");
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_assert_not_null(pb, "%s", err);
    const ProblemFlops *f = &pb->flops;
    const double B = 8, T = 32, C = 64;
    double sum = 0;
    int pairs = 0;
    for (int i = 0; i < f->n_gemms; i++) {
        const GemmShape *g = &f->gemms[i];
        sum += 2.0 * g->M * g->N * g->K * g->count;
        if (!g->paired) continue;
        pairs++;
        cr_assert_lt(i + 1, f->n_gemms);
        const GemmShape *w = g + 1; /* dW (OC,C) = dout^T (OC,N) inp (N,C) after dinp (N,C) = dout (N,OC) W (OC,C) */
        cr_expect(!g->trans_a && !g->trans_b && w->trans_a && !w->trans_b, "pair %d: dinp then dW", i);
        cr_expect(w->M == g->K && w->N == g->N && w->K == g->M && w->count == g->count, "pair %d: one layer's", i);
    }
    cr_expect_eq(pairs, 5, "qkv, attention projection, MLP up and down, the head");
    cr_expect_eq(sum, f->forward + f->backward - 2 * (6 * 2.0 * B * T * T * C), "all but the attention's FLOPs");
    cfg.problem->destroy(pb);
}

/* Every buffer is allocated in create: steps and evaluations allocate nothing. */
Test(transformer, no_allocation_in_a_step)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    double loss, acc;
    set_problem(&cfg, "transformer,task=modadd,p=11" SMALL);
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_assert_not_null(pb, "%s", err);
    float *p = mem_alloc(pb->n_params * sizeof(float)), *g = mem_alloc(pb->n_params * sizeof(float));
    cfg.problem->init(pb, p, 0);
    mem_reset_peak();
    const size_t held = mem_current();
    for (uint64_t b = 0; b < 5; b++) cfg.problem->loss_and_grad(pb, p, g, 0, b);
    cr_expect_eq(cfg.problem->eval(pb, p, &loss, &acc), 0);
    cr_expect_eq(mem_peak(), held);
    mem_free(p);
    mem_free(g);
    cfg.problem->destroy(pb);
}

/* nanoGPT's init: LayerNorm 1/0, biases 0, weights of standard deviation 0.02. */
Test(transformer, init_follows_gpt2)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    set_problem(&cfg, "transformer,task=modadd,p=31,layers=2,d_model=64,heads=4");
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_assert_not_null(pb, "%s", err);
    float *p = mem_alloc(pb->n_params * sizeof(float));
    cfg.problem->init(pb, p, 3);
    for (int v = 0; v < pb->n_views; v++) {
        const TensorView *t = &pb->views[v];
        const size_t n = t->shape[0] * (t->ndim == 2 ? t->shape[1] : 1);
        double sq = 0;
        for (size_t i = 0; i < n; i++) sq += (double)p[t->offset + i] * p[t->offset + i];
        if (t->ndim == 2 && strstr(t->name, "proj.weight"))
            cr_expect_float_eq(sqrt(sq / n), 0.02 / 2.0, 0.002, "%s", t->name); /* 0.02/sqrt(2*layers) */
        else if (t->ndim == 2)
            cr_expect_float_eq(sqrt(sq / n), 0.02, 0.004, "%s", t->name);
        else
            cr_expect_float_eq(p[t->offset], strstr(t->name, "weight") ? 1.0f : 0.0f, 0, "%s", t->name);
    }
    mem_free(p);
    cfg.problem->destroy(pb);
}

/* ---- option and corpus errors ---- */

static void expect_create_error(const char *spec, const char *message)
{
    RunConfig cfg;
    char err[ERRMSG_MAX] = "";
    set_problem(&cfg, spec);
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_expect_null(pb, "%s: created", spec);
    if (pb) cfg.problem->destroy(pb);
    cr_expect(strstr(err, message) != NULL, "%s: message '%s', expected '%s'", spec, err, message);
}

Test(transformer, corpus_errors)
{
    expect_create_error("transformer,corpus=" FIX "none.txt", FIX "none.txt: cannot open");
    expect_create_error("transformer,corpus=" FIX "empty.txt", FIX "empty.txt: byte 0: empty corpus");
    expect_create_error("transformer,corpus=" FIX "short_corpus.txt,context=16",
                        FIX "short_corpus.txt: byte 10: corpus ends before context + 1 = 17 bytes");
    expect_create_error("transformer,corpus=" FIX "short_corpus.txt,context=9",
                        "short_corpus.txt: byte 9: the training part (first 90%) ends before context + 1 = 10");
    expect_create_error("transformer,task=modadd,d_model=30,heads=4", "d_model = 30 is not a multiple of heads = 4");
}
