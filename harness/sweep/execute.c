/* execute.c — from registered configurations to stored results. */
#include "harness/sweep/execute.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/sweep/pool.h"
#include "harness/sweep/progress.h"
#include "harness/store/store.h"
#include "harness/core/timing.h"

#define COMMIT_SECONDS 0.25 /* results are committed at least this often */

static volatile sig_atomic_t stop_requested; /* the SIGINT/SIGTERM received, or 0 */

static void on_signal(int sig) { stop_requested = sig; }

/* State shared with the pool callbacks. */
typedef struct {
    sqlite3 *db;             /* the database, inside an open transaction */
    const RunConfig *todo;   /* configurations being run */
    const int64_t *ids;      /* their run ids */
    unsigned char *started;  /* 1 while a run is in flight */
    const ExecOptions *opt;  /* caller's options */
    ExecCounts *counts;      /* outcome counts */
    Progress progress;       /* what is printed */
    double last_commit;      /* when the transaction was last committed */
    int failed;              /* a database write failed */
    char err[ERRMSG_MAX];    /* its message */
} Exec;

/* Commits what is pending and opens the next transaction. */
static void checkpoint(Exec *ex)
{
    if (ex->failed) return;
    if (store_commit(ex->db, ex->err, sizeof ex->err) || store_begin(ex->db, ex->err, sizeof ex->err)) ex->failed = 1;
    ex->last_commit = now_seconds();
}

static void exec_start(void *ctx, long task)
{
    Exec *ex = ctx;
    ex->started[task] = 1;
    if (!ex->failed && store_set_status(ex->db, ex->ids[task], RUN_RUNNING, ex->err, sizeof ex->err)) ex->failed = 1;
}

static void exec_finish(void *ctx, long task, const RunSummary *sum, const MetricRow *rows, long n_rows)
{
    Exec *ex = ctx;
    ex->started[task] = 0;
    if (!ex->failed && store_write_result(ex->db, ex->ids[task], sum, rows, n_rows, ex->err, sizeof ex->err))
        ex->failed = 1;
    ex->counts->done += sum->status == RUN_DONE;
    ex->counts->diverged += sum->status == RUN_DIVERGED;
    ex->counts->failed += sum->status == RUN_FAILED;
    ex->counts->timeout += sum->status == RUN_TIMEOUT;
    progress_update(&ex->progress, sum->status);
    if (ex->opt->on_result) ex->opt->on_result(ex->opt->ctx, &ex->todo[task], ex->ids[task], sum);
    if (now_seconds() - ex->last_commit > COMMIT_SECONDS) checkpoint(ex);
}

int execute_runs(sqlite3 *db, int64_t sweep_id, const RunConfig *cfgs, long n, const ExecOptions *opt,
                 ExecCounts *counts, char *err, size_t errlen)
{
    int64_t *ids = malloc((size_t)(n ? n : 1) * sizeof *ids);
    unsigned char *done = malloc((size_t)(n ? n : 1));
    RunConfig *todo = malloc((size_t)(n ? n : 1) * sizeof *todo);
    int64_t *todo_ids = malloc((size_t)(n ? n : 1) * sizeof *todo_ids);
    unsigned char *started = calloc((size_t)(n ? n : 1), 1);
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
    Exec ex = {.db = db, .todo = todo, .ids = todo_ids, .started = started, .opt = opt, .counts = counts};
    long n_todo = 0;
    int rc = -1, in_tx = 0;
    memset(counts, 0, sizeof *counts);
    counts->total = n;
    if (!ids || !done || !todo || !todo_ids || !started) {
        snprintf(err, errlen, "out of memory for %ld runs", n);
        goto cleanup;
    }
    if (store_claim_runs(db, sweep_id, cfgs, n, ids, done, err, errlen)) goto cleanup;
    for (long i = 0; i < n; i++) {
        if (done[i]) {
            counts->already++;
            continue;
        }
        todo[n_todo] = cfgs[i];
        todo_ids[n_todo++] = ids[i];
    }
    if (store_begin(db, err, errlen)) goto cleanup;
    in_tx = 1;
    stop_requested = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    progress_start(&ex.progress, n_todo, opt->quiet);
    ex.last_commit = now_seconds();
    PoolOptions po = {.jobs = opt->jobs, .timeout_s = opt->timeout_s, .on_start = exec_start,
                      .on_finish = exec_finish, .ctx = &ex, .stop = &stop_requested};
    int pool_rc = pool_run(todo, n_todo, &po);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    progress_finish(&ex.progress);
    counts->interrupted = pool_rc == 1 ? (int)stop_requested : 0;
    /* runs stopped in flight go back to pending: nothing unfinished is done */
    for (long i = 0; i < n_todo && !ex.failed; i++)
        if (started[i] && store_set_status(db, todo_ids[i], RUN_PENDING, ex.err, sizeof ex.err)) ex.failed = 1;
    if (ex.failed) {
        snprintf(err, errlen, "%s", ex.err);
        goto cleanup;
    }
    in_tx = 0;
    if (store_commit(db, err, errlen)) goto cleanup;
    if (pool_rc < 0) {
        snprintf(err, errlen, "the worker pool failed");
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (in_tx) store_rollback(db);
    free(ids);
    free(done);
    free(todo);
    free(todo_ids);
    free(started);
    return rc;
}
