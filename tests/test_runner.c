/* test_runner.c — the step loop: records, clipping, accumulation,
 * divergence, time-to-target and reproducibility. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "harness/run/runner.h"
#include "harness/core/timing.h"
#include "tests/run_support.h"

static Rows rows_a, rows_b;

Test(runner, logs_steps_1_1plusk_and_last)
{
    RunConfig cfg = test_config("rosenbrock,dim=2", "adam,lr=0.01", 25);
    RunSummary s;
    cfg.log_every = 10;
    rows_a.n = 0;
    runner_run(&cfg, keep_row, &rows_a, &s);
    cr_assert_eq(s.status, RUN_DONE);
    cr_assert_eq(rows_a.n, 4);
    cr_expect_eq(rows_a.rows[0].step, 1);
    cr_expect_eq(rows_a.rows[1].step, 11);
    cr_expect_eq(rows_a.rows[2].step, 21);
    cr_expect_eq(rows_a.rows[3].step, 25);
    cr_expect(fabs(rows_a.rows[0].loss - 24.2) < 1e-4);
    cr_expect_eq(s.steps_done, 25);
    cr_expect_eq(s.n_params, 2);
    cr_expect_eq(s.state_bytes, 2 * 2 * 4);
    cr_expect_eq(s.param_bytes, 8);
}

Test(runner, same_seed_same_losses_bit_for_bit)
{
    RunConfig cfg = test_config("rosenbrock,dim=50000,noise=0.1", "lion,lr=1e-4", 30);
    RunSummary s;
    rows_a.n = rows_b.n = 0;
    runner_run(&cfg, keep_row, &rows_a, &s);
    runner_run(&cfg, keep_row, &rows_b, &s);
    cr_assert_eq(rows_a.n, 30);
    for (int i = 0; i < rows_a.n; i++)
        cr_expect_eq(memcmp(&rows_a.rows[i].loss, &rows_b.rows[i].loss, sizeof(double)), 0, "step %d", i + 1);
}

Test(runner, divergence_ends_the_run_at_that_step)
{
    RunConfig cfg = test_config("rosenbrock,dim=2", "sgd,lr=0.1", 100);
    RunSummary s;
    rows_a.n = 0;
    runner_run(&cfg, keep_row, &rows_a, &s);
    cr_expect_eq(s.status, RUN_DIVERGED);
    cr_expect_lt(s.steps_done, 100);
    cr_expect_eq(rows_a.rows[rows_a.n - 1].step, s.steps_done);
    cr_expect(strstr(s.error, "step") != NULL, "%s", s.error);
}

Test(runner, time_to_target)
{
    RunConfig cfg = test_config("rosenbrock,dim=2", "adam,lr=0.05", 2000);
    RunSummary s;
    cfg.log_every = 1;
    cfg.target = 1.0;
    rows_a.n = 0;
    runner_run(&cfg, keep_row, &rows_a, &s);
    cr_assert_gt(s.steps_to_target, 1);
    cr_expect(rows_a.rows[s.steps_to_target - 1].loss <= 1.0);
    cr_expect(rows_a.rows[s.steps_to_target - 2].loss > 1.0);
    cr_expect_eq(s.seconds_to_target, rows_a.rows[s.steps_to_target - 1].elapsed);
}

Test(runner, clip_scales_to_the_max_norm)
{
    float g[3] = {3, 4, 0};
    double norm = clip_grad_norm(g, 3, 1.0);
    cr_expect(fabs(norm - 5) < 1e-12);
    cr_expect(fabs(sqrt(g[0] * g[0] + g[1] * g[1]) - 1.0) < 1e-6);
    float h[2] = {0.3f, 0.4f};
    clip_grad_norm(h, 2, 1.0);
    cr_expect_eq(h[0], 0.3f, "below the max norm nothing changes");
}

Test(runner, clipped_sgd_moves_by_at_most_lr_times_clip)
{
    RunConfig cfg = test_config("rosenbrock,dim=2", "sgd,lr=0.01", 2);
    RunSummary s;
    char err[ERRMSG_MAX];
    float p[2], p0[2], g[2];
    const double lr = 0.01;
    cfg.clip = 1.0;
    cfg.log_every = 1;
    rows_a.n = 0;
    runner_run(&cfg, keep_row, &rows_a, &s);
    cr_assert_eq(s.status, RUN_DONE, "%s", s.error);
    cr_assert_eq(rows_a.n, 2);
    /* step 1 by hand, in the runner's order: gradient, clip, update */
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_assert_not_null(pb, "%s", err);
    cfg.problem->init(pb, p, cfg.seed);
    memcpy(p0, p, sizeof p);
    cfg.problem->loss_and_grad(pb, p, g, cfg.seed, 0);
    const double norm = clip_grad_norm(g, 2, cfg.clip);
    cr_assert_gt(norm, 10 * cfg.clip, "the clip must bind for the test to mean anything (norm %g)", norm);
    float *no_state[OPT_MAX_STATE] = {0}; /* sgd without momentum keeps none */
    cr_assert_eq(cfg.optimizer->n_state(cfg.hparams.num), 0);
    const StateSlots st = state_slots_fp32(no_state);
    cfg.optimizer->step_cpu(cfg.hparams.num, &st, p, g, 2, 1, lr);
    const double moved = hypot((double)p[0] - p0[0], (double)p[1] - p0[1]);
    /* the parameters are floats: the move is known to a few of their ulps */
    const double rounding = 4 * FLT_EPSILON * fmax(fabs(p0[0]), fabs(p0[1]));
    cr_expect_leq(moved, lr * cfg.clip + rounding, "moved %.9g, more than lr x clip", moved);
    cr_expect_geq(moved, lr * cfg.clip - rounding, "a binding clip leaves a step of lr x clip (moved %.9g)", moved);
    /* and the run took that step: its step-2 loss is the loss there */
    cr_expect_eq(rows_a.rows[1].loss, cfg.problem->loss_and_grad(pb, p, g, cfg.seed, 1));
    /* its row's diagnostics are that step's norms, by the same sums */
    const double *got = rows_a.rows[0].norm;
    cr_expect_eq(got[NORM_GRAD], norm, "gradient norm before clipping");
    cr_expect(fabs(got[NORM_GRAD_CLIPPED] - cfg.clip) < 1e-6, "after clipping: %.9g", got[NORM_GRAD_CLIPPED]);
    cr_expect(fabs(got[NORM_UPDATE] - moved) <= 1e-12 * moved, "update norm %.17g, moved %.17g", got[NORM_UPDATE], moved);
    cr_expect_eq(got[NORM_PARAM], hypot(p[0], p[1]), "parameter norm after the update");
    cfg.problem->destroy(pb);
}

