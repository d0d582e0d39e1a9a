/* test_optimizers.c — every golden update vector file of tests/golden/
 * against its optimizer, every registered optimizer covered by at least one
 * of them, and the hyperparameter validation rules. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/check/golden.h"
#include "optimizers/optimizer.h"

#define GOLDEN_DIR "tests/golden"

typedef struct {
    char file[64]; /* golden file name under GOLDEN_DIR */
} GoldenCase;

static void free_cases(struct criterion_test_params *params) { cr_free(params->params); }

/* One case per golden file (GOLDEN_DIR/\*.txt), whatever its optimizer. */
ParameterizedTestParameters(optimizers, golden)
{
    glob_t files;
    GoldenCase *cases = NULL;
    size_t n = 0;
    if (glob(GOLDEN_DIR "/*.txt", 0, NULL, &files) == 0) {
        cases = cr_malloc(files.gl_pathc * sizeof *cases);
        for (size_t i = 0; cases && i < files.gl_pathc; i++)
            snprintf(cases[n++].file, sizeof cases->file, "%s", files.gl_pathv[i] + strlen(GOLDEN_DIR "/"));
        globfree(&files);
    }
    return cr_make_param_array(GoldenCase, cases, n, free_cases);
}

ParameterizedTest(GoldenCase *c, optimizers, golden)
{
    char path[128], err[ERRMSG_MAX];
    Golden g;
    GoldenResult r;
    snprintf(path, sizeof path, GOLDEN_DIR "/%s", c->file);
    cr_assert_eq(golden_load(path, &g, err, sizeof err), 0, "%s", err);
    cr_assert_eq(golden_check(&g, DEVICE_CPU, &r, err, sizeof err), 0, "%s: %s", c->file, err);
    cr_expect(r.ok, "%s: step %ld index %zu got %.9g expected %.9g (err %.2e)", c->file, r.worst_step,
              r.worst_index, (double)r.got, (double)r.expected, r.worst_err);
    golden_free(&g);
}

/* The optimizer a golden file name belongs to: the longest registered name
 * that the file name starts with, followed by '_'; NULL when none. */
static const OptimizerDef *optimizer_of_file(const char *base)
{
    const OptimizerDef *best = NULL;
    for (int k = 0; optimizer_registry[k]; k++) {
        size_t len = strlen(optimizer_registry[k]->name);
        if (strncmp(base, optimizer_registry[k]->name, len) == 0 && base[len] == '_' &&
            (!best || len > strlen(best->name)))
            best = optimizer_registry[k];
    }
    return best;
}

/* GOLDEN_DIR/FILES lists every golden file: each listed file exists, and
 * every file is listed, so that deleting one fails here naming its
 * optimizer. */
Test(optimizers, every_listed_golden_file_exists)
{
    enum { MAX_FILES = 256 };
    static char listed[MAX_FILES][128];
    char line[128], path[192];
    int n = 0;
    glob_t files;
    FILE *f = fopen(GOLDEN_DIR "/FILES", "r");
    cr_assert_not_null(f, "cannot open " GOLDEN_DIR "/FILES");
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#') continue;
        cr_assert_lt(n, MAX_FILES);
        snprintf(listed[n++], sizeof listed[0], "%s", line);
        const OptimizerDef *opt = optimizer_of_file(line);
        snprintf(path, sizeof path, GOLDEN_DIR "/%s", line);
        FILE *g = fopen(path, "r");
        cr_expect_not_null(g, "optimizer %s: golden file %s (listed in " GOLDEN_DIR "/FILES) is missing",
                           opt ? opt->name : "(none registered)", path);
        if (g) fclose(g);
    }
    fclose(f);
    if (glob(GOLDEN_DIR "/*.txt", 0, NULL, &files) != 0) return;
    for (size_t i = 0; i < files.gl_pathc; i++) {
        const char *base = files.gl_pathv[i] + strlen(GOLDEN_DIR "/");
        int found = 0;
        for (int k = 0; k < n && !found; k++) found = strcmp(listed[k], base) == 0;
        cr_expect(found, "golden file %s is not listed in " GOLDEN_DIR "/FILES", base);
    }
    globfree(&files);
}

/* Every optimizer of the registry has at least one golden file, and every
 * golden file is named after the optimizer it checks (NAME_*.txt): a new
 * optimizer without reference vectors fails here, by name. */
Test(optimizers, every_registered_optimizer_has_golden_vectors)
{
    int count[64] = {0};
    glob_t files;
    cr_assert_eq(glob(GOLDEN_DIR "/*.txt", 0, NULL, &files), 0, "no golden files in " GOLDEN_DIR);
    for (size_t i = 0; i < files.gl_pathc; i++) {
        const char *base = files.gl_pathv[i] + strlen(GOLDEN_DIR "/");
        char err[ERRMSG_MAX];
        Golden g;
        if (golden_load(files.gl_pathv[i], &g, err, sizeof err) != 0) {
            cr_expect_fail("%s", err);
            continue;
        }
        size_t len = strlen(g.optimizer);
        cr_expect(strncmp(base, g.optimizer, len) == 0 && base[len] == '_',
                  "golden file %s checks optimizer %s: name it %s_*.txt", base, g.optimizer, g.optimizer);
        for (int k = 0; optimizer_registry[k]; k++)
            if (strcmp(optimizer_registry[k]->name, g.optimizer) == 0) count[k]++;
        golden_free(&g);
    }
    globfree(&files);
    for (int k = 0; optimizer_registry[k]; k++) {
        cr_assert_lt(k, (int)(sizeof count / sizeof count[0]));
        cr_expect_gt(count[k], 0, "optimizer %s has no golden file " GOLDEN_DIR "/%s_*.txt",
                     optimizer_registry[k]->name, optimizer_registry[k]->name);
    }
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
    char message[96];  /* text the error must contain; empty: valid */
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
        {"adam,lr=inf", "lr = 'inf': not a decimal number"},
        {"adam,lr=Infinity", "lr = 'Infinity': not a decimal number"},
        {"adam,lr=INF", "lr = 'INF': not a decimal number"},
        {"adam,lr=+inf", "lr = '+inf': not a decimal number"},
        {"adam,lr=nan", "lr = 'nan': not a decimal number"},
        {"adam,lr=0x10", "lr = '0x10': not a decimal number"},
        {"adam,lr=0x1p-3", "lr = '0x1p-3': not a decimal number"},
        {"adam,lr=1e400", "beyond the largest double"},
        {"adam,lr=1e-320", "below 2.2250738585072014e-308, the smallest normal double"},
        {"adam,lr=1e-300", ""},
        {"adam,lr=.5e-2", ""},
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
