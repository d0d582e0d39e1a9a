/* test_compare.c — the regression rules of compare.h on hand-made pairs of
 * runs: relative tolerance with its absolute floor, direction of accuracy,
 * status order, missing values, and the time gate being off by default. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "harness/store/compare.h"

static const CompareTol defaults = {.loss_tol = 1e-3, .loss_floor = 1e-6, .time_tol = -1, .mem_tol = 0};

/* A done run with every quantity at 1 (bytes 1000). */
static CompareRun run(void)
{
    CompareRun r;
    memset(&r, 0, sizeof r);
    strcpy(r.sweep, "s");
    strcpy(r.key, "0123456789abcdef");
    strcpy(r.status, "done");
    for (int m = 0; m < CMP_N_METRICS; m++) r.value[m] = 1.0;
    r.value[CMP_STATE_BYTES] = r.value[CMP_PEAK_BYTES] = 1000;
    return r;
}

static CompareVerdict verdict(const CompareRun *b, const CompareRun *x, const CompareTol *tol)
{
    CompareVerdict v;
    compare_runs(b, x, tol, &v);
    return v;
}

Test(compare, identical_runs_pass)
{
    CompareRun b = run(), x = run();
    cr_expect_not(verdict(&b, &x, &defaults).any);
}

Test(compare, loss_beyond_relative_tolerance_regresses)
{
    CompareRun b = run(), x = run();
    x.value[CMP_FINAL_LOSS] = 1.0005;
    cr_expect_not(verdict(&b, &x, &defaults).any);
    x.value[CMP_FINAL_LOSS] = 1.002;
    CompareVerdict v = verdict(&b, &x, &defaults);
    cr_expect(v.any && v.metric[CMP_FINAL_LOSS] && !v.metric[CMP_BEST_LOSS]);
}

Test(compare, absolute_floor_near_zero)
{
    CompareRun b = run(), x = run();
    b.value[CMP_BEST_LOSS] = 1e-12;
    x.value[CMP_BEST_LOSS] = 5e-7; /* 5e5 times larger, but below the floor */
    cr_expect_not(verdict(&b, &x, &defaults).any);
    x.value[CMP_BEST_LOSS] = 2e-6;
    cr_expect(verdict(&b, &x, &defaults).metric[CMP_BEST_LOSS]);
}

Test(compare, improvement_is_not_a_regression)
{
    CompareRun b = run(), x = run();
    x.value[CMP_FINAL_LOSS] = 0.5;
    x.value[CMP_EVAL_ACCURACY] = 1.5;
    cr_expect_not(verdict(&b, &x, &defaults).any);
    x.value[CMP_EVAL_ACCURACY] = 0.9; /* accuracy falling is worse */
    cr_expect(verdict(&b, &x, &defaults).metric[CMP_EVAL_ACCURACY]);
}

Test(compare, status_order)
{
    CompareRun b = run(), x = run();
    strcpy(x.status, "diverged");
    cr_expect(verdict(&b, &x, &defaults).status);
    cr_expect_not(verdict(&x, &b, &defaults).status); /* diverged -> done */
    strcpy(b.status, "diverged");
    strcpy(x.status, "failed");
    cr_expect(verdict(&b, &x, &defaults).status);
}

Test(compare, missing_values)
{
    CompareRun b = run(), x = run();
    b.value[CMP_EVAL_LOSS] = NAN;
    cr_expect_not(verdict(&b, &x, &defaults).any); /* new value where none was */
    x.value[CMP_FINAL_LOSS] = NAN;
    cr_expect(verdict(&b, &x, &defaults).metric[CMP_FINAL_LOSS]); /* value lost */
}

Test(compare, time_gate_only_when_asked)
{
    CompareRun b = run(), x = run();
    x.value[CMP_STEP_TIME] = 3.0;
    cr_expect_not(verdict(&b, &x, &defaults).any);
    CompareTol tol = defaults;
    tol.time_tol = 0.10;
    cr_expect(verdict(&b, &x, &tol).metric[CMP_STEP_TIME]);
    x.value[CMP_STEP_TIME] = 1.05;
    cr_expect_not(verdict(&b, &x, &tol).any);
}

Test(compare, memory_growth)
{
    CompareRun b = run(), x = run();
    x.value[CMP_STATE_BYTES] = 1004;
    cr_expect(verdict(&b, &x, &defaults).metric[CMP_STATE_BYTES]);
    CompareTol tol = defaults;
    tol.mem_tol = 0.01;
    cr_expect_not(verdict(&b, &x, &tol).any);
}
