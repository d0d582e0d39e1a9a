/* run_support.h — what the Criterion suites share to run a configuration
 * in-process: a sink that keeps the metrics rows, and a RunConfig built from
 * problem and optimizer spec strings. */
#ifndef OPTBENCH_TEST_RUN_SUPPORT_H
#define OPTBENCH_TEST_RUN_SUPPORT_H

#include <criterion/criterion.h>

#include "harness/run/runner.h"

#define MAX_ROWS 4096 /* metric rows a test run keeps */

/* Metric rows of a run, kept in memory (declare them static: they are large). */
typedef struct {
    MetricRow rows[MAX_ROWS]; /* in order */
    int n;                    /* rows held */
} Rows;

/* A MetricSink that appends to a Rows; a run with more rows fails the test. */
static inline void keep_row(void *ctx, const MetricRow *row)
{
    Rows *r = ctx;
    cr_assert_lt(r->n, MAX_ROWS);
    r->rows[r->n++] = *row;
}

/* The defaults with a problem, an optimizer and a step count. */
static inline RunConfig test_config(const char *problem, const char *optimizer, long steps)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    config_defaults(&cfg);
    cr_assert_eq(config_set_problem(&cfg, problem, err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_set_optimizer(&cfg, optimizer, err, sizeof err), 0, "%s", err);
    cfg.steps = steps;
    return cfg;
}

/* Runs problem x optimizer for steps with a row every step; asserts it ends done. */
static inline void test_run(const char *problem, const char *optimizer, long steps, Rows *rows, RunSummary *sum)
{
    RunConfig cfg = test_config(problem, optimizer, steps);
    cfg.log_every = 1;
    rows->n = 0;
    runner_run(&cfg, keep_row, rows, sum);
    cr_assert_eq(sum->status, RUN_DONE, "%s: %s", problem, sum->error);
}

#endif
