/* test_golden_write.c — golden files written by optbench's own steps: every
 * optimizer's file replays exactly (worst error 0) through the reader and
 * the checker, with tensors, roles and group overrides kept; a problem's
 * file holds the problem's gradients along the trajectory; the first value
 * beyond the tolerance is found beside the worst; --tensors lists are
 * checked; a file is replayed by another optimizer only where it can be. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/check/golden.h"
#include "harness/core/memory.h"
#include "harness/run/config.h"

static Golden made, read_back; /* large: kept off the stack */

/* Makes a file of spec over tensors (NULL: a flat vector of 40) or a
 * problem (problem spec, NULL: synthetic), writes it to a temporary file
 * whose path goes into path, and fills `made`. */
static void make_file(const char *spec, const char *tensors, const char *problem, long steps, uint64_t seed,
                      char *path, size_t len)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    config_defaults(&cfg);
    memset(&made, 0, sizeof made);
    cr_assert_eq(config_set_optimizer(&cfg, spec, err, sizeof err), 0, "%s: %s", spec, err);
    if (problem) cr_assert_eq(config_set_problem(&cfg, problem, err, sizeof err), 0, "%s", err);
    if (tensors) cr_assert_eq(golden_parse_tensors(tensors, &made, err, sizeof err), 0, "%s", err);
    else golden_set_flat(&made, 40);
    made.opt = cfg.optimizer;
    made.hp = cfg.hparams;
    made.steps = steps;
    const GoldenSource src = {problem ? cfg.problem : NULL, &cfg.problem_opts, seed};
    cr_assert_eq(golden_make(&made, &src, err, sizeof err), 0, "%s: %s", spec, err);
    snprintf(path, len, "%s/optbench-golden-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    const int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    cr_assert_eq(golden_write(f, &made, " test"), 0);
    fclose(f);
}

/* Loads path back and replays it; returns the outcome. */
static GoldenResult replay(const char *path)
{
    char err[ERRMSG_MAX];
    GoldenResult r;
    cr_assert_eq(golden_load(path, &read_back, err, sizeof err), 0, "%s", err);
    cr_assert_eq(golden_check(&read_back, DEVICE_CPU, &r, err, sizeof err), 0, "%s", err);
    return r;
}

Test(golden_write, every_optimizer_round_trips_exactly_with_tensors_and_groups)
{
    char path[512], spec[256];
    for (const OptimizerDef *const *o = optimizer_registry; *o; o++) {
        snprintf(spec, sizeof spec, "%s,vectors.lr_scale=0.5,embeddings.lr_scale=2", (*o)->name);
        make_file(spec, "w:matrix:6x5,e:embedding:4x3,b:vector:5", NULL, 12, 7, path, sizeof path);
        const GoldenResult r = replay(path);
        cr_expect(r.ok && r.worst_err == 0 && r.n_bad == 0 && r.first_step == 0,
                  "%s: worst %.3g at step %ld index %zu", (*o)->name, r.worst_err, r.worst_step, r.worst_index);
        cr_expect_str_eq(read_back.optimizer, (*o)->name);
        cr_expect(strstr(read_back.hparams, "vectors.lr_scale=0.5") && strstr(read_back.hparams, "embeddings.lr_scale=2"),
                  "%s", read_back.hparams);
        cr_expect_eq(read_back.n_tensors, 3);
        cr_expect_eq(read_back.tensors[1].role, ROLE_EMBEDDING);
        cr_expect_eq(read_back.tensors[1].shape[1], 3);
        cr_expect_eq(read_back.flat, 0);
        /* the values are the ones made, to the bit */
        cr_expect_eq(memcmp(read_back.params, made.params, made.n * (size_t)made.steps * sizeof(float)), 0, "%s",
                     (*o)->name);
        golden_free(&read_back);
        golden_free(&made);
        unlink(path);
    }
}

Test(golden_write, low_precision_state_round_trips_exactly_and_is_written_only_when_set)
{
    static const char *const states[] = {"bf16", "bf16_sr", "int8"};
    char path[512], spec[256], err[ERRMSG_MAX];
    int made_some = 0;
    for (const OptimizerDef *const *o = optimizer_registry; *o; o++)
        for (size_t k = 0; k < sizeof states / sizeof states[0]; k++) {
            RunConfig cfg;
            config_defaults(&cfg);
            snprintf(spec, sizeof spec, "%s,state=%s,vectors.lr_scale=0.5", (*o)->name, states[k]);
            if (config_set_optimizer(&cfg, spec, err, sizeof err) != 0) continue; /* fp32 only */
            make_file(spec, "w:matrix:6x5,b:vector:5", NULL, 12, 3, path, sizeof path);
            const GoldenResult r = replay(path);
            cr_expect(r.ok && r.worst_err == 0, "%s: worst %.3g", spec, r.worst_err);
            char want[64];
            snprintf(want, sizeof want, ",state=%s,", states[k]);
            cr_expect(strstr(read_back.hparams, want) != NULL, "%s: %s", spec, read_back.hparams);
            made_some++;
            golden_free(&read_back);
            golden_free(&made);
            unlink(path);
        }
    cr_expect_geq(made_some, 3, "at least one optimizer with low-precision state");
    make_file("adamw", NULL, NULL, 2, 1, path, sizeof path);
    cr_expect(strstr(made.hparams, "state=") == NULL, "fp32, the default, is not written: %s", made.hparams);
    golden_free(&made);
    unlink(path);
}

