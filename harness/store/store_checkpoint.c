/* store_checkpoint.c — a writer's WAL checkpointed by a thread of its own.
 *
 * A WAL checkpoint copies the pages committed since the last one into the
 * database file and syncs both files: for a sweep's thousand pages, tens
 * of milliseconds in which SQLite's own (automatic) checkpoint stops the
 * committing writer, and with it the parent of a sweep, whose workers then
 * wait (BENCHMARKS.md). Here the writer's automatic checkpoint is replaced
 * by a WAL hook that wakes a thread, which checkpoints (PASSIVE: it never
 * waits for a lock, and never holds up a writer) through a connection of
 * its own. The connection of the writer stays with the thread that opened
 * it; the thread touches only its own, and is ended around each fork of a
 * worker (store_checkpoint_fork). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/store/store.h"

#define CHECKPOINT_PAGES 256 /* a commit that leaves this many pages in the WAL wakes the thread */

/* The checkpointing thread of one writer connection. */
typedef struct {
    sqlite3 *writer;      /* the connection whose WAL is checkpointed */
    sqlite3 *own;         /* the thread's connection to the same file */
    pthread_t thread;     /* the thread */
    int running;          /* the thread runs (not while the caller forks) */
    pthread_mutex_t lock; /* guards wanted and stop */
    pthread_cond_t wake;  /* signalled when either changes */
    int wanted;           /* a checkpoint is asked for */
    int stop;             /* the thread is to end */
} Checkpointer;

/* The one writer of this process whose WAL is checkpointed in the
 * background (a sweep's); NULL when none. */
static Checkpointer *active;

static void *checkpoint_loop(void *arg)
{
    Checkpointer *c = arg;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->wanted && !c->stop) pthread_cond_wait(&c->wake, &c->lock);
        if (!c->wanted) break; /* stopped with nothing left to do */
        c->wanted = 0;
        pthread_mutex_unlock(&c->lock);
        /* SQLITE_BUSY (another process checkpoints) leaves it to the next one */
        sqlite3_wal_checkpoint_v2(c->own, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* Asks the thread for a checkpoint. */
static void want_checkpoint(Checkpointer *c)
{
    pthread_mutex_lock(&c->lock);
    c->wanted = 1;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
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
    pthread_cond_init(&c->wake, NULL);
    c->running = pthread_create(&c->thread, NULL, checkpoint_loop, c) == 0;
    if (!c->running) {
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->wake);
        goto cleanup;
    }
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

/* Ends the thread once its checkpoint in progress (and one asked for) is done. */
static void end_thread(Checkpointer *c)
{
    if (!c->running) return;
    pthread_mutex_lock(&c->lock);
    c->stop = 1;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    c->stop = c->running = 0;
}

void store_checkpoint_fork(sqlite3 *db, int before)
{
    Checkpointer *c = active;
    if (!c || c->writer != db) return;
    if (before) end_thread(c);
    else c->running = pthread_create(&c->thread, NULL, checkpoint_loop, c) == 0;
    if (!before && !c->running) store_checkpoint_stop(db); /* the writer checkpoints by itself again */
}

void store_checkpoint_stop(sqlite3 *db)
{
    Checkpointer *c = active;
    if (!c || c->writer != db) return;
    end_thread(c);
    sqlite3_wal_autocheckpoint(db, 1000); /* SQLite's default, for what the writer commits after this */
    sqlite3_close(c->own);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->wake);
    free(c);
    active = NULL;
}
