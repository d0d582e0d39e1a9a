/* execute.c — from claimed configurations to stored results.
 *
 * Runs are claimed for this process (store_claim_runs) and run on the pool:
 * the first runs start after one chunk of claims, and the rest are claimed
 * between the pool's turns (a pruned sweep claims all first, to order them).
 * Their results are kept in memory and written between the pool's turns,
 * one run at a time, so that the parent answers its workers within one
 * run's write however many runs wait to be stored; the writes go in short
 * transactions, and the database's write lock is left free for at least
 * LOCK_GAP_SECONDS after each commit for other sweeps on the same file.
 * Runs that another live process has claimed are waited for, and claimed
 * again if that process ends without finishing them. */
#include "harness/sweep/execute.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/core/hostinfo.h"
#include "harness/core/rng.h"
#include "harness/core/timing.h"
#include "harness/store/store.h"
#include "harness/sweep/pool.h"
#include "harness/sweep/progress.h"

#define LOCK_GAP_SECONDS 0.02  /* the write lock is left free this long after each commit */
#define HOLD_SECONDS 0.05      /* a transaction is committed after this long even with runs left to write */
#define WAIT_POLL_SECONDS 0.5  /* how often runs claimed by another process are looked at again */
#define CLAIM_CHUNK 32         /* configurations the first round claims per transaction while it runs */

static volatile sig_atomic_t stop_requested; /* the SIGINT/SIGTERM received, or 0 */

static void on_signal(int sig) { stop_requested = sig; }

/* Seconds since the epoch: when a run started and ended, for the database. */
static double wall_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* order[0..n): a permutation of 0..n-1 drawn from seed, the order in which
 * a pruned sweep runs its configurations. Under pruning, the order in which
 * runs reach a rung decides which go on; a sweep file lists a grid in sorted
 * order (every lr better than the one before it, say), which would let ASHA
 * promote nearly every run, so a pruned sweep runs its configurations in a
 * seeded random order instead, as a random search would draw them. */