Test(golden_write, a_flat_file_has_no_tensor_lines_and_every_key_written)
{
    char path[512], line[2048];
    make_file("adamw,lr=3e-3,amsgrad=1", NULL, NULL, 5, 1, path, sizeof path);
    FILE *f = fopen(path, "r");
    int tensor_lines = 0, hparams_ok = 0;
    while (fgets(line, sizeof line, f)) {
        tensor_lines += !strncmp(line, "tensor", 6);
        hparams_ok |= !strcmp(line, "hparams lr=0.003,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0.01,amsgrad=1\n");
    }
    fclose(f);
    cr_expect_eq(tensor_lines, 0);
    cr_expect(hparams_ok, "every key, in table order");
    const GoldenResult r = replay(path);
    cr_expect(r.ok && r.worst_err == 0);
    cr_expect(read_back.flat && read_back.n == 40);
    golden_free(&read_back);
    golden_free(&made);
    unlink(path);
}

Test(golden_write, synthetic_inputs_follow_the_seed_only)
{
    char path[512];
    make_file("sgd", "w:vector:30", NULL, 6, 3, path, sizeof path);
    unlink(path);
    Golden a = made;
    memset(&made, 0, sizeof made);
    make_file("lion", "v:matrix:5x6", NULL, 6, 3, path, sizeof path); /* another optimizer, same seed and size */
    unlink(path);
    cr_expect_eq(memcmp(a.p0, made.p0, 30 * sizeof(float)), 0);
    cr_expect_eq(memcmp(a.grads, made.grads, 6 * 30 * sizeof(float)), 0);
    golden_free(&made);
    make_file("sgd", "w:vector:30", NULL, 6, 4, path, sizeof path);
    unlink(path);
    cr_expect_neq(memcmp(a.p0, made.p0, 30 * sizeof(float)), 0);
    double first = 0, fifth = 0;
    for (int i = 0; i < 30; i++) first += a.grads[i] * a.grads[i], fifth += a.grads[4 * 30 + i] * a.grads[4 * 30 + i];
    cr_expect_gt(fifth, 2 * first, "every fifth step's gradient is large");
    golden_free(&made);
    golden_free(&a);
}

Test(golden_write, a_problem_file_holds_its_gradients_along_the_trajectory)
{
    char path[512], err[ERRMSG_MAX];
    RunConfig cfg;
    config_defaults(&cfg);
    cr_assert_eq(config_set_problem(&cfg, "mlp,dataset=iris,hidden=[8]", err, sizeof err), 0, "%s", err);
    make_file("adamw,weight_decay=0.1,vectors.weight_decay=0", NULL, "mlp,dataset=iris,hidden=[8]", 6, 2, path,
              sizeof path);
    const GoldenResult r = replay(path);
    cr_expect(r.ok && r.worst_err == 0);
    cr_expect_eq(read_back.n_tensors, 4);
    cr_expect_str_eq(read_back.tensors[0].name, "layer0.weight");
    cr_expect(strstr(read_back.hparams, "vectors.weight_decay=0") != NULL, "%s", read_back.hparams);
    /* step s's gradient is the problem's at the parameters after step s-1, minibatch s-1 */
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_assert_not_null(pb, "%s", err);
    float *p = malloc(made.n * sizeof(float)), *g = malloc(made.n * sizeof(float));
    cfg.problem->init(pb, p, 2);
    cr_expect_eq(memcmp(p, read_back.p0, made.n * sizeof(float)), 0, "p0 is the problem's init");
    for (long s = 1; s <= made.steps; s++) {
        const float *at = s == 1 ? read_back.p0 : read_back.params + (size_t)(s - 2) * made.n;
        cfg.problem->loss_and_grad(pb, at, g, 2, (uint64_t)(s - 1));
        cr_expect_eq(memcmp(g, read_back.grads + (size_t)(s - 1) * made.n, made.n * sizeof(float)), 0, "step %ld", s);
    }
    free(p);
    free(g);
    cfg.problem->destroy(pb);
    golden_free(&read_back);
    golden_free(&made);
    unlink(path);
}

