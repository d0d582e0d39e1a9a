/* test_groups.c — tensors with roles, parameter groups (specs, canonical
 * text, the step of each group), the state layout of optimizer runs, and
 * the tensor-aware optimizers in the runner (exact state bytes,
 * schedule-free's evaluation point). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/check/golden.h"
#include "optimizers/opt_run.h"
#include "tests/run_support.h"

static Rows rows;

Test(groups, problems_label_every_tensor_with_its_role)
{
    RunConfig cfg = test_config("mlp,hidden=[16]", "sgd", 1);
    char err[ERRMSG_MAX];
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_assert_not_null(pb, "%s", err);
    cr_expect_eq(pb->n_views, 4);
    cr_expect_eq(pb->views[0].role, ROLE_MATRIX);
    cr_expect_eq(pb->views[1].role, ROLE_VECTOR);
    cr_expect_eq(pb->views[2].role, ROLE_MATRIX);
    cr_expect_eq(pb->views[3].role, ROLE_VECTOR);
    cfg.problem->destroy(pb);
    cfg = test_config("transformer,task=modadd,layers=1", "sgd", 1);
    pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_assert_not_null(pb, "%s", err);
    int count[N_ROLES] = {0};
    for (int v = 0; v < pb->n_views; v++) {
        const TensorView *t = &pb->views[v];
        count[t->role]++;
        if (!strcmp(t->name, "wte") || !strcmp(t->name, "wpe")) cr_expect_eq(t->role, ROLE_EMBEDDING, "%s", t->name);
        else if (t->ndim == 2) cr_expect_eq(t->role, ROLE_MATRIX, "%s", t->name);
        else cr_expect_eq(t->role, ROLE_VECTOR, "%s", t->name);
    }
    cr_expect_eq(count[ROLE_EMBEDDING], 2);
    cr_expect_eq(count[ROLE_MATRIX], 4); /* qkv, proj, fc, mlp proj */
    cfg.problem->destroy(pb);
}

