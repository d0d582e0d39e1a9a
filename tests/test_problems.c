/* test_problems.c — logreg and mlp: gradient checks for every activation,
 * fixed-seed runs that reach a known held-out accuracy, bit-identical losses
 * whatever the thread count, and no allocation inside a step. */
#include <cblas.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/config.h"
#include "harness/check/gradcheck.h"
#include "harness/core/memory.h"
#include "harness/run/runner.h"
#include "problems/classifier.h"
#include "tests/run_support.h"


typedef struct {
    char spec[96]; /* problem spec */
} SpecCase;

ParameterizedTestParameters(problems, gradcheck)
{
    static SpecCase cases[] = {
        {"logreg,dataset=digits"},
        {"logreg,dataset=breast_cancer,batch=0"},
        {"mlp,dataset=iris,hidden=[16],activation=relu"},
        {"mlp,dataset=iris,hidden=[16],activation=gelu"},
        {"mlp,dataset=iris,hidden=[16],activation=tanh"},
        {"mlp,dataset=digits,hidden=[32,16],activation=relu"},
        {"mlp,dataset=digits,hidden=[32,16],activation=gelu"},
        {"mlp,dataset=wine,hidden=[8,8,8],activation=tanh,batch=0"},
    };
    return cr_make_param_array(SpecCase, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(SpecCase *c, problems, gradcheck)
{
    RunConfig cfg;
    GradcheckTensor t[16];
    int n = 0;
    char err[ERRMSG_MAX];
    config_defaults(&cfg);
    cr_assert_eq(config_set_problem(&cfg, c->spec, err, sizeof err), 0, "%s", err);
    cr_assert_eq(gradcheck(cfg.problem, &cfg.problem_opts, DEVICE_CPU, 0, 32, t, 16, &n, err, sizeof err), 0, "%s", err);
    cr_expect_gt(n, 0);
    for (int i = 0; i < n; i++)
        cr_expect(t[i].worst_rel <= cfg.problem->gradcheck_tol, "%s %s: rel error %.2e (analytic %.9g, numeric %.9g)",
                  c->spec, t[i].tensor, t[i].worst_rel, t[i].analytic, t[i].numeric);
}

Test(problems, logreg_digits_reaches_known_accuracy)
{
    static Rows rows;
    RunSummary sum;
    test_run("logreg,dataset=digits,batch=64", "adam,lr=1e-2", 1000, &rows, &sum);
    cr_expect_geq(sum.eval_accuracy, 0.95, "held-out accuracy %.4f", sum.eval_accuracy);
    cr_expect_eq(sum.n_params, 10 * 64 + 10);
    cr_expect_float_eq(sum.first_loss, log(10.0), 1e-6, "zero init gives log(classes)");
}

Test(problems, mlp_digits_reaches_known_accuracy)
{
    static Rows rows;
    RunSummary sum;
    test_run("mlp,dataset=digits,hidden=[64],activation=gelu,batch=64", "adamw,lr=1e-3", 500, &rows, &sum);
    cr_expect_geq(sum.eval_accuracy, 0.95, "held-out accuracy %.4f", sum.eval_accuracy);
    cr_expect_lt(sum.eval_loss, 0.2, "held-out loss %.4f", sum.eval_loss);
}

/* Same seed, same losses, bit for bit, on 1, 2 or 3 threads (matrix
 * products split by rows of their output, gemm.h). */
Test(problems, losses_do_not_depend_on_thread_count)
{
    expect_losses_independent_of_threads("mlp,dataset=digits,hidden=[256,128],batch=128,activation=gelu", "adamw,lr=1e-3",
                                         20);
    expect_losses_independent_of_threads("mlp,dataset=digits,hidden=[128,128],batch=128,activation=tanh", "adamw,lr=1e-3",
                                         20);
}

/* Loss, every gradient element and the evaluation of a classifier step,
 * the same bit for bit on 1 to 4 threads: minibatches of whole and partial
 * row blocks (classifier.h), an epoch's shorter last batch, the full
 * training set in one batch, no hidden layer (logreg on a CSV of 400
 * features and 10 classes, wide enough that its batch of 300 rows takes
 * threads: digits' 64 features would need 1638 rows). */
Test(problems, classifier_gradients_do_not_depend_on_thread_count)
{
    char wide_path[] = "/tmp/optbench-wide-XXXXXX", wide[128];
    const int fd = mkstemp(wide_path);
    cr_assert_geq(fd, 0);
    FILE *csv = fdopen(fd, "w");
    cr_assert_not_null(csv);
    fprintf(csv, "600,400,c0,c1,c2,c3,c4,c5,c6,c7,c8,c9\n");
    for (int r = 0; r < 600; r++) {
        for (int j = 0; j < 400; j++) fprintf(csv, "%d,", (r * 7 + j * 13) % 17);
        fprintf(csv, "%d\n", r % 10);
    }
    fclose(csv);
    snprintf(wide, sizeof wide, "logreg,dataset=csv:%s,batch=300", wide_path);
    const char *specs[] = {
        "mlp,dataset=digits,hidden=[256,128],batch=128,activation=relu",
        "mlp,dataset=digits,hidden=[200,72,40],batch=100,activation=relu",
        "mlp,dataset=digits,hidden=[300],batch=0,activation=gelu",
        wide,
    };
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        RunConfig cfg;
        char err[ERRMSG_MAX];
        config_defaults(&cfg);
        cr_assert_eq(config_set_problem(&cfg, specs[s], err, sizeof err), 0, "%s", err);
        Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
        cr_assert_not_null(pb, "%s", err);
        if (specs[s] == wide) /* its full batches take threads, so the case means something */
            cr_assert_lt(((const Classifier *)pb)->par_min_rows, 300, "%s", specs[s]);
        const size_t n = pb->n_params;
        float *p = mem_alloc(n * sizeof(float)), *ref = mem_alloc(n * sizeof(float)), *g = mem_alloc(n * sizeof(float));
        cfg.problem->init(pb, p, 3);
        for (size_t i = 0; i < n; i++) p[i] += (float)(i % 13) * 0.01f - 0.06f; /* zero-init logreg too */
        openblas_set_num_threads(1);
        for (uint64_t b = 10; b < 13; b++) { /* digits' 1438 training rows: batch 11 of 128 has 30 */
            omp_set_num_threads(1);
            const double loss = cfg.problem->loss_and_grad(pb, p, ref, 5, b);
            double e_ref, a_ref, e, a;
            cr_assert_eq(cfg.problem->eval(pb, p, &e_ref, &a_ref), 0);
            for (int threads = 2; threads <= 4; threads++) {
                omp_set_num_threads(threads);
                const double l = cfg.problem->loss_and_grad(pb, p, g, 5, b);
                size_t differ = 0;
                for (size_t i = 0; i < n; i++) differ += memcmp(&ref[i], &g[i], sizeof(float)) != 0;
                cr_expect_eq(memcmp(&loss, &l, sizeof l), 0, "%s batch %lu, %d threads: loss %.17g vs %.17g",
                             specs[s], (unsigned long)b, threads, l, loss);
                cr_expect_eq(differ, 0, "%s batch %lu, %d threads: %zu of %zu gradient elements differ", specs[s],
                             (unsigned long)b, threads, differ, n);
                cr_assert_eq(cfg.problem->eval(pb, p, &e, &a), 0);
                cr_expect(!memcmp(&e, &e_ref, sizeof e) && a == a_ref, "%s, %d threads: held-out %.17g %.6f vs %.17g %.6f",
                          specs[s], threads, e, a, e_ref, a_ref);
            }
        }
        omp_set_num_threads(1);
        mem_free(p), mem_free(ref), mem_free(g);
        cfg.problem->destroy(pb);
    }
    remove(wide_path);
}

/* The seed moves the minibatch order and the init, not the held-out split. */
Test(problems, seed_moves_batches_not_split)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    double l0, l1, e0, e1, acc;
    config_defaults(&cfg);
    cr_assert_eq(config_set_problem(&cfg, "logreg,dataset=iris,batch=8", err, sizeof err), 0, "%s", err);
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_assert_not_null(pb, "%s", err);
    float params[15], grads[15];
    cfg.problem->init(pb, params, 0);
    for (int i = 0; i < 15; i++) params[i] = (float)(i % 5) * 0.1f - 0.2f;
    l0 = cfg.problem->loss_and_grad(pb, params, grads, 0, 3);
    l1 = cfg.problem->loss_and_grad(pb, params, grads, 1, 3);
    cr_expect_neq(l0, l1, "different seeds, different minibatch 3");
    cr_expect_eq(cfg.problem->loss_and_grad(pb, params, grads, 0, 3), l0);
    cr_assert_eq(cfg.problem->eval(pb, params, &e0, &acc), 0);
    cfg.problem->loss_and_grad(pb, params, grads, 7, 100);
    cr_assert_eq(cfg.problem->eval(pb, params, &e1, &acc), 0);
    cr_expect_eq(e0, e1);
    cfg.problem->destroy(pb);
}