Test(runner, rows_without_clipping_have_one_gradient_norm_and_only_rows_are_diagnosed)
{
    RunConfig cfg = test_config("rosenbrock,dim=3", "adam,lr=0.01", 25);
    RunSummary s;
    cfg.log_every = 10;
    cfg.eval_every = 0;
    rows_a.n = 0;
    runner_run(&cfg, keep_row, &rows_a, &s);
    cr_assert_eq(s.status, RUN_DONE, "%s", s.error);
    cr_assert_eq(rows_a.n, 4, "steps 1, 11, 21 and the last");
    for (long i = 0; i < rows_a.n; i++) {
        const double *nm = rows_a.rows[i].norm;
        cr_expect_eq(nm[NORM_GRAD], nm[NORM_GRAD_CLIPPED], "row %ld", i);
        cr_expect(nm[NORM_GRAD] > 0 && nm[NORM_UPDATE] > 0 && nm[NORM_PARAM] > 0, "row %ld", i);
        /* Adam's first update moves each coordinate by about lr */
        if (i == 0) cr_expect(fabs(nm[NORM_UPDATE] - 0.01 * sqrt(3.0)) < 1e-4, "update %.9g", nm[NORM_UPDATE]);
    }
}

Test(runner, accumulation_averages_minibatch_gradients)
{
    /* Without noise every minibatch is the same: accum 4 equals accum 1. */
    RunConfig one = test_config("rosenbrock,dim=6", "adam,lr=0.01", 20), four = one;
    RunSummary s;
    four.accum = 4;
    rows_a.n = rows_b.n = 0;
    runner_run(&one, keep_row, &rows_a, &s);
    runner_run(&four, keep_row, &rows_b, &s);
    cr_assert_eq(rows_a.n, rows_b.n);
    cr_expect_eq(s.grad_bytes, 2 * 6 * 4);
    for (int i = 0; i < rows_a.n; i++)
        cr_expect(fabs(rows_a.rows[i].loss - rows_b.rows[i].loss) <= 1e-6 * rows_a.rows[i].loss, "step %d", i + 1);
    /* With noise, averaging 4 draws gives a different trajectory. */
    RunConfig noisy = test_config("rosenbrock,dim=6,noise=1", "adam,lr=0.01", 20), noisy4 = noisy;
    noisy4.accum = 4;
    rows_a.n = rows_b.n = 0;
    runner_run(&noisy, keep_row, &rows_a, &s);
    runner_run(&noisy4, keep_row, &rows_b, &s);
    cr_expect_neq(rows_a.rows[19].loss, rows_b.rows[19].loss);
}

Test(runner, quantile_is_the_nearest_rank)
{
    double v[101], w[4] = {3, 1, 2, 2};
    for (int i = 0; i < 101; i++) v[i] = (double)((i * 37) % 101); /* 0..100 shuffled */
    cr_expect_eq(quantile(v, 101, 0.5), 50);
    cr_expect_eq(quantile(v, 101, 0.9), 90);
    cr_expect_eq(quantile(v, 101, 1.0), 100);
    cr_expect_eq(quantile(w, 4, 0.5), 2);
    cr_expect_eq(quantile(w, 4, 0.9), 3);
    cr_expect_eq(quantile(w, 1, 0.9), w[0]);
}