Test(groups, group_keys_enter_the_canonical_text_only_when_set)
{
    RunConfig a, b;
    char err[ERRMSG_MAX], ta[CONFIG_TEXT_MAX], tb[CONFIG_TEXT_MAX];
    config_defaults(&a);
    config_defaults(&b);
    cr_assert_eq(config_set_optimizer(&a, "adamw,lr=1e-3,weight_decay=0.1", err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_set_optimizer(&b, "adamw,lr=1e-3,weight_decay=0.1,vectors.weight_decay=0,"
                                          "embeddings.weight_decay=0,vectors.lr_scale=2", err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_canonical(&a, ta, sizeof ta), 0);
    cr_assert_eq(config_canonical(&b, tb, sizeof tb), 0);
    cr_expect(strstr(ta, "\"optimizer\":{\"name\":\"adamw\",\"amsgrad\":false,\"beta1\":0.9,\"beta2\":0.999,"
                         "\"eps\":1e-08,\"lr\":0.001,\"weight_decay\":0.1}") != NULL, "%s", ta);
    cr_expect(strstr(tb, "\"optimizer\":{\"name\":\"adamw\",\"amsgrad\":false,\"beta1\":0.9,\"beta2\":0.999,"
                         "\"embeddings\":{\"weight_decay\":0},\"eps\":1e-08,\"lr\":0.001,"
                         "\"vectors\":{\"lr_scale\":2,\"weight_decay\":0},\"weight_decay\":0.1}") != NULL, "%s", tb);
    char ka[KEY_TEXT_MAX], kb[KEY_TEXT_MAX];
    config_key(ta, ka);
    config_key(tb, kb);
    cr_expect_str_neq(ka, kb);
}

Test(groups, bad_group_keys_name_what_is_wrong)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    config_defaults(&cfg);
    cr_expect_neq(config_set_optimizer(&cfg, "adamw,biases.weight_decay=0", err, sizeof err), 0);
    cr_expect(strstr(err, "unknown group in 'biases.weight_decay'") && strstr(err, "vectors"), "%s", err);
    cr_expect_neq(config_set_optimizer(&cfg, "adamw,vectors.momentum=0", err, sizeof err), 0);
    cr_expect(strstr(err, "unknown key 'vectors.momentum'"), "%s", err);
    cr_expect_neq(config_set_optimizer(&cfg, "adamw,vectors.beta1=1.5", err, sizeof err), 0);
    cr_expect(strstr(err, "vectors.beta1 = '1.5'") && strstr(err, "[0, 1)"), "%s", err);
    cr_expect_neq(config_set_optimizer(&cfg, "adamw,matrices.lr_scale=-1", err, sizeof err), 0);
    cr_expect(strstr(err, "matrices.lr_scale"), "%s", err);
    /* cross-key rules hold in each group: nesterov needs momentum */
    cr_expect_neq(config_set_optimizer(&cfg, "sgd,momentum=0.9,nesterov=1,vectors.momentum=0", err, sizeof err), 0);
    cr_expect(strstr(err, "group vectors"), "%s", err);
    /* problems and schedules have no groups */
    cr_expect_neq(config_set_problem(&cfg, "rosenbrock,vectors.dim=3", err, sizeof err), 0);
    cr_expect(strstr(err, "unknown key 'vectors.dim'"), "%s", err);
}

/* A group with its own values runs the optimizer's rule with them, exactly
 * as the same optimizer configured with those values set-wide. */
Test(groups, each_group_steps_with_its_own_values)
{
    const TensorView views[3] = {
        {"w", 0, 2, {4, 3}, ROLE_MATRIX}, {"b", 12, 1, {3}, ROLE_VECTOR}, {"e", 15, 2, {2, 3}, ROLE_EMBEDDING}};
    const size_t n = 21;
    ParamSet grouped, plain, vec;
    Spec s;
    char err[ERRMSG_MAX];
    const OptimizerDef *adamw = optimizer_find("adamw");
    spec_parse("adamw,lr=0.01,weight_decay=0.1,vectors.weight_decay=0,vectors.lr_scale=3", &s, err, sizeof err);
    cr_assert_eq(optimizer_configure(adamw, &s, &grouped, err, sizeof err), 0, "%s", err);
    spec_parse("adamw,lr=0.01,weight_decay=0.1", &s, err, sizeof err);
    cr_assert_eq(optimizer_configure(adamw, &s, &plain, err, sizeof err), 0, "%s", err);
    spec_parse("adamw,lr=0.03,weight_decay=0", &s, err, sizeof err);
    cr_assert_eq(optimizer_configure(adamw, &s, &vec, err, sizeof err), 0, "%s", err);
    OptRun a, b, c;
    cr_assert_eq(opt_run_plan(&a, adamw, &grouped, views, 3, n, err, sizeof err), 0, "%s", err);
    cr_assert_eq(opt_run_plan(&b, adamw, &plain, views, 3, n, err, sizeof err), 0, "%s", err);
    cr_assert_eq(opt_run_plan(&c, adamw, &vec, views, 3, n, err, sizeof err), 0, "%s", err);
    cr_expect(!a.flat && b.flat && c.flat, "groups that differ step tensor by tensor");
    cr_expect_eq(opt_run_state_bytes(&a), 2 * n * sizeof(float));
    float pa[21], pb[21], pc[21], g[21];
    for (size_t i = 0; i < n; i++) pa[i] = pb[i] = pc[i] = (float)i / 7.0f - 1.0f;
    cr_assert_eq(opt_run_alloc(&a, pa), 0);
    cr_assert_eq(opt_run_alloc(&b, pb), 0);
    cr_assert_eq(opt_run_alloc(&c, pc), 0);
    const double lr[N_ROLES] = {0.01, 0.01, 0.01}, lr_c[N_ROLES] = {0.03, 0.03, 0.03};
    for (long t = 1; t <= 5; t++) {
        for (size_t i = 0; i < n; i++) g[i] = (float)((i * 13 + (size_t)t * 7) % 9) - 4.0f;
        opt_run_step(&a, pa, g, t, lr);
        opt_run_step(&b, pb, g, t, lr);
        opt_run_step(&c, pc, g, t, lr_c);
    }
    cr_expect_eq(memcmp(pa, pb, 12 * sizeof(float)), 0, "the matrix takes the set-wide values");
    cr_expect_eq(memcmp(pa + 15, pb + 15, 6 * sizeof(float)), 0, "so does the embedding");
    cr_expect_eq(memcmp(pa + 12, pc + 12, 3 * sizeof(float)), 0, "the vector: wd 0 at 3x the lr");
    opt_run_free(&a);
    opt_run_free(&b);
    opt_run_free(&c);
}

Test(groups, golden_files_with_an_unknown_role_or_group_name_their_line)
{
    char err[ERRMSG_MAX], path[] = "/tmp/optbench_groups_XXXXXX";
    Golden g;
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs("optimizer adamw\nhparams lr=0.01\ntensors 1\ntensor w bias 2\nn 2\nsteps 1\np0 1 2\ng1 1 1\np1 1 2\n", f);
    fclose(f);
    cr_expect_neq(golden_load(path, &g, err, sizeof err), 0);
    cr_expect(strstr(err, ":4: unknown role 'bias'"), "%s", err);
    f = fopen(path, "w");
    fputs("optimizer adamw\nhparams lr=0.01,biases.lr_scale=2\nn 2\nsteps 1\np0 1 2\ng1 1 1\np1 1 2\n", f);
    fclose(f);
    cr_expect_neq(golden_load(path, &g, err, sizeof err), 0);
    cr_expect(strstr(err, ":2: unknown group in 'biases.lr_scale'"), "%s", err);
    remove(path);
}

Test(groups, adafactor_keeps_row_and_column_factors_of_matrices)
{
    RunSummary s;
    test_run("mlp,dataset=digits,hidden=[32]", "adafactor", 20, &rows, &s);
    /* layer0 32x64, layer1 10x32; biases 32 and 10 */
    cr_expect_eq(s.state_bytes, (long)(4 * ((32 + 64) + 32 + (10 + 32) + 10)));
    cr_expect_lt((double)s.state_bytes / (double)s.n_params, 1.0);
    cr_expect_lt(rows.rows[rows.n - 1].loss, rows.rows[0].loss);
}

Test(groups, muon_keeps_one_slot_on_matrices_two_elsewhere)
{
    RunSummary s;
    test_run("mlp,dataset=digits,hidden=[32]", "muon,lr=0.02,adam_lr=0.003", 30, &rows, &s);
    const long matrices = 32 * 64 + 10 * 32, rest = 32 + 10;
    cr_expect_eq(s.state_bytes, 4 * matrices + 8 * rest);
    cr_expect_lt(rows.rows[rows.n - 1].loss, rows.rows[0].loss);
}

/* Muon on the transformer: it trains (the held-out loss falls from the
 * first evaluation to the last) and keeps 4 bytes per parameter on the
 * matrices (the momentum), 8 on embeddings and vectors (AdamW's m and v). */
Test(groups, muon_trains_the_transformer_with_4_bytes_per_matrix_parameter)
{
    RunSummary s;
    RunConfig cfg = test_config("transformer,corpus=tests/data/corpus.txt,layers=2,d_model=32,heads=4,context=16,"
                                "batch=8", "muon,lr=0.02,adam_lr=0.003", 40);
    cfg.eval_every = 20;
    rows.n = 0;
    runner_run(&cfg, keep_row, &rows, &s);
    cr_assert_eq(s.status, RUN_DONE, "%s", s.error);
    double first = NAN, last = NAN;
    for (int i = 0; i < rows.n; i++)
        if (!isnan(rows.rows[i].eval_loss)) {
            if (isnan(first)) first = rows.rows[i].eval_loss;
            last = rows.rows[i].eval_loss;
        }
    cr_expect_lt(last, first - 0.1, "held-out loss %.4g -> %.4g", first, last);
    cr_expect_eq(s.eval_loss, last);
    cr_expect_gt(s.group_params[ROLE_MATRIX], 0);
    cr_expect_eq(s.group_state_bytes[ROLE_MATRIX], 4 * s.group_params[ROLE_MATRIX]);
    cr_expect_eq(s.group_state_bytes[ROLE_EMBEDDING], 8 * s.group_params[ROLE_EMBEDDING]);
    cr_expect_eq(s.group_state_bytes[ROLE_VECTOR], 8 * s.group_params[ROLE_VECTOR]);
    cr_expect_eq(s.state_bytes, s.group_state_bytes[ROLE_MATRIX] + s.group_state_bytes[ROLE_EMBEDDING] +
                                    s.group_state_bytes[ROLE_VECTOR]);
}

/* sfadamw trains at y and evaluates at x: the held-out loss must be the
 * loss at x, which the run reports after swapping y back. */
Test(groups, sfadamw_evaluates_at_its_average)
{
    RunSummary s;
    RunConfig cfg = test_config("mlp,dataset=digits,hidden=[16]", "sfadamw,lr=0.01", 40);
    cfg.eval_every = 20;
    rows.n = 0;
    runner_run(&cfg, keep_row, &rows, &s);
    cr_assert_eq(s.status, RUN_DONE, "%s", s.error);
    cr_expect_eq(s.state_bytes, 12 * s.n_params);
    /* the same run by hand: train at y, then evaluate at y and at x */
    char err[ERRMSG_MAX];
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_assert_not_null(pb, "%s", err);
    float *p = calloc(pb->n_params, sizeof *p), *g = calloc(pb->n_params, sizeof *g);
    OptRun r;
    cr_assert_eq(opt_run_plan(&r, cfg.optimizer, &cfg.hparams, pb->views, pb->n_views, pb->n_params, err, sizeof err), 0);
    cfg.problem->init(pb, p, cfg.seed);
    cr_assert_eq(opt_run_alloc(&r, p), 0);
    for (long t = 1; t <= 40; t++) {
        double lr[N_ROLES];
        cfg.problem->loss_and_grad(pb, p, g, cfg.seed, (uint64_t)(t - 1));
        run_group_lrs(&cfg, &r, t, lr);
        opt_run_step(&r, p, g, t, lr);
    }
    double at_y, at_x, acc;
    cfg.problem->eval(pb, p, &at_y, &acc);
    MetricRow row = {0};
    cr_assert_eq(run_eval(&cfg, pb, &r, p, &row), 0);
    cfg.problem->eval(pb, p, &acc, &acc);
    at_x = row.eval_loss;
    cr_expect_eq(s.eval_loss, at_x, "the run's held-out loss is x's");
    cr_expect_neq(at_x, at_y, "x and y differ");
    double again;
    cfg.problem->eval(pb, p, &again, &acc);
    cr_expect_eq(again, at_y, "the parameters are y again after the evaluation");
    opt_run_free(&r);
    free(p);
    free(g);
    cfg.problem->destroy(pb);
}

/* Without held-out data the final score is taken at x too: the last
 * minibatch's loss at x, while the metrics rows hold the losses at y. */
Test(groups, sfadamw_final_loss_is_taken_at_its_average)
{
    RunSummary s;
    test_run("rosenbrock,dim=4", "sfadamw,lr=0.01", 50, &rows, &s);
    RunConfig cfg = test_config("rosenbrock,dim=4", "sfadamw,lr=0.01", 50);
    char err[ERRMSG_MAX];
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    float p[4], g[4];
    OptRun r;
    cr_assert_eq(opt_run_plan(&r, cfg.optimizer, &cfg.hparams, pb->views, pb->n_views, 4, err, sizeof err), 0);
    cfg.problem->init(pb, p, cfg.seed);
    cr_assert_eq(opt_run_alloc(&r, p), 0);
    double lr[N_ROLES], last_y = 0;
    for (long t = 1; t <= 50; t++) {
        last_y = cfg.problem->loss_and_grad(pb, p, g, cfg.seed, (uint64_t)(t - 1));
        run_group_lrs(&cfg, &r, t, lr);
        opt_run_step(&r, p, g, t, lr);
    }
    opt_run_swap_eval(&r, p);
    const double at_x = cfg.problem->loss_and_grad(pb, p, g, cfg.seed, 49);
    cr_expect_eq(rows.rows[rows.n - 1].loss, last_y, "the rows hold the losses at y");
    cr_expect_eq(s.final_loss, at_x, "the final score is x's");
    cr_expect_neq(at_x, last_y);
    opt_run_free(&r);
    cfg.problem->destroy(pb);
}
