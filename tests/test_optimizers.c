/* test_optimizers.c — every optimizer against the golden update vectors of
 * tests/golden/, and the hyperparameter validation rules. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/check/golden.h"
#include "optimizers/optimizer.h"

typedef struct {
    char file[64]; /* golden file under tests/golden/ */
} GoldenCase;

ParameterizedTestParameters(optimizers, golden)
{
    static GoldenCase cases[] = {
        {"sgd_1.txt"},     {"sgd_2.txt"},     {"sgd_3.txt"},   {"sgd_4.txt"},   {"adagrad_1.txt"},
        {"adagrad_2.txt"}, {"rmsprop_1.txt"}, {"rmsprop_2.txt"}, {"adam_1.txt"}, {"adam_2.txt"},
        {"adamw_1.txt"},   {"adamw_2.txt"},   {"lion_1.txt"},  {"lion_2.txt"},  {"lion_3.txt"},
    };
    return cr_make_param_array(GoldenCase, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(GoldenCase *c, optimizers, golden)
{
    char path[128], err[ERRMSG_MAX];
    Golden g;
    GoldenResult r;
    snprintf(path, sizeof path, "tests/golden/%s", c->file);
    cr_assert_eq(golden_load(path, &g, err, sizeof err), 0, "%s", err);
    cr_assert_eq(golden_check(&g, DEVICE_CPU, &r, err, sizeof err), 0, "%s", err);
    cr_expect(r.ok, "%s: step %ld index %zu got %.9g expected %.9g (err %.2e)", c->file, r.worst_step,
              r.worst_index, (double)r.got, (double)r.expected, r.worst_err);
    golden_free(&g);
}

/* Every golden file's optimizer is covered by the table above. */
Test(optimizers, every_registered_paper_optimizer_has_golden_vectors)
{
    const char *with_golden[] = {"sgd", "adagrad", "rmsprop", "adam", "adamw", "lion"};
    for (size_t i = 0; i < sizeof with_golden / sizeof with_golden[0]; i++)
        cr_expect_not_null(optimizer_find(with_golden[i]), "%s", with_golden[i]);
}

/* lion_l2 is lion with beta1 = beta2 = beta and wd_mode l2: same trajectory. */
Test(optimizers, lion_l2_equals_lion_with_tied_betas)
{
    enum { N = 257 };
    float p1[N], p2[N], m1[N] = {0}, m2[N] = {0}, g[N];
    for (int i = 0; i < N; i++) p1[i] = p2[i] = (float)(i % 7) - 3.0f;
    const OptimizerDef *lion = optimizer_find("lion"), *l2 = optimizer_find("lion_l2");
    ParamSet a, b;
    Spec sa, sb;
    char err[ERRMSG_MAX];
    spec_parse("lion,lr=0.01,beta1=0.9,beta2=0.9,weight_decay=0.1,wd_mode=l2", &sa, err, sizeof err);
    spec_parse("lion_l2,lr=0.01,beta=0.9,weight_decay=0.1", &sb, err, sizeof err);
    cr_assert_eq(optimizer_configure(lion, &sa, &a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(optimizer_configure(l2, &sb, &b, err, sizeof err), 0, "%s", err);
    float *s1[] = {m1}, *s2[] = {m2};
    for (int t = 1; t <= 20; t++) {
        for (int i = 0; i < N; i++) g[i] = (float)((i * 31 + t * 17) % 11) - 5.0f;
        lion->step_cpu(a.num, s1, p1, g, N, t, 0.01);
        l2->step_cpu(b.num, s2, p2, g, N, t, 0.01);
    }
    cr_expect_eq(memcmp(p1, p2, sizeof p1), 0);
}

/* A large step runs on several threads; it must equal the same step taken
 * serially in small pieces. */
Test(optimizers, parallel_step_matches_serial)
{
    const size_t n = 3 * OPT_PARALLEL_MIN + 5;
    float *p = malloc(n * sizeof *p), *q = malloc(n * sizeof *q), *g = malloc(n * sizeof *g);
    float *m = calloc(n, sizeof *m), *v = calloc(n, sizeof *v), *m2 = calloc(n, sizeof *m2),
          *v2 = calloc(n, sizeof *v2);
    for (size_t i = 0; i < n; i++) {
        p[i] = q[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
        g[i] = (float)((i * 104729) % 1000) / 250.0f - 2.0f;
    }
    const OptimizerDef *adamw = optimizer_find("adamw");
    ParamSet hp;
    params_init(&hp, adamw->hparams, adamw->n_hparams);
    float *sp[] = {m, v};
    adamw->step_cpu(hp.num, sp, p, g, n, 1, 1e-3);
    for (size_t off = 0; off < n; off += 1000) {
        size_t len = n - off < 1000 ? n - off : 1000;
        float *sc[] = {m2 + off, v2 + off};
        adamw->step_cpu(hp.num, sc, q + off, g + off, len, 1, 1e-3);
    }
    cr_expect_eq(memcmp(p, q, n * sizeof *p), 0);
    free(p), free(q), free(g), free(m), free(v), free(m2), free(v2);
}

typedef struct {
    char spec[96];     /* optimizer spec */
    char message[64];  /* text the error must contain; empty: valid */
} ValidationCase;

ParameterizedTestParameters(optimizers, validation)
{
    static ValidationCase cases[] = {
        {"adamw", ""},
        {"lion,lr=3e-4,weight_decay=0.5", ""},
        {"sgd,lr=0.1,momentum=0.9,nesterov=true", ""},
        {"adam,lr=-1", "lr = '-1'"},
        {"adam,lr=-1", "allowed [0, inf)"},
        {"adam,beta1=1", "allowed [0, 1)"},
        {"adam,beta2=-0.1", "beta2"},
        {"lion,beta1=1.5", "beta1"},
        {"adam,eps=0", "allowed (0, inf)"},
        {"rmsprop,eps=-1e-8", "eps"},
        {"sgd,nesterov=1", "nesterov = 1 needs momentum > 0"},
        {"sgd,nesterov=1,momentum=0.9,dampening=0.1", "dampening = 0"},
        {"adam,bogus=1", "unknown key 'bogus'"},
        {"adam,lr=abc", "lr = 'abc'"},
        {"adam,amsgrad=maybe", "allowed 0|1"},
        {"lion,wd_mode=l1", "allowed decoupled|l2"},
        {"adam,lr=1e-3,lr=1e-2", "given twice"},
        {"adam,lr", "expected key=value"},
    };
    return cr_make_param_array(ValidationCase, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(ValidationCase *c, optimizers, validation)
{
    Spec spec;
    ParamSet hp;
    char err[ERRMSG_MAX] = "";
    int rc = spec_parse(c->spec, &spec, err, sizeof err);
    if (rc == 0) rc = optimizer_configure(optimizer_find(spec.name), &spec, &hp, err, sizeof err);
    if (!c->message[0]) {
        cr_expect_eq(rc, 0, "%s: %s", c->spec, err);
    } else {
        cr_expect_neq(rc, 0, "%s accepted", c->spec);
        cr_expect(strstr(err, c->message) != NULL, "%s: '%s' lacks '%s'", c->spec, err, c->message);
    }
}
