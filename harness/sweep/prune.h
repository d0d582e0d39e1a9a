/* prune.h — stopping hopeless runs of a sweep early, from the losses they
 * stream to the parent.
 *
 * ASHA (asynchronous successive halving): rungs at min_steps * reduction^i
 * steps (below the run's budget). At a run's first logged step at or past
 * a rung, its loss there joins that rung's values, and the run goes on only
 * if it is among the best 1/reduction of the rung's values (among the best
 * one while the rung holds fewer than `reduction`), else it is pruned.
 * Median (Optuna's median rule): from step `after` on, a run whose loss at a
 * logged step is above the median of the losses logged at that step is
 * pruned.
 *
 * A row's value is its held-out loss where it has one (an evaluation step),
 * else its training loss: set eval_every to the rung spacing (or a divisor)
 * to decide on held-out loss, which is what a report scores.
 *
 * Runs compete within a group (the caller's: one problem instance with one
 * step budget), in the order of their task numbers. A decision reads the
 * values of the runs before it in that order, and only those: ASHA's rung
 * holds the values of the earlier runs that reached the rung (pruned there
 * or not), the median those of the earlier runs that logged the step
 * (whether they finished or were pruned later). A decision that needs an
 * earlier run still short of the rung or step waits (PRUNE_WAIT) until that
 * run gets there or ends. So every decision is the one a single worker
 * running the runs in order would take, whatever the number of workers and
 * their timing; the earliest run in flight never waits, so nothing
 * deadlocks. A resumed sweep shows the rule the stored rows of the runs
 * finished before it in their places (execute.c's replay), so that it
 * decides as a sweep that was never interrupted.
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

/* What the rule says of a run at a checkpoint. */
typedef enum {
    PRUNE_GO,   /* it goes on */
    PRUNE_STOP, /* it is pruned */
    PRUNE_WAIT, /* not yet known: an earlier run of its group has not reached the rung or step */
} PruneVerdict;

/* Whether a run with budget `steps` that just logged `step` is at a
 * checkpoint, where the parent decides whether it goes on: ASHA at its
 * first logged step at or past each rung (below the budget), *next_rung
 * (start it at 0) counting the rungs passed; median at every logged step
 * from `after` on. Returns the number of rungs passed (ASHA) or 1, else 0. */
int prune_checkpoint(const PruneSpec *spec, long steps, long step, int *next_rung);

typedef struct Pruner Pruner;

/* A pruner for n_tasks runs, task t in group group[t]; NULL when out of memory. */
Pruner *pruner_new(const PruneSpec *spec, long n_tasks, const int *group);

void pruner_free(Pruner *p);

/* Run `task` (budget `steps`) logged `row` (rows in step order; every row
 * up to each checkpoint before the verdict there is asked): 0, or -1 when
 * out of memory for its values. */
int pruner_observe(Pruner *p, long task, long steps, const MetricRow *row);

/* The verdict on run `task` at the checkpoint of its last observed row
 * (PRUNE_GO when it is at none). Asked again after PRUNE_WAIT, it answers
 * once the earlier runs it needs have got further or ended. */
PruneVerdict pruner_decide(Pruner *p, long task);

/* Run `task` ended (done, diverged, failed, timed out or pruned): the runs
 * after it no longer wait for it. */
void pruner_end(Pruner *p, long task);

#endif
