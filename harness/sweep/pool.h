/* pool.h — the forked worker pool that runs configurations.
 *
 * The parent forks up to `jobs` worker processes and hands each one run
 * configuration at a time over a pipe; a worker runs it and streams its
 * metrics rows and summary back over another pipe. Workers live across runs
 * (a fork costs far more than a small run), but a crash or a timeout kills
 * only the worker and its current run: the run is reported failed/timeout
 * with the reason and the rows it had sent, and a fresh worker takes the
 * next one. The parent alone touches the database, through the callbacks.
 * Under a pruning rule a worker stops at each checkpoint of its run and
 * waits for the parent's word (go on, or be killed as pruned; the word may
 * wait for other runs to get further), so that every decision reads the
 * rows the rule asks for whatever the timing.
 */
#ifndef OPTBENCH_POOL_H
#define OPTBENCH_POOL_H

#include <signal.h>

#include "harness/run/record.h"
#include "harness/sweep/prune.h"

typedef struct {
    int jobs;           /* worker processes at most */
    double timeout_s;   /* per-run limit in seconds; 0 = none */
    /* A run was handed to a worker. */
    void (*on_start)(void *ctx, long task);
    /* A run ended (done, diverged, failed or timeout) with its rows. */
    void (*on_finish)(void *ctx, long task, const RunSummary *sum, const MetricRow *rows, long n_rows);
    /* With prune set: a run reached a checkpoint of the pruning rule (see
     * prune_checkpoint) and its worker waits for the answer; rows holds all
     * of its rows so far. PRUNE_STOP stops the run (the worker is killed),
     * which ends as pruned with those rows; PRUNE_GO lets it go on;
     * PRUNE_WAIT keeps it waiting, to be asked again after any other
     * worker's records arrive or a run ends. */
    PruneVerdict (*on_rows)(void *ctx, long task, const MetricRow *rows, long n_rows);
    /* Between turns (after the workers' records are read and their next
     * runs handed over): one short step of the caller's own work, such as
     * writing one ended run. Returns the seconds until it has more to do
     * (0: at once), or -1 when nothing waits. NULL: none. */
    double (*on_idle)(void *ctx);
    /* Just before the pool forks a worker (before = 1) and just after, in
     * the parent (0): a caller with threads of its own has none running at
     * the fork (it may start them again after), since a worker, which
     * starts threads, must not be forked from a process with more than
     * one. NULL: none. */
    void (*on_fork)(void *ctx, int before);
    const PruneSpec *prune; /* the pruning rule, NULL for none: its checkpoints make a worker wait */
    /* Runs known so far, for a caller that claims them while the pool runs
     * (in on_idle): only cfgs[0..*ready) are handed out, those with skip[t]
     * set passed over, and the pool goes on while *ready < n. NULL: all n
     * from the start, none skipped. */
    const long *ready;
    const unsigned char *skip;
    void *ctx;          /* passed to the callbacks */
    volatile sig_atomic_t *stop; /* when it becomes non-zero, workers are killed and pool_run returns */
} PoolOptions;

/* Runs cfgs[0..n) on the pool (those not skipped). Returns 0 when every run ended, 1 when
 * stopped early through opt->stop (runs in flight did not end), -1 on a
 * system error (message printed). */
int pool_run(const RunConfig *cfgs, long n, const PoolOptions *opt);

#endif