/* Every buffer is allocated in create: a step and an evaluation allocate nothing. */
Test(problems, no_allocation_in_a_step)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    double loss, acc;
    config_defaults(&cfg);
    cr_assert_eq(config_set_problem(&cfg, "mlp,dataset=digits,hidden=[32]", err, sizeof err), 0, "%s", err);
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_assert_not_null(pb, "%s", err);
    float *p = mem_alloc(pb->n_params * sizeof(float)), *g = mem_alloc(pb->n_params * sizeof(float));
    cfg.problem->init(pb, p, 0);
    mem_reset_peak();
    const size_t held = mem_current();
    for (uint64_t b = 0; b < 40; b++) cfg.problem->loss_and_grad(pb, p, g, 0, b);
    cfg.problem->eval(pb, p, &loss, &acc);
    cr_expect_eq(mem_peak(), held);
    cr_expect_gt(pb->activation_bytes, 0);
    mem_free(p);
    mem_free(g);
    cfg.problem->destroy(pb);
}

/* Without held-out rows eval says so; torch.nn.Linear's bound holds. */
Test(problems, no_test_rows_and_init_bounds)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    double loss, acc;
    config_defaults(&cfg);
    cr_assert_eq(config_set_problem(&cfg, "mlp,dataset=iris,hidden=[100],test_fraction=0", err, sizeof err), 0, "%s", err);
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_assert_not_null(pb, "%s", err);
    static float p[4 * 100 + 100 + 100 * 3 + 3];
    cr_assert_eq(pb->n_params, sizeof p / sizeof p[0]);
    cfg.problem->init(pb, p, 5);
    float lo = 0, hi = 0;
    for (int i = 0; i < 500; i++) lo = fminf(lo, p[i]), hi = fmaxf(hi, p[i]);
    cr_expect(lo >= -0.5f && hi <= 0.5f && hi - lo > 0.9f, "layer0 in [-1/sqrt(4), 1/sqrt(4)]: [%g, %g]", lo, hi);
    cr_expect_eq(cfg.problem->eval(pb, p, &loss, &acc), -1);
    cfg.problem->destroy(pb);
}