static void shuffled_order(long *order, long n, uint64_t seed)
{
    for (long i = 0; i < n; i++) order[i] = i;
    for (long i = n - 1; i > 0; i--) {
        long j = (long)(rng_uniform(seed, RNG_STREAM_ORDER, (uint64_t)i) * (double)(i + 1));
        long t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

/* The configurations of execute_runs and where each stands. */
typedef struct {
    sqlite3 *db;                          /* the database */
    int64_t sweep_id;                     /* the sweep */
    char owner[HOST_PROCESS_ID_MAX];      /* this process, as runs.owner */
    const char *machine;                  /* its machine, for runs.machine (ExecOptions) */
    char busy_owner[HOST_PROCESS_ID_MAX]; /* a process holding one of the busy runs */
    const RunConfig *cfgs;                /* every configuration */
    long n_all;                           /* how many */
    int64_t *ids;                         /* per configuration: its run id, as last claimed */
    unsigned char *state;                 /* per configuration: its ClaimState, as last claimed */
    long *busy;                           /* indices of those still to claim: held by other processes */
    long n_busy;                          /* how many */
    RunConfig *sub;                       /* room for the configurations of one claim (claim_listed) */
    long *pick;                           /* room for their indices */
    int64_t *got_ids;                     /* room for their run ids, as store_claim_runs gives them */
    unsigned char *got_state;             /* and their ClaimState */
    RunConfig *todo;                      /* the round's configurations (those claimed for this process,
                                             and with pruning those finished before, to replay) */
    int64_t *todo_ids;                    /* their run ids */
    long n_todo;                          /* how many */
    long ready;                           /* first round: configurations claimed so far, in order */
    unsigned char *skip;                  /* first round: per run, 1 when not to run here (finished, or
                                             held by another process) */
    long *order;                          /* the first round's order of the configurations: 0..n_all-1
                                             (without pruning) or drawn from the seed; after it, room
                                             for shuffle_todo's */
    Progress *progress;                   /* the runs to do are added to its total */
} Claims;

/* Claims for this process, in one transaction (store_claim_runs), the k
 * configurations cfgs[0..k), which are c->cfgs[pick[0..k)], and sorts them:
 * the run id and ClaimState of each go to c->ids and c->state at its
 * index; those another live process holds are added to c->busy (the first
 * one's owner to c->busy_owner when that is ""); those found finished are
 * counted in *finished. The one place runs are claimed. 0, or -1 with a
 * message. */
static int claim_listed(Claims *c, const RunConfig *cfgs, const long *pick, long k, long *finished, char *err,
                        size_t errlen)
{
    char owner[HOST_PROCESS_ID_MAX];
    if (store_claim_runs(c->db, c->sweep_id, c->owner, c->machine, cfgs, k, c->got_ids, c->got_state, owner,
                         sizeof owner, err, errlen))
        return -1;
    if (!c->busy_owner[0]) snprintf(c->busy_owner, sizeof c->busy_owner, "%s", owner);
    for (long j = 0; j < k; j++) {
        const long i = pick[j];
        c->ids[i] = c->got_ids[j];
        c->state[i] = c->got_state[j];
        if (c->state[i] == CLAIM_BUSY) c->busy[c->n_busy++] = i;
        else if (c->state[i] == CLAIM_FINISHED) ++*finished;
    }
    return 0;
}

/* The round's runs: the configurations pick[0..k) in that order as
 * claim_listed left them, but those another process holds; those found
 * finished are left out, or with replay set kept, with c->skip set (a
 * pruned sweep's first round: the pruning rule sees their stored rows
 * where they stand in the order, so that a resumed sweep decides as one
 * that ran uninterrupted). The runs to do are added to the progress total. */
static void take_round(Claims *c, const long *pick, long k, int replay)
{
    long m = 0, to_run = 0;
    for (long j = 0; j < k; j++) {
        const long i = pick[j];
        if (c->state[i] == CLAIM_BUSY || (c->state[i] == CLAIM_FINISHED && !replay)) continue;
        c->todo[m] = c->cfgs[i];
        c->todo_ids[m] = c->ids[i];
        c->skip[m] = c->state[i] == CLAIM_FINISHED;
        to_run += !c->skip[m++];
    }
    c->n_todo = m;
    progress_add(c->progress, to_run);
}

/* A round after the first: claims the busy configurations again, and
 * those now to run here become the round's runs; the others stay busy or
 * are counted in *finished (finished meanwhile elsewhere). */
static int claim_busy(Claims *c, long *finished, char *err, size_t errlen)
{
    const long n = c->n_busy;
    for (long j = 0; j < n; j++) {
        c->pick[j] = c->busy[j];
        c->sub[j] = c->cfgs[c->busy[j]];
    }
    c->n_busy = 0;
    c->busy_owner[0] = 0;
    if (claim_listed(c, c->sub, c->pick, n, finished, err, errlen)) return -1;
    take_round(c, c->pick, n, 0);
    return 0;
}

/* The first round's claims without pruning, in chunks while its first runs
 * run: the next CLAIM_CHUNK configurations of all, in order (c->cfgs and
 * c->ids are the round's runs); those found finished or held by another
 * process are skipped, the latter kept busy for a later round. */
static int claim_chunk(Claims *c, long *finished, char *err, size_t errlen)
{
    const long from = c->ready, k = c->n_all - from < CLAIM_CHUNK ? c->n_all - from : CLAIM_CHUNK;
    long to_run = 0;
    if (claim_listed(c, c->cfgs + from, c->order + from, k, finished, err, errlen)) return -1;
    for (long i = from; i < from + k; i++) {
        c->skip[i] = c->state[i] != CLAIM_RUN;
        to_run += !c->skip[i];
    }
    c->ready = from + k;
    progress_add(c->progress, to_run);
    return 0;
}

/* A pruned sweep's first round: every configuration claimed at once, and
 * the round's runs are all but those another process holds, in the order
 * drawn from seed over all of them (take_round's replay). */
static int claim_pruned(Claims *c, uint64_t seed, long *finished, char *err, size_t errlen)
{
    if (claim_listed(c, c->cfgs, c->order, c->n_all, finished, err, errlen)) return -1;
    shuffled_order(c->order, c->n_all, seed);
    take_round(c, c->order, c->n_all, 1);
    c->ready = c->n_todo;
    return 0;
}

/* c->todo with their ids in the order drawn from seed (the runs a pruned
 * sweep takes over from another process). */
static void shuffle_todo(Claims *c, uint64_t seed)
{
    shuffled_order(c->order, c->n_todo, seed);
    for (long k = 0; k < c->n_todo; k++) {
        c->sub[k] = c->todo[c->order[k]];
        c->got_ids[k] = c->todo_ids[c->order[k]];
    }
    memcpy(c->todo, c->sub, (size_t)c->n_todo * sizeof *c->todo);
    memcpy(c->todo_ids, c->got_ids, (size_t)c->n_todo * sizeof *c->todo_ids);
}

/* An ended run waiting to be written. */
typedef struct {
    long task;       /* its index in the round's configurations */
    RunSummary sum;  /* its summary */
    MetricRow *rows; /* a copy of its rows */
    long n_rows;     /* how many */
    double ended;    /* when it ended (wall_clock) */
} Ended;

/* State shared with the pool callbacks during one round. */
typedef struct {
    sqlite3 *db;             /* the database */
    const RunConfig *todo;   /* configurations being run */
    const int64_t *ids;      /* their run ids */
    long n;                  /* how many */
    unsigned char *started;  /* 1 while a run is in flight */
    double *started_at;      /* per run: when it was handed to a worker (wall_clock) */
    long *starts;            /* runs started and not yet marked running in the database */
    long n_starts;           /* how many */
    Ended *ended;            /* runs ended and not yet committed, in the order they ended */
    long n_ended, cap_ended; /* how many, and room */
    long n_written;          /* ended[0..n_written) are written in the open transaction */
    int open;                /* a transaction is open */
    double opened;           /* when it was begun (now_seconds) */
    Claims *claims;          /* first round: the configurations still to claim, NULL when all are */
    unsigned char *replaying; /* pruning, first round: per run, 1 while the rows it stored before this
                                 invocation are being shown to the pruning rule (replay) */
    long n_replaying;        /* runs whose replaying is 1: replay has nothing to do at 0 */
    MetricRow **stored;      /* per such run, its rows */
    long *n_stored;          /* how many */
    unsigned char *waiting;  /* per such run: its replay waits for the verdict at its last row shown */
    const ExecOptions *opt;  /* caller's options */
    ExecCounts *counts;      /* outcome counts */
    Progress *progress;      /* what is printed */
    Pruner *pruner;          /* the pruning rule's state, NULL without one */
    int *group;              /* per run: the group it competes in (problem instance and budget) */
    long *seen;              /* per run: rows already shown to the pruner */
    double last_commit;      /* when results were last committed (now_seconds) */
    int failed;              /* a database write failed */
    char err[ERRMSG_MAX];    /* its message */
} Exec;

/* Begins a transaction and marks the runs started since the last one that
 * are still in flight as running (those that ended meanwhile get their
 * start time with their result). */
static void begin_writes(Exec *ex)
{
    int bad = ex->failed || store_begin(ex->db, ex->err, sizeof ex->err);
    for (long i = 0; i < ex->n_starts && !bad; i++) {
        const long t = ex->starts[i];
        if (ex->started[t])
            bad = store_set_status(ex->db, ex->ids[t], RUN_RUNNING, ex->started_at[t], ex->err, sizeof ex->err);
    }
    if (bad && !ex->failed) store_rollback(ex->db);
    ex->failed |= bad;
    ex->n_starts = 0;
    ex->open = !bad;
    ex->n_written = 0;
    ex->opened = now_seconds();
    progress_note(ex->progress, ""); /* no longer waiting for a lock */
}

/* Writes the next ended run into the open transaction. */
static void write_one(Exec *ex)
{
    const Ended *e = &ex->ended[ex->n_written++];
    if (store_write_result(ex->db, ex->ids[e->task], &e->sum, e->rows, e->n_rows, ex->started_at[e->task], e->ended,
                           ex->err, sizeof ex->err)) {
        store_rollback(ex->db);
        ex->failed = 1;
        ex->open = 0;
    }
}

/* Commits the open transaction, reports the runs it wrote, and keeps those
 * that ended meanwhile for the next one. */
static void commit_writes(Exec *ex)
{
    if (store_commit(ex->db, ex->err, sizeof ex->err)) ex->failed = 1;
    ex->open = 0;
    for (long i = 0; i < ex->n_written; i++) {
        const Ended *e = &ex->ended[i];
        if (!ex->failed && ex->opt->on_result) ex->opt->on_result(ex->opt->ctx, &ex->todo[e->task], ex->ids[e->task], &e->sum);
        free(e->rows);
    }
    if (ex->n_written) /* ended is NULL before any run ended */
        memmove(ex->ended, ex->ended + ex->n_written, (size_t)(ex->n_ended - ex->n_written) * sizeof *ex->ended);
    ex->n_ended -= ex->n_written;
    ex->n_written = 0;
    ex->last_commit = now_seconds();
}

/* Shows the pruning rule the rows of the runs that finished before this
 * invocation (a resumed pruned sweep), each as far as its verdicts can be
 * given now, exactly as when they ran: a stored run's rows are those it
 * would log again, and it waits for the runs before it as it did. Returns
 * 1 when any got further. */
static int replay(Exec *ex)
{
    int moved = 0;
    for (long t = 0; ex->n_replaying && t < ex->n; t++) {
        if (!ex->replaying[t]) continue; /* run here, or replayed to its end */
        PruneVerdict v = ex->waiting[t] ? pruner_decide(ex->pruner, t) : PRUNE_GO;
        while (v == PRUNE_GO && ex->seen[t] < ex->n_stored[t]) {
            if (pruner_observe(ex->pruner, t, ex->todo[t].steps, &ex->stored[t][ex->seen[t]++])) {
                snprintf(ex->err, sizeof ex->err, "out of memory for the pruning rule's losses of %ld runs", ex->n);
                ex->failed = 1;
                stop_requested = SIGTERM;
                return 0;
            }
            v = pruner_decide(ex->pruner, t);
            moved = 1;
        }
        ex->waiting[t] = v == PRUNE_WAIT;
        if (v == PRUNE_WAIT) continue;
        pruner_end(ex->pruner, t); /* pruned there, or all its rows shown */
        ex->replaying[t] = 0;
        ex->n_replaying--;
        moved = 1;
    }
    return moved;
}

/* Between the pool's turns: one step of writing what is pending (begin, one
 * run, or commit). Returns the seconds until it has more to do, -1 when
 * nothing waits (pool.h's on_idle). */
static double exec_idle(void *ctx)
{
    Exec *ex = ctx;
    if (ex->failed) return -1;
    if (replay(ex)) return 0;
    if (!ex->open && ex->claims && ex->claims->ready < ex->n) {
        if (claim_chunk(ex->claims, &ex->counts->already, ex->err, sizeof ex->err)) {
            ex->failed = 1;
            stop_requested = SIGTERM; /* nothing more can be run */
        }
        return 0;
    }
    if (!ex->open) {
        if (!ex->n_ended && !ex->n_starts) return -1;
        const double wait = ex->last_commit + LOCK_GAP_SECONDS - now_seconds();
        if (wait > 0) return wait;
        begin_writes(ex);
        return 0;
    }
    if (ex->n_written < ex->n_ended && now_seconds() - ex->opened < HOLD_SECONDS) write_one(ex);
    else commit_writes(ex);
    return 0;
}

/* After the pool: writes every ended run, and the runs still in flight back
 * to pending (nothing unfinished counts as done), in one transaction. */
static void write_rest(Exec *ex)
{
    if (!ex->open) begin_writes(ex);
    while (ex->open && ex->n_written < ex->n_ended) write_one(ex);
    for (long i = 0; ex->open && i < ex->n; i++)
        if (ex->started[i] && store_set_status(ex->db, ex->ids[i], RUN_PENDING, 0, ex->err, sizeof ex->err)) {
            store_rollback(ex->db);
            ex->failed = 1;
            ex->open = 0;
        }
    if (ex->open) commit_writes(ex);
    for (long i = 0; i < ex->n_ended; i++) free(ex->ended[i].rows); /* after a failure */
    ex->n_ended = 0;
}

static void exec_start(void *ctx, long task)
{
    Exec *ex = ctx;
    ex->started[task] = 1;
    ex->started_at[task] = wall_clock();
    ex->starts[ex->n_starts++] = task;
}

static void exec_finish(void *ctx, long task, const RunSummary *sum, const MetricRow *rows, long n_rows)
{
    Exec *ex = ctx;
    ex->started[task] = 0;
    if (ex->n_ended == ex->cap_ended) {
        long cap = ex->cap_ended ? 2 * ex->cap_ended : 64;
        Ended *grown = realloc(ex->ended, (size_t)cap * sizeof *grown);
        if (!grown) {
            snprintf(ex->err, sizeof ex->err, "out of memory for the results of %ld runs", cap);
            ex->failed = 1;
            return;
        }
        ex->ended = grown;
        ex->cap_ended = cap;
    }
    Ended *e = &ex->ended[ex->n_ended];
    *e = (Ended){.task = task, .sum = *sum, .rows = malloc((size_t)(n_rows ? n_rows : 1) * sizeof *rows),
                 .n_rows = n_rows, .ended = wall_clock()};
    if (!e->rows) {
        snprintf(ex->err, sizeof ex->err, "out of memory for the %ld rows of a run", n_rows);
        ex->failed = 1;
        return;
    }
    if (n_rows) memcpy(e->rows, rows, (size_t)n_rows * sizeof *rows); /* a worker lost early sent none */
    ex->n_ended++;
    ex->counts->done += sum->status == RUN_DONE;
    ex->counts->diverged += sum->status == RUN_DIVERGED;
    ex->counts->failed += sum->status == RUN_FAILED;
    ex->counts->timeout += sum->status == RUN_TIMEOUT;
    ex->counts->pruned += sum->status == RUN_PRUNED;
    ex->counts->steps_budget += ex->todo[task].steps;
    if (sum->status == RUN_PRUNED) ex->counts->steps_saved += ex->todo[task].steps - sum->steps_done;
    if (ex->pruner) pruner_end(ex->pruner, task);
    progress_update(ex->progress, sum->status);
}

/* New rows of a run in flight at a checkpoint: the pruning rule's verdict. */
static PruneVerdict exec_rows(void *ctx, long task, const MetricRow *rows, long n_rows)
{
    Exec *ex = ctx;
    for (long i = ex->seen[task]; i < n_rows; i++) {
        if (pruner_observe(ex->pruner, task, ex->todo[task].steps, &rows[i]) == 0) continue;
        snprintf(ex->err, sizeof ex->err, "out of memory for the pruning rule's losses of %ld runs", ex->n);
        ex->failed = 1;
        stop_requested = SIGTERM; /* nothing more can be decided or stored */
        return PRUNE_GO;
    }
    ex->seen[task] = n_rows;
    replay(ex); /* the stored runs before it, as far as they go */
    return pruner_decide(ex->pruner, task);
}

/* The group of each run: runs of one problem instance with one step budget
 * (and logging and evaluation steps) in one study compete with each other
 * (studies are independent replicas of a search). 0, or -1 when out of
 * memory. */
static int group_runs(const RunConfig *todo, long n, int *group)
{
    char (*keys)[CONFIG_TEXT_MAX] = NULL; /* each group's key */
    int n_groups = 0, cap = 0, rc = -1;
    for (long i = 0; i < n; i++) {
        char opts[CONFIG_TEXT_MAX - 64], key[CONFIG_TEXT_MAX];
        params_json(&todo[i].problem_opts, opts, sizeof opts);
        snprintf(key, sizeof key, "%s %s %ld %ld %ld %d", todo[i].problem->name, opts, todo[i].steps,
                 todo[i].log_every, todo[i].eval_every, todo[i].study);
        int g = 0;
        while (g < n_groups && strcmp(keys[g], key)) g++;
        if (g == n_groups && n_groups == cap) {
            void *grown = realloc(keys, sizeof *keys * (size_t)(cap = cap ? 2 * cap : 8));
            if (!grown) goto cleanup;
            keys = grown;
        }
        if (g == n_groups) memcpy(keys[n_groups++], key, sizeof key);
        group[i] = g;
    }
    rc = 0;
cleanup:
    free(keys);
    return rc;
}

/* Shows a wait for another process's database lock on the progress line. */
static void lock_notice(void *ctx, double waited)
{
    char note[128];
    snprintf(note, sizeof note, "waiting for the database lock, held by another process (%.0f s)", waited);
    progress_note(ctx, note);
}

/* Around a fork of a worker: a checkpoint in progress ends before, and one
 * asked for meanwhile starts after (pool.h's on_fork). */
static void exec_fork(void *ctx, int before)
{
    const Exec *ex = ctx;
    store_checkpoint_fork(ex->db, before);
}

/* A resumed pruned sweep: the rows of the runs finished before this
 * invocation (stored[t] set), for replay. 0, or -1 with a message. */
static int load_stored(Exec *ex, const unsigned char *stored, char *err, size_t errlen)
{
    const size_t room = (size_t)(ex->n ? ex->n : 1);
    ex->replaying = calloc(room, 1);
    ex->stored = calloc(room, sizeof *ex->stored);
    ex->n_stored = calloc(room, sizeof *ex->n_stored);
    ex->waiting = calloc(room, 1);
    if (!ex->replaying || !ex->stored || !ex->n_stored || !ex->waiting) {
        snprintf(err, errlen, "out of memory for %ld runs", ex->n);
        return -1;
    }
    for (long t = 0; t < ex->n; t++) {
        if (!stored[t]) continue;
        if (store_run_metrics(ex->db, ex->ids[t], &ex->stored[t], &ex->n_stored[t])) {
            snprintf(err, errlen, "reading the rows of run %lld: %s", (long long)ex->ids[t], store_error(ex->db));
            return -1;
        }
        ex->replaying[t] = 1;
        ex->n_replaying++;
    }
    return 0;
}

/* Runs the n configurations of one round on the pool (with claims, the
 * first round: all of them, claimed in chunks meanwhile); 0, 1 when stopped
 * by a signal, -1 with a message on a database or pool failure. */
static int run_round(sqlite3 *db, const RunConfig *todo, const int64_t *ids, long n, Claims *claims,
                     const ExecOptions *opt, ExecCounts *counts, Progress *progress, char *err, size_t errlen)
{
    Exec ex = {.db = db, .todo = todo, .ids = ids, .n = n, .claims = claims, .opt = opt, .counts = counts,
               .progress = progress, .last_commit = now_seconds()};
    int rc = -1;
    const int pruning = opt->prune.method != PRUNE_NONE;
    ex.started = calloc((size_t)(n ? n : 1), 1);
    ex.started_at = calloc((size_t)(n ? n : 1), sizeof *ex.started_at);
    ex.starts = malloc((size_t)(n ? n : 1) * sizeof *ex.starts);
    ex.group = pruning ? malloc((size_t)(n ? n : 1) * sizeof *ex.group) : NULL;
    ex.seen = pruning ? calloc((size_t)(n ? n : 1), sizeof *ex.seen) : NULL;
    if (pruning && ex.group && group_runs(todo, n, ex.group) == 0) ex.pruner = pruner_new(&opt->prune, n, ex.group);
    if (!ex.started || !ex.started_at || !ex.starts || (pruning && (!ex.seen || !ex.pruner))) {
        snprintf(err, errlen, "out of memory for %ld runs", n);
        goto cleanup;
    }
    if (pruning && claims && load_stored(&ex, claims->skip, err, errlen)) goto cleanup;
    PoolOptions po = {.jobs = opt->jobs, .timeout_s = opt->timeout_s, .on_start = exec_start,
                      .on_finish = exec_finish, .on_idle = exec_idle, .on_fork = exec_fork,
                      .on_rows = pruning ? exec_rows : NULL,
                      .prune = pruning ? &opt->prune : NULL, .ready = claims ? &claims->ready : NULL,
                      .skip = claims ? claims->skip : NULL, .ctx = &ex, .stop = &stop_requested};
    /* the foreign key of every metrics row is its run's row, which the
     * result's update of that row checks once (store_set_foreign_keys) */
    ex.failed = store_set_foreign_keys(db, 0, ex.err, sizeof ex.err) != 0;
    const int pool_rc = ex.failed ? 0 : pool_run(todo, n, &po);
    write_rest(&ex);
    const int keys_on = store_set_foreign_keys(db, 1, err, errlen) == 0;
    if (ex.failed) snprintf(err, errlen, "%s", ex.err);
    else if (pool_rc < 0) snprintf(err, errlen, "the worker pool failed");
    else if (keys_on) rc = pool_rc;
cleanup:
    for (long t = 0; ex.stored && t < n; t++) free(ex.stored[t]);
    free(ex.stored);
    free(ex.n_stored);
    free(ex.replaying);
    free(ex.waiting);
    free(ex.ended);
    free(ex.started);
    free(ex.started_at);
    free(ex.starts);
    free(ex.group);
    free(ex.seen);
    pruner_free(ex.pruner);
    return rc;
}

int execute_runs(sqlite3 *db, int64_t sweep_id, const RunConfig *cfgs, long n, const ExecOptions *opt,
                 ExecCounts *counts, char *err, size_t errlen)
{
    const size_t room = (size_t)(n ? n : 1);
    Claims c = {.db = db, .sweep_id = sweep_id, .machine = opt->machine, .cfgs = cfgs, .n_all = n,
                .ids = malloc(room * sizeof *c.ids), .state = malloc(room), .busy = malloc(room * sizeof *c.busy),
                .sub = malloc(room * sizeof *c.sub), .pick = malloc(room * sizeof *c.pick),
                .got_ids = malloc(room * sizeof *c.got_ids), .got_state = malloc(room),
                .todo = malloc(room * sizeof *c.todo), .todo_ids = malloc(room * sizeof *c.todo_ids),
                .skip = malloc(room), .order = malloc(room * sizeof *c.order)};
    const int pruning = opt->prune.method != PRUNE_NONE;
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
    char note[160];
    Progress progress;
    int rc = -1, round_rc = 0;
    memset(counts, 0, sizeof *counts);
    counts->total = n;
    stop_requested = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    progress_start(&progress, 0, opt->quiet);
    /* without a progress line, lock waits keep store's own line on stderr */
    if (!opt->quiet) store_set_wait_notice(lock_notice, &progress);
    c.progress = &progress;
    if (!c.ids || !c.state || !c.busy || !c.sub || !c.pick || !c.got_ids || !c.got_state || !c.todo ||
        !c.todo_ids || !c.skip || !c.order) {
        snprintf(err, errlen, "out of memory for %ld runs", n);
        goto cleanup;
    }
    for (long i = 0; i < n; i++) c.order[i] = i;
    /* without the thread, SQLite's own checkpoints stop the parent for tens of ms */
    (void)store_checkpoint_in_background(db, note, sizeof note);
    host_process_id((long)getpid(), c.owner, sizeof c.owner);
    /* a pruned sweep orders all its runs before the first (claim_pruned);
     * else the first round starts after one chunk of claims and claims the
     * rest meanwhile (those held by another process go to c.busy, for the
     * rounds after) */
    if (pruning ? claim_pruned(&c, opt->order_seed, &counts->already, err, errlen)
                : n && claim_chunk(&c, &counts->already, err, errlen))
        goto cleanup;
    progress_note(&progress, "");
    if (pruning && c.n_todo) round_rc = run_round(db, c.todo, c.todo_ids, c.n_todo, &c, opt, counts, &progress, err, errlen);
    else if (!pruning && n) round_rc = run_round(db, cfgs, c.ids, n, &c, opt, counts, &progress, err, errlen);
    c.n_todo = 0;
    while (round_rc == 0) {
        if (pruning) shuffle_todo(&c, opt->order_seed);
        if (c.n_todo &&
            (round_rc = run_round(db, c.todo, c.todo_ids, c.n_todo, NULL, opt, counts, &progress, err, errlen)))
            break;
        if (c.n_busy == 0 || stop_requested) break;
        /* the rest is claimed by other live processes: wait for them, and
         * take over what a process that ended left unfinished */
        snprintf(note, sizeof note, "waiting for %ld run%s claimed by another optbench process (pid %ld)", c.n_busy,
                 c.n_busy == 1 ? "" : "s", host_process_pid(c.busy_owner));
        progress_note(&progress, note);
        usleep((useconds_t)(WAIT_POLL_SECONDS * 1e6));
        if (stop_requested) break;
        if (claim_busy(&c, &counts->elsewhere, err, errlen)) goto cleanup;
        if (c.n_todo || !c.n_busy) progress_note(&progress, "");
    }
    if (round_rc < 0) goto cleanup;
    store_checkpoint_now(db); /* the rest of the WAL, while the caller reads the results */
    counts->interrupted = stop_requested;
    rc = 0;
cleanup:
    store_set_wait_notice(NULL, NULL);
    progress_finish(&progress);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(c.ids);
    free(c.state);
    free(c.busy);
    free(c.sub);
    free(c.pick);
    free(c.got_ids);
    free(c.got_state);
    free(c.todo);
    free(c.todo_ids);
    free(c.skip);
    free(c.order);
    return rc;
}
