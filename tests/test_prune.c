/* test_prune.c — the pruning rules on streamed rows: ASHA's promotion at
 * each rung (the best 1/reduction of the earlier runs' values and its own,
 * the best one while a rung holds fewer than `reduction`), rungs at or past
 * the budget never used, groups apart, and the median rule against the
 * earlier runs' losses at the step; held-out loss read where a row has it;
 * a verdict waits for an earlier run short of the rung or step and never
 * reads a later run's value, so it is the same in any order of arrival. */
#include <criterion/criterion.h>
#include <math.h>

#include "harness/sweep/prune.h"

static MetricRow row(long step, double loss, double eval_loss)
{
    return (MetricRow){.step = step, .loss = loss, .eval_loss = eval_loss, .eval_accuracy = NAN};
}

/* Observes one row of task and returns the verdict there. */
static PruneVerdict at(Pruner *p, long task, long steps, MetricRow r)
{
    cr_assert_eq(pruner_observe(p, task, steps, &r), 0);
    return pruner_decide(p, task);
}

static const int one_group[16];

Test(prune, asha_keeps_the_best_third_of_each_rung_among_earlier_runs)
{
    const PruneSpec spec = {.method = PRUNE_ASHA, .min_steps = 10, .reduction = 3};
    const double loss[9] = {5, 4, 3, 6, 2, 7, 8, 1, 9};
    const PruneVerdict expect[9] = {PRUNE_GO, PRUNE_GO, PRUNE_GO, PRUNE_STOP, PRUNE_GO,
                                    PRUNE_STOP, PRUNE_STOP, PRUNE_GO, PRUNE_STOP};
    Pruner *p = pruner_new(&spec, 9, one_group);
    cr_assert_not_null(p);
    for (int t = 0; t < 9; t++) {
        cr_expect_eq(at(p, t, 100, row(5, 0.5, NAN)), PRUNE_GO, "no rung before step 10");
        cr_expect_eq(at(p, t, 100, row(10, loss[t], NAN)), expect[t], "run %d (loss %g) at rung 10", t, loss[t]);
        if (expect[t] == PRUNE_STOP) pruner_end(p, t);
    }
    /* the promoted ones meet rung 30 (10 x 3): the first there goes on; a
     * worse second does not, once the first has ended or got there */
    cr_expect_eq(at(p, 0, 100, row(31, 2.0, NAN)), PRUNE_GO);
    cr_expect_eq(at(p, 1, 100, row(30, 2.5, NAN)), PRUNE_STOP);
    pruner_free(p);
}

Test(prune, asha_rungs_stop_below_the_budget_and_groups_are_apart)
{
    const PruneSpec spec = {.method = PRUNE_ASHA, .min_steps = 10, .reduction = 2};
    const int group[4] = {0, 0, 1, 1};
    Pruner *p = pruner_new(&spec, 4, group);
    cr_expect_eq(at(p, 0, 15, row(10, 1, NAN)), PRUNE_GO);
    cr_expect_eq(at(p, 1, 15, row(10, 9, NAN)), PRUNE_STOP);
    cr_expect_eq(at(p, 0, 15, row(20, 50, NAN)), PRUNE_GO, "rung 20 is past a budget of 15 steps");
    cr_expect_eq(at(p, 2, 15, row(10, 9, NAN)), PRUNE_GO, "another group's first run goes on");
    cr_expect_eq(at(p, 3, 15, row(10, NAN, NAN)), PRUNE_STOP, "a non-finite loss never goes on");
    pruner_free(p);
}

Test(prune, asha_waits_for_earlier_runs_and_ignores_later_ones)
{
    const PruneSpec spec = {.method = PRUNE_ASHA, .min_steps = 10, .reduction = 2};
    Pruner *p = pruner_new(&spec, 3, one_group);
    /* run 2 gets to the rung first, with a better loss than run 1 will have */
    cr_expect_eq(at(p, 2, 100, row(10, 1.0, NAN)), PRUNE_WAIT, "runs 0 and 1 are not there yet");
    cr_expect_eq(at(p, 1, 100, row(10, 3.0, NAN)), PRUNE_WAIT, "run 0 is not there yet");
    cr_expect_eq(at(p, 0, 100, row(10, 2.0, NAN)), PRUNE_GO, "the first run never waits");
    /* run 1 reads run 0's 2.0 and its own 3.0 (keep 1): pruned; run 2's 1.0 is not read */
    cr_expect_eq(pruner_decide(p, 1), PRUNE_STOP);
    pruner_end(p, 1);
    /* run 2: 2.0, 3.0 and its 1.0, keep 1: it goes on */
    cr_expect_eq(pruner_decide(p, 2), PRUNE_GO);
    /* one row past two rungs (20 and 40): run 2 waits at 20 for run 0,
     * which then ends without getting there; alone at both, it goes on */
    cr_expect_eq(at(p, 2, 100, row(45, 5.0, NAN)), PRUNE_WAIT);
    pruner_end(p, 0);
    cr_expect_eq(pruner_decide(p, 2), PRUNE_GO);
    cr_expect_eq(at(p, 2, 100, row(80, 5.0, NAN)), PRUNE_GO, "rung 80 is the next, and it is alone there");
    pruner_free(p);
}

Test(prune, median_rule_compares_with_earlier_runs_at_the_step)
{
    const PruneSpec spec = {.method = PRUNE_MEDIAN, .after = 20};
    Pruner *p = pruner_new(&spec, 4, one_group);
    cr_expect_eq(at(p, 0, 40, row(20, 2, NAN)), PRUNE_GO, "nothing earlier to compare with");
    cr_expect_eq(at(p, 0, 40, row(30, 1, NAN)), PRUNE_GO);
    cr_expect_eq(at(p, 1, 40, row(10, 100, NAN)), PRUNE_GO, "before step `after`");
    cr_expect_eq(at(p, 1, 40, row(20, 4, NAN)), PRUNE_STOP, "4 is above run 0's 2 at step 20");
    pruner_end(p, 1);
    pruner_end(p, 0);
    /* median of runs 0 and 1 at step 20: 3 (a pruned run's earlier losses count) */
    cr_expect_eq(at(p, 2, 40, row(20, 3.5, NAN)), PRUNE_STOP, "3.5 is above the median 3");
    cr_expect_eq(at(p, 3, 40, row(20, 100, 2.5)), PRUNE_GO, "held-out 2.5 is below the median 3 of runs 0 to 2");
    pruner_free(p);
}

Test(prune, median_rule_waits_for_an_earlier_run_short_of_the_step)
{
    const PruneSpec spec = {.method = PRUNE_MEDIAN, .after = 10};
    Pruner *p = pruner_new(&spec, 2, one_group);
    cr_expect_eq(at(p, 1, 40, row(10, 5, NAN)), PRUNE_WAIT);
    cr_expect_eq(at(p, 0, 40, row(10, 1, NAN)), PRUNE_GO);
    cr_expect_eq(pruner_decide(p, 1), PRUNE_STOP, "5 is above run 0's 1");
    pruner_free(p);
}
