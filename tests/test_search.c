/* test_search.c — quasirandom search (scrambled Halton): reproducible for a
 * search_seed, even coverage of a log axis, bounds and choices; studies
 * (independent replicas of a search, the first one the search alone); and
 * per-problem budgets (steps, log_every, eval_every, target inside a
 * problem entry). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/sweep/sweep.h"

static char path[64]; /* the temporary sweep file of a test */

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/optbench-search-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
}

static void teardown(void) { unlink(path); }

TestSuite(search, .init = setup, .fini = teardown);

/* Writes text to the temporary file and loads it: 0, or -1 with err. */
static int load(const char *text, SweepSpec **spec, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return sweep_load(path, spec, err, errlen);
}

static long expand(const char *text, RunConfig **runs)
{
    SweepSpec *spec;
    long n;
    char err[ERRMSG_MAX];
    cr_assert_eq(load(text, &spec, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sweep_expand(spec, runs, &n, err, sizeof err), 0, "%s", err);
    sweep_free(spec);
    return n;
}

static double hp(const RunConfig *r, const char *key) { return r->hparams.num[params_index(&r->hparams, key)]; }

static const char quasi[] = "name: q\nsteps: 5\nseeds: 2\nsearch: quasirandom\nsamples: 16\nsearch_seed: %d\n"
                            "problems: [rosenbrock]\noptimizers:\n"
                            "  adamw:\n    lr: {log_uniform: [1e-5, 1e-1]}\n"
                            "    weight_decay: {log_uniform: [1e-4, 1]}\n    beta1: {uniform: [0.8, 0.99]}\n"
                            "    amsgrad: {choice: [true, false]}\n";

Test(search, quasirandom_is_reproducible_and_covers_each_quarter_of_a_log_axis)
{
    char text[1024];
    RunConfig *a, *b, *c;
    snprintf(text, sizeof text, quasi, 7);
    long n = expand(text, &a);
    cr_assert_eq(n, 32, "16 samples x 2 seeds, got %ld", n);
    cr_assert_eq(expand(text, &b), 32);
    snprintf(text, sizeof text, quasi, 8);
    cr_assert_eq(expand(text, &c), 32);
    int same_as_other_seed = 1;
    for (long i = 0; i < n; i++) {
        cr_expect_eq(hp(&a[i], "lr"), hp(&b[i], "lr"), "run %ld differs between two expansions", i);
        cr_expect_eq(hp(&a[i], "weight_decay"), hp(&b[i], "weight_decay"));
        same_as_other_seed &= hp(&a[i], "lr") == hp(&c[i], "lr");
    }
    cr_expect_not(same_as_other_seed, "another search_seed gives the same points");
    /* the two seeds of a sample share its point; each quarter of each log
     * range (four decades of lr, four of weight decay) holds 3 to 5 samples */
    const char *keys[2] = {"lr", "weight_decay"};
    const double lo[2] = {1e-5, 1e-4}, hi[2] = {1e-1, 1};
    for (int k = 0; k < 2; k++) {
        int quarter[4] = {0};
        for (long i = 0; i < n; i += 2) {
            double v = hp(&a[i], keys[k]);
            cr_expect_eq(v, hp(&a[i + 1], keys[k]));
            cr_assert(v >= lo[k] && v <= hi[k], "%s=%g outside its range", keys[k], v);
            double pos = (log10(v) - log10(lo[k])) / (log10(hi[k]) - log10(lo[k]));
            quarter[pos >= 1 ? 3 : (int)(4 * pos)]++;
        }
        for (int q = 0; q < 4; q++)
            cr_expect(quarter[q] >= 3 && quarter[q] <= 5, "%s: quarter %d holds %d of 16 samples", keys[k], q,
                      quarter[q]);
    }
    int trues = 0;
    for (long i = 0; i < n; i += 2) {
        cr_expect(hp(&a[i], "beta1") >= 0.8 && hp(&a[i], "beta1") <= 0.99);
        trues += hp(&a[i], "amsgrad") != 0;
    }
    cr_expect(trues >= 6 && trues <= 10, "amsgrad true in %d of 16 samples", trues);
    free(a);
    free(b);
    free(c);
}

Test(search, quasirandom_needs_samples)
{
    SweepSpec *spec;
    char err[ERRMSG_MAX];
    cr_assert_neq(load("name: q\nsearch: quasirandom\nproblems: [rosenbrock]\noptimizers: {adam: {}}\n", &spec, err,
                       sizeof err),
                  0);
    cr_expect(strstr(err, "samples: search: quasirandom needs samples: N"), "%s", err);
}

Test(search, a_problem_entry_overrides_the_budget)
{
    RunConfig *runs;
    long n = expand("name: b\nsteps: 100\nlog_every: 10\neval_every: 50\ntarget: 0.5\nproblems:\n"
                    "  - rosenbrock: {dim: 2, steps: 40, log_every: 4, eval_every: 0, target: 1e-3}\n"
                    "  - rosenbrock: {dim: 3}\noptimizers: {adam: {lr: [1e-3, 1e-2]}}\n",
                    &runs);
    cr_assert_eq(n, 4);
    for (long i = 0; i < n; i++) {
        int own = i < 2;
        cr_expect_eq(runs[i].steps, own ? 40 : 100);
        cr_expect_eq(runs[i].log_every, own ? 4 : 10);
        cr_expect_eq(runs[i].eval_every, own ? 0 : 50);
        cr_expect_eq(runs[i].target, own ? 1e-3 : 0.5);
    }
    free(runs);
    SweepSpec *spec;
    char err[ERRMSG_MAX];
    cr_assert_neq(load("name: b\nproblems:\n  - rosenbrock: {steps: 0}\noptimizers: {adam: {}}\n", &spec, err, sizeof err), 0);
    cr_expect(strstr(err, ":3:25: problems.rosenbrock.steps: '0' is not an integer in [1, 1000000000]"), "%s", err);
}

static const char studied[] = "name: s\nsteps: 5\nseeds: 2\nsearch: quasirandom\nsamples: 4\nsearch_seed: 7\n%s"
                              "problems: [rosenbrock]\noptimizers:\n  adam: {lr: {log_uniform: [1e-5, 1e-1]}}\n";

Test(search, studies_are_independent_replicas_of_the_search)
{
    char text[1024], canon[CONFIG_TEXT_MAX];
    RunConfig *alone, *runs;
    snprintf(text, sizeof text, studied, "");
    cr_assert_eq(expand(text, &alone), 8);
    snprintf(text, sizeof text, studied, "studies: 3\n");
    long n = expand(text, &runs);
    cr_assert_eq(n, 24, "3 studies x 4 samples x 2 seeds, got %ld", n);
    cr_expect_eq(alone[0].study, 0, "a sweep without studies numbers none");
    cr_assert_eq(config_canonical(&alone[0], canon, sizeof canon), 0);
    cr_expect_null(strstr(canon, "study"), "no study in the canonical text of a sweep without studies: %s", canon);
    for (int s = 0; s < 3; s++) {
        int quarter[4] = {0}, same_as_alone = 1;
        for (long i = 8 * s; i < 8 * (s + 1); i += 2) {
            cr_expect_eq(runs[i].study, s + 1, "run %ld", i);
            cr_expect_eq(hp(&runs[i], "lr"), hp(&runs[i + 1], "lr"), "the seeds of a sample share its point");
            same_as_alone &= hp(&runs[i], "lr") == hp(&alone[i - 8 * s], "lr");
            quarter[(int)(log10(hp(&runs[i], "lr")) + 5)]++; /* a quarter of the range is a decade */
        }
        /* each study is a whole quasirandom search: its 4 samples fill the 4 quarters */
        for (int q = 0; q < 4; q++) cr_expect_eq(quarter[q], 1, "study %d: quarter %d holds %d of 4", s + 1, q, quarter[q]);
        if (s == 0) cr_expect(same_as_alone, "study 1 draws the points of the search without studies");
        else cr_expect_not(same_as_alone, "study %d draws the points of study 1", s + 1);
    }
    cr_assert_eq(config_canonical(&runs[8], canon, sizeof canon), 0);
    cr_expect(strstr(canon, "\"steps\":5,\"study\":2,\"target\""), "%s", canon);
    free(alone);
    free(runs);
}

Test(search, studies_need_a_random_search)
{
    SweepSpec *spec;
    char err[ERRMSG_MAX];
    cr_assert_neq(load("name: s\nstudies: 3\nproblems: [rosenbrock]\noptimizers: {adam: {lr: [1e-3]}}\n", &spec, err,
                       sizeof err),
                  0);
    cr_expect(strstr(err, ":2:10: studies: studies needs search: random or quasirandom"), "%s", err);
    char text[1024];
    snprintf(text, sizeof text, studied, "studies: 0\n");
    cr_assert_neq(load(text, &spec, err, sizeof err), 0);
    cr_expect(strstr(err, "studies: '0' is not an integer in [1, 100]"), "%s", err);
}
