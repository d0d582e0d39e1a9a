/* run_support.h — what the Criterion suites share to run a configuration
 * in-process: a sink that keeps the metrics rows, and a RunConfig built from
 * problem and optimizer spec strings. */
#ifndef OPTBENCH_TEST_RUN_SUPPORT_H
#define OPTBENCH_TEST_RUN_SUPPORT_H

#include <cblas.h>
#include <criterion/criterion.h>
#include <omp.h>
#include <string.h>

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

/* Runs problem x optimizer for steps on 1, 2 and 3 OpenMP threads (OpenBLAS
 * on one, as optbench keeps it) and expects every loss and the held-out loss
 * to be the same bit for bit. */
static inline void expect_losses_independent_of_threads(const char *problem, const char *optimizer, long steps)
{
    static Rows ref, other;
    RunSummary a, b;
    openblas_set_num_threads(1);
    omp_set_num_threads(1);
    test_run(problem, optimizer, steps, &ref, &a);
    for (int threads = 2; threads <= 3; threads++) {
        omp_set_num_threads(threads);
        test_run(problem, optimizer, steps, &other, &b);
        cr_assert_eq(other.n, ref.n);
        for (int i = 0; i < ref.n; i++)
            cr_expect_eq(memcmp(&ref.rows[i].loss, &other.rows[i].loss, sizeof(double)), 0,
                         "%d threads: step %ld loss %.17g vs %.17g", threads, ref.rows[i].step, other.rows[i].loss,
                         ref.rows[i].loss);
        cr_expect_eq(memcmp(&a.eval_loss, &b.eval_loss, sizeof(double)), 0, "%d threads: held-out loss %.17g vs %.17g",
                     threads, b.eval_loss, a.eval_loss);
    }
    omp_set_num_threads(1);
}

#endif
