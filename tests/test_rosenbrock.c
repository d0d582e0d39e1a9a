/* test_rosenbrock.c — the Rosenbrock problem: value, start, gradient,
 * noise. */
#include <criterion/criterion.h>
#include <math.h>

#include "harness/run/config.h"
#include "harness/check/gradcheck.h"

static Problem *make(const char *spec)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    config_defaults(&cfg);
    cr_assert_eq(config_set_problem(&cfg, spec, err, sizeof err), 0, "%s", err);
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    cr_assert_not_null(pb, "%s", err);
    return pb;
}

Test(rosenbrock, start_and_value)
{
    Problem *pb = make("rosenbrock,dim=2");
    float x[2], g[2];
    pb->def->init(pb, x, 123);
    cr_expect_eq(x[0], -1.2f);
    cr_expect_eq(x[1], 1.0f);
    double f = pb->def->loss_and_grad(pb, x, g, 0, 0);
    double x0 = -1.2f; /* the float start, exactly */
    double expect = 100 * (1 - x0 * x0) * (1 - x0 * x0) + (1 - x0) * (1 - x0);
    cr_expect(fabs(f - expect) < 1e-12, "%.15g vs %.15g", f, expect);
    cr_expect(fabs(f - 24.2) < 1e-4);
    float one[2] = {1, 1};
    cr_expect_eq(pb->def->loss_and_grad(pb, one, g, 0, 0), 0.0);
    cr_expect_eq(g[0], 0.0f);
    cr_expect_eq(g[1], 0.0f);
    pb->def->destroy(pb);
}

Test(rosenbrock, gradient_matches_central_differences)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    GradcheckTensor t[4];
    int n = 0;
    config_defaults(&cfg);
    cr_assert_eq(config_set_problem(&cfg, "rosenbrock,dim=9", err, sizeof err), 0);
    cr_assert_eq(gradcheck(cfg.problem, &cfg.problem_opts, DEVICE_CPU, 0, 64, t, 4, &n, err, sizeof err), 0, "%s", err);
    cr_assert_eq(n, 1);
    cr_expect_eq(t[0].checked, 9);
    cr_expect(t[0].worst_rel < cfg.problem->gradcheck_tol, "worst %.3g", t[0].worst_rel);
}

Test(rosenbrock, noise_follows_seed_and_batch)
{
    Problem *pb = make("rosenbrock,dim=4,noise=0.5");
    float x[4], a[4], b[4], c[4], d[4];
    pb->def->init(pb, x, 0);
    pb->def->loss_and_grad(pb, x, a, 7, 3);
    pb->def->loss_and_grad(pb, x, b, 7, 3);
    pb->def->loss_and_grad(pb, x, c, 7, 4);
    pb->def->loss_and_grad(pb, x, d, 8, 3);
    cr_expect_eq(memcmp(a, b, sizeof a), 0, "same seed and batch: same noise");
    cr_expect_neq(memcmp(a, c, sizeof a), 0, "another batch: other noise");
    cr_expect_neq(memcmp(a, d, sizeof a), 0, "another seed: other noise");
    pb->def->destroy(pb);
}
