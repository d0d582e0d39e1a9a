/* prune.h — stopping hopeless runs of a sweep early, from the losses they
 * stream to the parent.
 *
 * ASHA (asynchronous successive halving): rungs at min_steps * reduction^i
 * steps (below the run's budget). When a run's first logged step at or past
 * a rung arrives, its loss there joins that rung's values, and the run goes
 * on only if it is among the best 1/reduction of the values the rung holds
 * so far (among the best one while the rung holds fewer than `reduction`),
 * else it is pruned. Median (Optuna's median rule): from step `after` on,
 * a run whose loss at a logged step is above the median of the losses that
 * the runs already done logged at that step is pruned.
 *
 * A row's value is its held-out loss where it has one (an evaluation step),
 * else its training loss: set eval_every to the rung spacing (or a divisor)
 * to decide on held-out loss, which is what a report scores.
 *
 * Runs compete within a group (the caller's: one problem instance with one
 * step budget). A decision reads only the runs that reached the rung (or
 * finished) before it, so which runs are pruned depends on the order in
 * which runs progress, as ASHA's does by design: with one worker the order
 * is the sweep's, and the outcome is fixed.
 */
#ifndef OPTBENCH_PRUNE_H
#define OPTBENCH_PRUNE_H

#include "harness/run/record.h"

typedef enum { PRUNE_NONE, PRUNE_ASHA, PRUNE_MEDIAN } PruneMethod;

typedef struct {
    PruneMethod method; /* none, asha or median */
    long min_steps;     /* asha: the first rung */
    int reduction;      /* asha: rung spacing and the fraction kept (1/reduction) */
    long after;         /* median: the first step at which a run may be pruned */
} PruneSpec;

/* Whether a run with budget `steps` that just logged `step` is at a
 * checkpoint, where the parent decides whether it goes on: ASHA at its
 * first logged step at or past each rung (below the budget), *next_rung
 * (start it at 0) counting the rungs passed; median at every logged step
 * from `after` on. Returns the number of rungs passed (ASHA) or 1, else 0. */
int prune_checkpoint(const PruneSpec *spec, long steps, long step, int *next_rung);

typedef struct Pruner Pruner;

/* A pruner for n_tasks runs in n_groups groups; NULL when out of memory. */
Pruner *pruner_new(const PruneSpec *spec, long n_tasks, int n_groups);

void pruner_free(Pruner *p);

/* Run `task` of `group` (budget `steps`) logged `row` (rows in step
 * order): 1 when it is to be pruned now, else 0 (also when out of memory: a
 * run is never pruned for want of room). */
int pruner_observe(Pruner *p, long task, int group, long steps, const MetricRow *row);

/* A run of group ended done with its logged rows: the median rule compares
 * later runs with it. */
void pruner_done(Pruner *p, int group, const MetricRow *rows, long n);

#endif