Test(golden_write, the_first_value_beyond_the_tolerance_is_found_beside_the_worst)
{
    char path[512], err[ERRMSG_MAX], where[96];
    make_file("adam,lr=0.01", "w:matrix:4x5,b:vector:5", NULL, 10, 5, path, sizeof path);
    cr_assert_eq(golden_load(path, &read_back, err, sizeof err), 0, "%s", err);
    const size_t n = read_back.n;
    read_back.params[3 * n + 7] += 1e-3f * (1 + fabsf(read_back.params[3 * n + 7])); /* step 4, index 7: small */
    read_back.params[8 * n + 22] += 1.0f;                                             /* step 9, index 22: large */
    GoldenResult r;
    cr_assert_eq(golden_check(&read_back, DEVICE_CPU, &r, err, sizeof err), 0, "%s", err);
    cr_expect(!r.ok);
    cr_expect_eq(r.first_step, 4);
    cr_expect_eq(r.first_index, 7);
    cr_expect_eq(r.worst_step, 9);
    cr_expect_eq(r.worst_index, 22);
    cr_expect_eq(r.n_bad, 2);
    golden_locate(&read_back, 7, where, sizeof where);
    cr_expect_str_eq(where, "w[1,2]");
    golden_locate(&read_back, 22, where, sizeof where);
    cr_expect_str_eq(where, "b[2]");
    golden_free(&read_back);
    golden_free(&made);
    unlink(path);
}

Test(golden_write, bad_tensor_lists_are_refused_naming_the_item_and_rule)
{
    static const struct {
        const char *text, *says;
    } bad[] = {
        {"w:matrix", "tensor 1 'w:matrix': expected NAME:ROLE:SHAPE"},
        {"w:bias:3", "unknown role 'bias'"},
        {"w:matrix:0x3", "the shape needs"},
        {"w:matrix:3x", "the shape needs"},
        {"w:matrix:3y4", "the shape needs"},
        {"a:vector:1x1x1x1x1", "the shape needs"},
        {"w:matrix:100000x100000", "at most 100000000 floats"},
        {"w:matrix:3,w:vector:2", "tensor 2 'w:vector:2': the name w is given twice"},
        {"w x:vector:3", "the name may hold"},
        {":vector:3", "the name needs"},
        {"w:vector:3,", "tensor 2 ''"},
        {"", "tensor 1 ''"},
    };
    char err[ERRMSG_MAX];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&made, 0, sizeof made);
        cr_expect_eq(golden_parse_tensors(bad[i].text, &made, err, sizeof err), -1, "%s", bad[i].text);
        cr_expect(strstr(err, bad[i].says) != NULL, "%s: %s", bad[i].text, err);
    }
    cr_assert_eq(golden_parse_tensors("w:matrix:8x6,b:vector:6", &made, err, sizeof err), 0, "%s", err);
    cr_expect_eq(made.n, 54);
    cr_expect_eq(made.tensors[1].offset, 48);
}

Test(golden_write, another_optimizer_replays_a_file_only_where_it_can_express_it)
{
    char path[512], err[ERRMSG_MAX], note[ERRMSG_MAX];
    GoldenResult r;
    /* the keys lion_l2 lacks are at lion's defaults: left out, and the replay shows another algorithm */
    make_file("lion,lr=1e-3,weight_decay=0.1", NULL, NULL, 8, 2, path, sizeof path);
    cr_assert_eq(golden_read(path, &read_back, err, sizeof err), 0, "%s", err);
    cr_assert_eq(golden_configure(&read_back, path, "lion_l2", note, sizeof note, err, sizeof err), 0, "%s", err);
    cr_expect(strstr(note, "beta1=0.9") && strstr(note, "wd_mode=decoupled"), "%s", note);
    cr_assert_eq(golden_check(&read_back, DEVICE_CPU, &r, err, sizeof err), 0, "%s", err);
    cr_expect(!r.ok && r.first_step == 1, "lion_l2 is another algorithm: step %ld", r.first_step);
    golden_free(&read_back);
    /* the spec's keys go over the file's: the same optimizer with another value mismatches */
    cr_assert_eq(golden_read(path, &read_back, err, sizeof err), 0, "%s", err);
    cr_assert_eq(golden_configure(&read_back, path, "lion,lr=2e-3", note, sizeof note, err, sizeof err), 0, "%s", err);
    cr_assert_eq(golden_check(&read_back, DEVICE_CPU, &r, err, sizeof err), 0, "%s", err);
    cr_expect(!r.ok && r.first_step == 1);
    golden_free(&read_back);
    golden_free(&made);
    unlink(path);
    /* a key the replaying optimizer lacks, set away from its default: refused */
    make_file("lion,beta2=0.95", NULL, NULL, 3, 2, path, sizeof path);
    cr_assert_eq(golden_read(path, &read_back, err, sizeof err), 0, "%s", err);
    cr_expect_eq(golden_configure(&read_back, path, "lion_l2", note, sizeof note, err, sizeof err), -1);
    cr_expect(strstr(err, ":3: beta2=0.95: lion_l2 has no key 'beta2'") != NULL, "%s", err);
    golden_free(&read_back);
    golden_free(&made);
    unlink(path);
}
