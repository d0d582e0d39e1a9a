/* test_sweep.c — sweep files: expansion counts and values, key stability,
 * random search, and the corpus of bad files under tests/sweeps/bad/, each
 * of which names on its first line ("# expect: ...") the message it must
 * produce. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/sweep/sweep.h"

static char path[64]; /* the temporary sweep file of a test */

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/optbench-sweep-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
}

static void teardown(void) { unlink(path); }

TestSuite(sweep, .init = setup, .fini = teardown);

/* Writes text to the temporary file and expands it. */
static long expand(const char *text, RunConfig **runs)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    SweepSpec *spec;
    long n;
    char err[ERRMSG_MAX];
    cr_assert_eq(sweep_load(path, &spec, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sweep_expand(spec, runs, &n, err, sizeof err), 0, "%s", err);
    sweep_free(spec);
    return n;
}

static void key_of(const RunConfig *cfg, char key[KEY_TEXT_MAX])
{
    char text[CONFIG_TEXT_MAX];
    cr_assert_eq(config_canonical(cfg, text, sizeof text), 0);
    config_key(text, key);
}

/* A group's axis, written flat (vectors.weight_decay) or nested
 * (embeddings: {weight_decay: [...]}), varies that group's value only. */
Test(sweep, group_axes_flat_and_nested)
{
    RunConfig *runs;
    long n = expand("name: g\nproblems: [rosenbrock]\noptimizers:\n  adamw:\n    weight_decay: 0.1\n"
                    "    vectors.weight_decay: [0]\n    embeddings: {weight_decay: [0, 0.1], lr_scale: 2}\n",
                    &runs);
    cr_assert_eq(n, 2);
    const ParamSet *hp = &runs[0].hparams;
    const int wd = params_index(hp, "weight_decay");
    cr_expect_eq(hp->num[wd], 0.1);
    cr_expect_eq(params_group_num(hp, ROLE_VECTOR, wd), 0);
    cr_expect_eq(params_group_num(hp, ROLE_EMBEDDING, wd), 0);
    cr_expect_eq(params_group_num(&runs[1].hparams, ROLE_EMBEDDING, wd), 0.1);
    cr_expect_eq(params_group_num(hp, ROLE_EMBEDDING, PARAM_LR_SCALE), 2);
    cr_expect_eq(params_group_num(hp, ROLE_MATRIX, wd), 0.1);
    char a[KEY_TEXT_MAX], b[KEY_TEXT_MAX];
    key_of(&runs[0], a);
    key_of(&runs[1], b);
    cr_expect_str_neq(a, b);
    free(runs);
}

Test(sweep, grid_counts_and_order)
{
    RunConfig *runs;
    long n = expand("name: g\nseeds: [0, 1]\nsteps: 7\nproblems:\n  - rosenbrock: {dim: [2, 3]}\n"
                    "optimizers:\n  adamw: {lr: [1e-3, 1e-2, 1e-1]}\n  lion: {lr: 1e-4, weight_decay: [0, 1]}\n",
                    &runs);
    cr_expect_eq(n, 2 * (3 + 2) * 2);
    cr_expect_eq(runs[0].steps, 7);
    cr_expect_str_eq(runs[0].optimizer->name, "adamw");
    cr_expect_eq(runs[0].seed, 0);
    cr_expect_eq(runs[1].seed, 1);
    cr_expect_eq(params_num(&runs[2].hparams, "lr"), 1e-2);
    cr_expect_eq(params_num(&runs[0].problem_opts, "dim"), 2);
    cr_expect_eq(params_num(&runs[n - 1].problem_opts, "dim"), 3);
    cr_expect_str_eq(runs[n - 1].optimizer->name, "lion");
    free(runs);
}

Test(sweep, spaced_axes_hit_their_bounds_exactly)
{
    RunConfig *runs;
    long n = expand("name: s\nproblems: [rosenbrock]\noptimizers:\n"
                    "  adam: {lr: {log: [1e-4, 1e-2], num: 3}, beta1: {linear: [0.8, 0.9], num: 2}}\n",
                    &runs);
    cr_assert_eq(n, 6);
    double lrs[] = {1e-4, 1e-3, 1e-2};
    for (int i = 0; i < 3; i++) cr_expect_eq(params_num(&runs[i].hparams, "lr"), lrs[i], "lr %d", i);
    cr_expect_eq(params_num(&runs[0].hparams, "beta1"), 0.8);
    cr_expect_eq(params_num(&runs[3].hparams, "beta1"), 0.9);
    free(runs);
}

