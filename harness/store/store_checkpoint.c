/* store_checkpoint.c — a writer's WAL checkpointed by a thread of its own.
 *
 * A WAL checkpoint copies the pages committed since the last one into the
 * database file and syncs both files: for a sweep's thousand pages, tens
 * of milliseconds in which SQLite's own (automatic) checkpoint stops the
 * committing writer, and with it the parent of a sweep, whose workers then
 * wait (BENCHMARKS.md). Here the writer's automatic checkpoint is replaced
 * by a WAL hook that starts a thread, which checkpoints (PASSIVE: it never
 * waits for a lock, and never holds up a writer) through a connection of
 * its own, as long as checkpoints are asked for, and then ends. The
 * connection of the writer stays with the thread that opened it; the
 * thread touches only its own.
 *
 * The process forks workers, which start OpenMP threads, and a process of
 * more than one thread must not fork them (POSIX leaves the child only
 * async-signal-safe calls; ThreadSanitizer refuses): so the thread lives
 * only while a checkpoint runs, once every few hundred pages, and a fork
 * waits for the one in progress (store_checkpoint_fork). A fork between
 * checkpoints costs nothing, where ending an idle thread before each fork
 * and starting it again after cost every pruned run its join and start. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/store/store.h"

#define CHECKPOINT_PAGES 256 /* a commit that leaves this many pages in the WAL asks for a checkpoint */

/* The checkpointing thread of one writer connection. */
typedef struct {
    sqlite3 *writer;      /* the connection whose WAL is checkpointed */
    sqlite3 *own;         /* the checkpoints' connection to the same file */
    pthread_t thread;     /* the thread, while started */
    int started;          /* a thread was started and is not joined yet (the writer's thread only) */
    pthread_mutex_t lock; /* guards wanted, running and held */
    int wanted;           /* a checkpoint is asked for */
    int running;          /* the thread runs: it checkpoints while one is wanted, then ends */
    int held;             /* a fork is under way: the thread ends after its checkpoint in progress,
                             and none starts before the fork is done */
} Checkpointer;

/* The one writer of this process whose WAL is checkpointed in the
 * background (a sweep's); NULL when none. */
static Checkpointer *active;

/* Checkpoints own's file (SQLITE_BUSY: another process checkpoints, which
 * leaves it to the next one). */
static void checkpoint(Checkpointer *c)
{
    sqlite3_wal_checkpoint_v2(c->own, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

static void *checkpoint_loop(void *arg)
{
    Checkpointer *c = arg;
    pthread_mutex_lock(&c->lock);
    while (c->wanted && !c->held) {
        c->wanted = 0;
        pthread_mutex_unlock(&c->lock);
        checkpoint(c);
        pthread_mutex_lock(&c->lock);
    }
    c->running = 0;
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* Joins a thread that ended, or waits for it to end. */
static void join_thread(Checkpointer *c)
{
    if (c->started) pthread_join(c->thread, NULL);
    c->started = 0;
}

/* Asks for a checkpoint: the running thread takes it, or a new one starts
 * (after a fork under way, when one is); where no thread can be started,
 * the caller checkpoints itself. */
static void want_checkpoint(Checkpointer *c)
{
    pthread_mutex_lock(&c->lock);
    c->wanted = 1;
    const int taken = c->running || c->held;
    if (!taken) c->running = 1;
    pthread_mutex_unlock(&c->lock);
    if (taken) return;
    join_thread(c); /* the last one, which has ended */
    c->started = pthread_create(&c->thread, NULL, checkpoint_loop, c) == 0;
    if (c->started) return;
    pthread_mutex_lock(&c->lock);
    c->running = c->wanted = 0;
    pthread_mutex_unlock(&c->lock);
    checkpoint(c);
}

/* The writer's WAL hook, after each commit: frames pages are in the WAL. */
static int on_commit(void *arg, sqlite3 *db, const char *schema, int frames)
{
    (void)db, (void)schema;
    if (frames >= CHECKPOINT_PAGES) want_checkpoint(arg);
    return SQLITE_OK;
}

int store_checkpoint_in_background(sqlite3 *db, char *err, size_t errlen)
{
    Checkpointer *c = NULL;
    int rc = -1;
    if (active) return active->writer == db ? 0 : -1;
    const char *path = sqlite3_db_filename(db, "main");
    if (!path || !*path || !(c = calloc(1, sizeof *c))) goto cleanup;
    c->writer = db;
    /* a first read, to find the file in WAL mode (a checkpoint before any is a no-op) */
    if (sqlite3_open_v2(path, &c->own, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(c->own, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK)
        goto cleanup;
    pthread_mutex_init(&c->lock, NULL);
    sqlite3_wal_hook(db, on_commit, c); /* replaces the automatic checkpoint */
    active = c;
    rc = 0;
cleanup:
    if (rc) {
        snprintf(err, errlen, "starting the checkpoint thread: %s",
                 c && c->own ? sqlite3_errmsg(c->own) : "out of memory or no file");
        if (c) sqlite3_close(c->own);
        free(c);
    }
    return rc;
}

void store_checkpoint_now(sqlite3 *db)
{
    if (active && active->writer == db) want_checkpoint(active);
}

void store_checkpoint_fork(sqlite3 *db, int before)
{
    Checkpointer *c = active;
    if (!c || c->writer != db) return;
    pthread_mutex_lock(&c->lock);
    c->held = before;
    const int wanted = c->wanted;
    pthread_mutex_unlock(&c->lock);
    if (before) join_thread(c); /* its checkpoint in progress; one asked for waits for the fork */
    else if (wanted) want_checkpoint(c);
}

void store_checkpoint_stop(sqlite3 *db)
{
    Checkpointer *c = active;
    if (!c || c->writer != db) return;
    join_thread(c); /* once its checkpoints asked for are done */
    sqlite3_wal_autocheckpoint(db, 1000); /* SQLite's default, for what the writer commits after this */
    sqlite3_close(c->own);
    pthread_mutex_destroy(&c->lock);
    free(c);
    active = NULL;
}