/* FLOP accounting from the shapes (problem.h): an MLP's products, a first
 * layer without an input gradient, an evaluation over the held-out rows,
 * and the run's step = forward + backward + AdamW's 16 per parameter. */
Test(problems, mlp_flops_follow_the_shapes)
{
    RunConfig cfg = test_config("mlp,dataset=digits,hidden=[256,128],batch=128", "adamw", 3);
    char err[ERRMSG_MAX];
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_assert_not_null(pb, "%s", err);
    const double per_row = 2.0 * (64 * 256 + 256 * 128 + 128 * 10);
    cr_expect_eq(pb->flops.forward, 128 * per_row);
    cr_expect_eq(pb->flops.backward, 2.0 * 128 * 64 * 256 + 4.0 * 128 * (256 * 128 + 128 * 10));
    cr_expect_gt(pb->flops.eval, 0);
    cr_expect_eq(fmod(pb->flops.eval, per_row), 0, "a whole number of held-out rows");
    cr_expect_eq(pb->flops.n_gemms, 8, "3 forward, 2 input gradients, 3 weight-gradient blocks");
    const double step = pb->flops.forward + pb->flops.backward + 16.0 * (double)pb->n_params;
    cfg.problem->destroy(pb);
    static Rows rows;
    RunSummary sum;
    cfg.log_every = 1;
    rows.n = 0;
    runner_run(&cfg, keep_row, &rows, &sum);
    cr_expect_eq(sum.flops_per_step, step);
    cr_expect_float_eq(sum.gflops, step / sum.step_median / 1e9, 1e-9 * sum.gflops);
    cr_expect_gt(sum.sgemm_gflops, 0, "the rate on its shapes was measured");
    cr_expect_geq(sum.threads, 1);
}

/* The products an MLP declares for gemm_rate (the sgemm floor and MFU of
 * bench --gemm) are those its step computes: a batch of 150 rows is row
 * blocks of 64, 64 and 22 rows (loop 1), each its forward layer by layer
 * then its input gradients from the top down; then the weight gradients in
 * column blocks of at most CLS_GRAD_COLS over every row (loop 2), one
 * product a unit, largest first; their FLOPs are the step's. */
