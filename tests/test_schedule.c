/* test_schedule.c — learning-rate schedules at known steps. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>

#include "harness/run/config.h"

typedef struct {
    char spec[64];   /* schedule spec */
    long t;          /* step */
    long steps;      /* run length */
    double expected; /* lr at step t for base lr 0.1 */
} ScheduleCase;

ParameterizedTestParameters(schedule, values)
{
    static ScheduleCase cases[] = {
        {"constant", 1, 100, 0.1},
        {"constant", 100, 100, 0.1},
        {"constant,warmup=10", 1, 100, 0.01},
        {"constant,warmup=10", 10, 100, 0.1},
        {"cosine", 1, 100, 0.1},                     /* e = 0 */
        {"cosine", 51, 100, 0.05},                   /* e = T/2: half way */
        {"cosine", 100, 100, 0.05 * (1 + cos(M_PI * 99 / 100))},
        {"cosine,warmup=100", 50, 1000, 0.05},
        {"cosine,warmup=100", 101, 1000, 0.1},
        {"cosine,warmup=100,min_lr=0.01", 551, 1000, 0.055}, /* e = 450 = T/2 */
        {"linear", 1, 10, 0.1},
        {"linear", 6, 10, 0.05},
        {"linear,warmup=2,min_lr=0.02", 2, 10, 0.1},
        {"linear,warmup=2,min_lr=0.02", 7, 10, 0.1 + (0.02 - 0.1) * 4 / 8},
    };
    return cr_make_param_array(ScheduleCase, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(ScheduleCase *c, schedule, values)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    config_defaults(&cfg);
    cr_assert_eq(config_set_schedule(&cfg, c->spec, err, sizeof err), 0, "%s", err);
    double lr = schedule_lr(cfg.schedule, &cfg.schedule_opts, 0.1, c->t, c->steps);
    cr_expect(fabs(lr - c->expected) < 1e-12, "%s t=%ld: %.15g != %.15g", c->spec, c->t, lr, c->expected);
}

Test(schedule, bad_specs_are_rejected)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    config_defaults(&cfg);
    cr_expect_neq(config_set_schedule(&cfg, "step", err, sizeof err), 0);
    cr_expect(strstr(err, "unknown schedule 'step'") != NULL, "%s", err);
    cr_expect_neq(config_set_schedule(&cfg, "cosine,warmup=-1", err, sizeof err), 0);
    cr_expect(strstr(err, "warmup") != NULL, "%s", err);
    cr_expect_neq(config_set_schedule(&cfg, "constant,min_lr=0.1", err, sizeof err), 0);
}