Test(sweep, keys_do_not_depend_on_spelling_or_order)
{
    RunConfig *a, *b;
    char ka[KEY_TEXT_MAX], kb[KEY_TEXT_MAX];
    expand("name: k\nsteps: 10\nproblems: [{rosenbrock: {dim: 4}}]\noptimizers: {adam: {lr: 1e-3, beta1: 0.9}}\n", &a);
    expand("optimizers:\n  adam:\n    beta1: .90\n    lr: 0.001\nproblems:\n  - rosenbrock: {dim: 4.0}\nsteps: 1e1\nname: k\n", &b);
    key_of(a, ka);
    key_of(b, kb);
    cr_expect_str_eq(ka, kb);
    free(a);
    free(b);
}

Test(sweep, duplicates_are_run_once)
{
    RunConfig *runs;
    long n = expand("name: d\nproblems: [rosenbrock]\noptimizers: {adam: {lr: [1e-3, 0.001, 0.0010]}}\n", &runs);
    cr_expect_eq(n, 1);
    free(runs);
}

Test(sweep, random_search_draws_within_bounds_and_repeats)
{
    RunConfig *a, *b, *c;
    const char *text = "name: r\nsearch: random\nsamples: 20\nsearch_seed: %d\nseeds: [0, 1]\n"
                       "problems: [rosenbrock]\noptimizers:\n"
                       "  lion: {lr: {log_uniform: [1e-5, 1e-3]}, weight_decay: {uniform: [0, 2]}, "
                       "wd_mode: {choice: [decoupled, l2]}}\n";
    char buf[512];
    snprintf(buf, sizeof buf, text, 7);
    long n = expand(buf, &a);
    expand(buf, &b);
    snprintf(buf, sizeof buf, text, 8);
    expand(buf, &c);
    cr_assert_eq(n, 40);
    int l2 = 0, differs = 0;
    for (long i = 0; i < n; i++) {
        double lr = params_num(&a[i].hparams, "lr"), wd = params_num(&a[i].hparams, "weight_decay");
        cr_expect(lr >= 1e-5 && lr <= 1e-3, "lr %g", lr);
        cr_expect(wd >= 0 && wd <= 2, "wd %g", wd);
        cr_expect_eq(lr, params_num(&b[i].hparams, "lr"), "same search_seed, same draws");
        differs += lr != params_num(&c[i].hparams, "lr");
        l2 += params_num(&a[i].hparams, "wd_mode") == 1;
        if (i % 2) cr_expect_eq(lr, params_num(&a[i - 1].hparams, "lr"), "seeds share a sample");
    }
    cr_expect(l2 > 0 && l2 < n, "both choices drawn");
    cr_expect_gt(differs, 0, "another search_seed, other draws");
    free(a);
    free(b);
    free(c);
}

Test(sweep, shipped_sweeps_are_valid)
{
    const char *files[] = {"sweeps/smoke.yaml", "sweeps/lr_sensitivity.yaml", "sweeps/lion_vs_adamw.yaml",
                           "sweeps/lion_vs_adamw_full.yaml", "sweeps/modern.yaml"};
    long counts[] = {12, 7 * 9 * 3 * 2, 3 * 6 * 3 * 4, 3 * 15 * 5 * 7, 2 * 5 * 2 * 4};
    for (int i = 0; i < 5; i++) {
        SweepSpec *spec;
        RunConfig *runs;
        long n;
        char err[ERRMSG_MAX];
        cr_assert_eq(sweep_load(files[i], &spec, err, sizeof err), 0, "%s", err);
        cr_assert_eq(sweep_expand(spec, &runs, &n, err, sizeof err), 0, "%s", err);
        cr_expect_eq(n, counts[i], "%s: %ld runs", files[i], n);
        free(runs);
        sweep_free(spec);
    }
}

Test(sweep, bad_files_give_their_messages)
{
    DIR *d = opendir("tests/sweeps/bad");
    struct dirent *e;
    int checked = 0;
    cr_assert_not_null(d);
    while ((e = readdir(d))) {
        if (!strstr(e->d_name, ".yaml")) continue;
        char file[512], expect[512] = "", want[1100], err[ERRMSG_MAX] = "";
        snprintf(file, sizeof file, "tests/sweeps/bad/%s", e->d_name);
        FILE *f = fopen(file, "r");
        cr_assert(fgets(expect, sizeof expect, f) && !strncmp(expect, "# expect: ", 10), "%s: no expect line", file);
        fclose(f);
        expect[strcspn(expect, "\n")] = 0;
        snprintf(want, sizeof want, "%s%s", file, expect + 10);
        SweepSpec *spec = NULL;
        RunConfig *runs = NULL;
        long n;
        int rc = sweep_load(file, &spec, err, sizeof err);
        if (rc == 0) rc = sweep_expand(spec, &runs, &n, err, sizeof err);
        cr_expect_neq(rc, 0, "%s was accepted", file);
        cr_expect(strstr(err, want) != NULL, "%s:\n  got  %s\n  want %s", file, err, want);
        free(runs);
        sweep_free(spec);
        checked++;
    }
    closedir(d);
    cr_expect_geq(checked, 15);
}