Test(problems, mlp_products_are_the_steps_blocks)
{
    RunConfig cfg = test_config("mlp,dataset=digits,hidden=[256,128],batch=150", "adamw", 1);
    char err[ERRMSG_MAX];
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_assert_not_null(pb, "%s", err);
    const ProblemFlops *f = &pb->flops;
    const int w[] = {64, 256, 128, 10}, L = 3, rows = 150, block_rows[] = {64, 64, 22};
    double sum = 0;
    int cols[3] = {0}, units[3] = {0};
    for (int i = 0; i < f->n_gemms; i++) {
        const GemmShape *g = &f->gemms[i];
        sum += 2.0 * g->M * g->N * g->K * g->count;
        cr_assert(g->loop == 1 || g->loop == 2, "shape %d: loop %d", i, g->loop);
        cr_expect(!g->paired && (i == 0 || g->loop >= g[-1].loop), "shape %d: single, loop 1 before loop 2", i);
        if (g->unit + g->count > units[g->loop]) units[g->loop] = g->unit + g->count;
    }
    cr_expect_eq(sum, f->forward + f->backward, "the shapes' FLOPs are the step's");
    cr_assert_eq(units[1], 3, "one unit per row block");
    for (int u = 0; u < 3; u++) { /* the products of row block u, in order */
        GemmShape want[5];
        int n = 0, got = 0;
        for (int l = 0; l < L; l++)
            want[n++] = (GemmShape){.trans_b = true, .M = block_rows[u], .N = w[l + 1], .K = w[l]};
        for (int l = L - 1; l > 0; l--) want[n++] = (GemmShape){.M = block_rows[u], .N = w[l], .K = w[l + 1]};
        for (int i = 0; i < f->n_gemms; i++) {
            const GemmShape *g = &f->gemms[i];
            if (g->loop != 1 || u < g->unit || u >= g->unit + g->count) continue;
            cr_assert_lt(got, n, "block %d: more than %d products", u, n);
            const GemmShape *e = &want[got++];
            cr_expect(g->trans_a == e->trans_a && g->trans_b == e->trans_b && g->M == e->M && g->N == e->N &&
                          g->K == e->K, "block %d product %d: %c%c %dx%dx%d, want %c%c %dx%dx%d", u, got,
                      "NT"[g->trans_a], "NT"[g->trans_b], g->M, g->N, g->K, "NT"[e->trans_a], "NT"[e->trans_b], e->M,
                      e->N, e->K);
        }
        cr_expect_eq(got, n, "block %d: %d products", u, got);
    }
    cr_expect_eq(units[2], 1 + 2 + 1, "64, 256 and 128 input columns in blocks of at most 128");
    long last_cost = 0;
    for (int u = 0; u < units[2]; u++) { /* one weight-gradient product a unit, largest first */
        int covering = 0;
        for (int i = 0; i < f->n_gemms; i++) {
            const GemmShape *g = &f->gemms[i];
            if (g->loop != 2 || u < g->unit || u >= g->unit + g->count) continue;
            covering++;
            cr_expect(g->trans_a && !g->trans_b && g->K == rows && g->N <= CLS_GRAD_COLS, "unit %d: dW block", u);
            cr_expect(u == 0 || (long)g->M * g->N <= last_cost, "unit %d: not larger than the one before", u);
            last_cost = (long)g->M * g->N;
            for (int l = 0; l < L; l++)
                if (g->M == w[l + 1]) cols[l] += g->N;
        }
        cr_expect_eq(covering, 1, "unit %d: one product", u);
    }
    for (int l = 0; l < L; l++) cr_expect_eq(cols[l], w[l], "layer %d: its blocks cover its %d input columns", l, w[l]);
    cfg.problem->destroy(pb);
}

/* A transformer: four linear layers and the attention per block, the tied
 * head; its backward is twice its forward. */
Test(problems, transformer_flops_follow_the_shapes)
{
    RunConfig cfg = test_config("transformer,corpus=tests/data/corpus.txt,layers=2,d_model=64,heads=4,context=32,batch=8",
                                "sgd", 1);
    char err[ERRMSG_MAX];
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_assert_not_null(pb, "%s", err);
    const double B = 8, T = 32, C = 64, N = B * T, V = (double)pb->views[0].shape[0];
    const double block = 2 * N * C * (3 * C + C + 4 * C + 4 * C) + 4 * B * T * T * C;
    cr_expect_eq(pb->flops.forward, 2 * block + 2 * N * C * V);
    cr_expect_eq(pb->flops.backward, 2 * pb->flops.forward);
    cr_expect_gt(pb->flops.eval, 0);
    cfg.problem->destroy(pb);
}
