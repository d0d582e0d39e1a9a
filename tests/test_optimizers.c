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
#include "tests/golden_cases.h"

ParameterizedTestParameters(optimizers, golden) { return golden_cases(); }

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
    float *s1[OPT_MAX_STATE] = {m1}, *s2[OPT_MAX_STATE] = {m2};
    const StateSlots st1 = state_slots_fp32(s1), st2 = state_slots_fp32(s2);
    for (int t = 1; t <= 20; t++) {
        for (int i = 0; i < N; i++) g[i] = (float)((i * 31 + t * 17) % 11) - 5.0f;
        lion->step_cpu(a.num, &st1, p1, g, N, t, 0.01);
        l2->step_cpu(b.num, &st2, p2, g, N, t, 0.01);
    }
    cr_expect_eq(memcmp(p1, p2, sizeof p1), 0);
}

typedef struct {
    char spec[96]; /* optimizer spec of an elementwise optimizer */
} ParallelCase;

ParameterizedTestParameters(optimizers, parallel_step_matches_serial)
{
    static ParallelCase cases[] = {
        {"adamw"}, {"nadam,weight_decay=0.1"}, {"radam,weight_decay=0.1"}, {"adamax,weight_decay=0.1"},
        {"lion,weight_decay=0.5"}, {"sgd,momentum=0.9"},
    };
    return cr_make_param_array(ParallelCase, cases, sizeof cases / sizeof cases[0]);
}

/* A large step runs on several threads; 8 steps of it (radam's
 * rectification starts at step 6) must equal the same steps taken serially
 * in small pieces, bit for bit. */
ParameterizedTest(ParallelCase *c, optimizers, parallel_step_matches_serial)
{
    const size_t n = 3 * OPT_PARALLEL_MIN + 5;
    float *p = malloc(n * sizeof *p), *q = malloc(n * sizeof *q), *g = malloc(n * sizeof *g);
    float *whole[OPT_MAX_STATE] = {0}, *pieces[OPT_MAX_STATE] = {0};
    char err[ERRMSG_MAX];
    Spec spec;
    ParamSet hp;
    cr_assert_eq(spec_parse(c->spec, &spec, err, sizeof err), 0, "%s", err);
    const OptimizerDef *opt = optimizer_find(spec.name);
    cr_assert_eq(optimizer_configure(opt, &spec, &hp, err, sizeof err), 0, "%s", err);
    const int slots = opt->n_state(hp.num);
    for (int k = 0; k < slots; k++) {
        whole[k] = calloc(n, sizeof(float));
        pieces[k] = calloc(n, sizeof(float));
    }
    for (size_t i = 0; i < n; i++) p[i] = q[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    for (long t = 1; t <= 8; t++) {
        for (size_t i = 0; i < n; i++) g[i] = (float)((i * 104729 + (size_t)t * 31) % 1000) / 250.0f - 2.0f;
        const StateSlots wst = state_slots_fp32(whole);
        opt->step_cpu(hp.num, &wst, p, g, n, t, hp.num[0]);
        for (size_t off = 0; off < n; off += 1000) {
            size_t len = n - off < 1000 ? n - off : 1000;
            float *sc[OPT_MAX_STATE] = {0};
            for (int k = 0; k < slots; k++) sc[k] = pieces[k] + off;
            const StateSlots pst = state_slots_fp32(sc);
            opt->step_cpu(hp.num, &pst, q + off, g + off, len, t, hp.num[0]);
        }
    }
    cr_expect_eq(memcmp(p, q, n * sizeof *p), 0, "%s: parameters differ", c->spec);
    for (int k = 0; k < slots; k++) {
        cr_expect_eq(memcmp(whole[k], pieces[k], n * sizeof(float)), 0, "%s: slot %d differs", c->spec, k);
        free(whole[k]), free(pieces[k]);
    }
    free(p), free(q), free(g);
}

/* nadam's running product of mu_t is a function of (beta1,
 * momentum_decay, t): two runs with different schedules stepped in turn in
 * one thread give exactly what each gives alone, and a run restarted at
 * t = 1 starts from the empty product. */
Test(optimizers, nadam_product_depends_only_on_the_step)
{
    enum { N = 33, STEPS = 40 };
    const char *specs[2] = {"nadam,lr=0.01", "nadam,lr=0.01,beta1=0.8,momentum_decay=0.02"};
    float alone[2][N], mixed[2][N], m[2][N], v[2][N], g[N];
    const OptimizerDef *opt = optimizer_find("nadam");
    ParamSet hp[2];
    char err[ERRMSG_MAX];
    for (int r = 0; r < 2; r++) {
        Spec spec;
        cr_assert_eq(spec_parse(specs[r], &spec, err, sizeof err), 0, "%s", err);
        cr_assert_eq(optimizer_configure(opt, &spec, &hp[r], err, sizeof err), 0, "%s", err);
    }
    for (int pass = 0; pass < 2; pass++) { /* 0: each run alone; 1: the two runs stepped in turn */
        float (*p)[N] = pass ? mixed : alone;
        memset(m, 0, sizeof m), memset(v, 0, sizeof v);
        for (int r = 0; r < 2; r++)
            for (int i = 0; i < N; i++) p[r][i] = (float)(i % 5) - 2.0f;
        for (int r = 0; r < 2 - pass; r++)
            for (long t = 1; t <= STEPS; t++)
                for (int k = pass ? 0 : r; k <= (pass ? 1 : r); k++) {
                    float *sl[OPT_MAX_STATE] = {m[k], v[k]};
                    const StateSlots st = state_slots_fp32(sl);
                    for (int i = 0; i < N; i++) g[i] = (float)((i * 13 + t * 7) % 9) - 4.0f;
                    opt->step_cpu(hp[k].num, &st, p[k], g, N, t, 0.01);
                }
    }
    cr_expect_eq(memcmp(alone, mixed, sizeof alone), 0);
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
        {"nadam,momentum_decay=0.01,beta2=0.99", ""},
        {"nadam,momentum_decay=-1", "allowed [0, inf)"},
        {"radam,beta2=1", "allowed [0, 1)"},
        {"adamax,eps=0", "allowed (0, inf)"},
        {"adamax,amsgrad=1", "unknown key 'amsgrad'"},
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
