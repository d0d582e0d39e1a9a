/* execute.h — running a list of configurations into a sweep of the
 * database: claim them, skip those already finished, run the rest on the
 * worker pool, write results in short batched transactions, and wait for
 * runs another process (a concurrent sweep) has claimed, taking over those
 * it leaves unfinished. Shared by `optbench run` (one configuration) and
 * `optbench sweep`. */
#ifndef OPTBENCH_EXECUTE_H
#define OPTBENCH_EXECUTE_H

#include <sqlite3.h>

#include "harness/run/record.h"
#include "harness/sweep/prune.h"

typedef struct {
    int jobs;            /* worker processes */
    double timeout_s;    /* per-run limit; 0 = none */
    int quiet;           /* no progress output */
    PruneSpec prune;     /* stopping hopeless runs early (PRUNE_NONE: never) */
    uint64_t order_seed; /* with pruning: runs go in an order shuffled from this seed */
    const char *machine; /* this invocation's machine (host_machine_json), kept by the runs it claims
                            where the sweep's differs (store_claim_runs); NULL: none */
    /* Called in the parent for every run that ended, after it is stored. */
    void (*on_result)(void *ctx, const RunConfig *cfg, int64_t run_id, const RunSummary *sum);
    void *ctx;           /* passed to on_result */
} ExecOptions;

typedef struct {
    long total;          /* configurations given */
    long already;        /* already done or diverged before this call */
    long elsewhere;      /* finished meanwhile by another process that had claimed them */
    long done;           /* ended done in this call */
    long diverged;       /* ended diverged */
    long failed;         /* ended failed (crashed, or an error) */
    long timeout;        /* ended past the sweep's timeout_s */
    long pruned;         /* stopped early by the pruning rule */
    long steps_budget;   /* steps asked for by the runs that ended in this call */
    long steps_saved;    /* steps the pruned ones did not run */
    int interrupted;     /* the signal (SIGINT, SIGTERM) that stopped it, or 0 */
} ExecCounts;

/* Returns 0 (see counts for how runs ended), or -1 with a message when the
 * database or the pool failed. */
int execute_runs(sqlite3 *db, int64_t sweep_id, const RunConfig *cfgs, long n, const ExecOptions *opt,
                 ExecCounts *counts, char *err, size_t errlen);

#endif
