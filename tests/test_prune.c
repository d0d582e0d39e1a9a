/* test_prune.c — the pruning rules on streamed rows: ASHA's promotion at
 * each rung (the best 1/reduction so far, the best one while a rung holds
 * fewer than `reduction`), rungs at or past the budget never used, and the
 * median rule against runs already done; held-out loss read where a row
 * has it. */
#include <criterion/criterion.h>
#include <math.h>

#include "harness/sweep/prune.h"

static MetricRow row(long step, double loss, double eval_loss)
{
    return (MetricRow){.step = step, .loss = loss, .eval_loss = eval_loss, .eval_accuracy = NAN};
}

Test(prune, asha_keeps_the_best_third_of_each_rung_so_far)
{
    const PruneSpec spec = {.method = PRUNE_ASHA, .min_steps = 10, .reduction = 3};
    const double loss[9] = {5, 4, 3, 6, 2, 7, 8, 1, 9};
    const int expect[9] = {0, 0, 0, 1, 0, 1, 1, 0, 1};
    Pruner *p = pruner_new(&spec, 9, 1);
    cr_assert_not_null(p);
    for (int t = 0; t < 9; t++) {
        MetricRow before = row(5, 0.5, NAN), at = row(10, loss[t], NAN);
        cr_expect_eq(pruner_observe(p, t, 0, 100, &before), 0, "no rung before step 10");
        cr_expect_eq(pruner_observe(p, t, 0, 100, &at), expect[t], "run %d (loss %g) at rung 10", t, loss[t]);
    }
    /* the promoted ones meet rung 30 (10 x 3): the first there goes on, a worse second does not */
    MetricRow r30a = row(31, 2.0, NAN), r30b = row(30, 2.5, NAN);
    cr_expect_eq(pruner_observe(p, 0, 0, 100, &r30a), 0);
    cr_expect_eq(pruner_observe(p, 1, 0, 100, &r30b), 1);
    pruner_free(p);
}

Test(prune, asha_rungs_stop_below_the_budget_and_groups_are_apart)
{
    const PruneSpec spec = {.method = PRUNE_ASHA, .min_steps = 10, .reduction = 2};
    Pruner *p = pruner_new(&spec, 4, 2);
    MetricRow good = row(10, 1, NAN), bad = row(10, 9, NAN), late = row(20, 50, NAN), nan = row(10, NAN, NAN);
    cr_expect_eq(pruner_observe(p, 0, 0, 15, &good), 0);
    cr_expect_eq(pruner_observe(p, 1, 0, 15, &bad), 1);
    cr_expect_eq(pruner_observe(p, 0, 0, 15, &late), 0, "rung 20 is past a budget of 15 steps");
    cr_expect_eq(pruner_observe(p, 2, 1, 15, &bad), 0, "another group's first run goes on");
    cr_expect_eq(pruner_observe(p, 3, 1, 15, &nan), 1, "a non-finite loss never goes on");
    pruner_free(p);
}

Test(prune, median_rule_compares_with_runs_done)
{
    const PruneSpec spec = {.method = PRUNE_MEDIAN, .after = 20};
    Pruner *p = pruner_new(&spec, 3, 1);
    MetricRow a[3] = {row(10, 3, NAN), row(20, 2, NAN), row(30, 1, NAN)};
    MetricRow b[3] = {row(10, 5, NAN), row(20, 4, NAN), row(30, 3, NAN)};
    MetricRow early = row(10, 100, NAN), above = row(20, 3.5, NAN), below = row(20, 2.5, NAN);
    cr_expect_eq(pruner_observe(p, 0, 0, 30, &above), 0, "nothing done yet to compare with");
    pruner_done(p, 0, a, 3);
    pruner_done(p, 0, b, 3);
    cr_expect_eq(pruner_observe(p, 1, 0, 30, &early), 0, "before step `after`");
    cr_expect_eq(pruner_observe(p, 1, 0, 30, &above), 1, "3.5 is above the median 3 at step 20");
    cr_expect_eq(pruner_observe(p, 2, 0, 30, &below), 0);
    /* held-out loss where the row has one */
    MetricRow held = row(20, 100, 2.0);
    cr_expect_eq(pruner_observe(p, 2, 0, 30, &held), 0, "held-out 2.0 is below the median");
    pruner_free(p);
}
