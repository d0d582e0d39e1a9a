/* store.h — the SQLite result database (results/schema.sql).
 *
 * In a sweep only the parent process writes. Several sweeps (and `optbench
 * run`s) may write one database at once: each run is claimed for one
 * process (runs.owner) in a BEGIN IMMEDIATE transaction, and a writer
 * waiting for another's lock is told so (store_set_wait_notice). Opening
 * refuses a file that is not an optbench database, has another schema
 * version or is corrupt (PRAGMA quick_check, for files up to
 * STORE_QUICK_CHECK_MAX_BYTES), and leaves it untouched. A run's rows are
 * always written in one transaction (with other runs' when the parent
 * batches them).
 */
#ifndef OPTBENCH_STORE_H
#define OPTBENCH_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "harness/run/config.h"
#include "harness/run/record.h"
#include "optimizers/plugin.h"

#define STORE_SCHEMA_VERSION 8
#define STORE_OLDEST_VERSION 1 /* read as it is; upgraded (columns added, status pruned) when opened to write */
#define STORE_APPLICATION_ID 1330664514 /* 'OPTB' */
#define STORE_DEFAULT_PATH "results/optbench.db"
#define STORE_QUICK_CHECK_MAX_BYTES (64L << 20) /* larger files skip PRAGMA quick_check at open (BENCHMARKS.md) */
#define STORE_LOCK_WAIT_S 600.0 /* a writer gives up after waiting this long for the lock */

/* Opens (creating the file and its folder when missing) a database at path
 * to write it. Returns 0, or -1 with a message naming the file: among them
 * "read-only" for a file or folder this process cannot write, and
 * "database is corrupt: ..." when PRAGMA quick_check finds a problem. */
int store_open(const char *path, sqlite3 **out, char *err, size_t errlen);

/* Opens an existing optbench database read-only (a missing file is an
 * error, nothing is created), also from a read-only file or folder (WAL
 * files that cannot be created there: the file is then read as immutable).
 * Returns 0, or -1 with a message as store_open. */
int store_open_readonly(const char *path, sqlite3 **out, char *err, size_t errlen);

/* Attaches the optbench database at path to db (a connection that takes
 * URIs: store_open's) read-only as schema `as`, also from a read-only file
 * or folder as store_open_readonly opens it. Returns SQLite's result code;
 * on failure sqlite3_errmsg(db) says why, and `as` may still be attached
 * (DETACH it). */
int store_attach_readonly(sqlite3 *db, const char *path, const char *as);

/* PRAGMA quick_check of an open database: 0, or -1 with "PATH: database is
 * corrupt: ..." (or the SQLite error that stopped the check). */
int store_quick_check(sqlite3 *db, const char *path, char *err, size_t errlen);

/* Bytes of the database at path and its WAL file. */
long long store_bytes(const char *path);

/* `optbench check`: the full PRAGMA integrity_check of the file at path
 * and its identity and schema against results/schema.sql (tables, indexes,
 * columns with their types and constraints), read-only. Each problem goes to
 * fn as one line. Returns how many (0: a sound optbench database), or -1
 * with a message when the file cannot be read at all (missing). */
long store_check(const char *path, void (*fn)(void *ctx, const char *problem), void *ctx, char *err,
                 size_t errlen);

/* While a write waits for another process's lock, fn(ctx, seconds waited)
 * is called about once a second; NULL restores the default, a line on
 * stderr. Process-wide. */
void store_set_wait_notice(void (*fn)(void *ctx, double waited), void *ctx);

void store_close(sqlite3 *db);

/* Creates every missing folder above a database path; 0, or -1 with errno. */
int store_make_parent_dirs(const char *path);

/* The message of the last failed SQLite call on db. */
const char *store_error(sqlite3 *db);

/* Finds sweep `name`: 0 with its id in *id, 1 when there is none, -1 on
 * an SQLite error (store_error says which). */
int store_find_sweep(sqlite3 *db, const char *name, int64_t *id);

/* Records machine, that of the sweep's invocation (host_machine_json), in
 * sweeps.machine when the sweep has neither a machine nor runs yet: a
 * sweep keeps the machine it was created on, and a resume elsewhere (or
 * with other jobs or threads) records its own in the runs it claims
 * (store_claim_runs). Returns 0, or -1 with a message. */
int store_sweep_machine(sqlite3 *db, int64_t sweep_id, const char *machine, char *err, size_t errlen);

/* The machines the sweep's runs ran on as one line into buf ("AMD EPYC, 2
 * cores; OpenBLAS 0.3.21 ... (kernels Zen); 2 jobs x 1 threads"; several,
 * from a merge of shards run on different machines, each with its count of
 * runs, "...; ... (6 runs); ... (4 runs)"; "" when not recorded or the
 * database predates it). */
void store_get_machine(sqlite3 *db, const char *sweep, char *buf, size_t len);

/* Finds or creates the sweep `name` (two processes creating it at once get
 * the same row); its id in *id. */
int store_sweep(sqlite3 *db, const char *name, const char *spec, const char *device_name,
                int64_t *id, char *err,
                size_t errlen);

/* What store_claim_runs found for a configuration. */
typedef enum {
    CLAIM_RUN = 0,  /* claimed for `owner`: run it */
    CLAIM_FINISHED, /* already done or diverged: nothing to do */
    CLAIM_BUSY,     /* pending or running for another live process */
} ClaimState;

/* Claims the runs of cfgs[0..n) of a sweep for `owner` (a host_process_id
 * text) on `machine` (host_machine_json; NULL: not recorded), in one BEGIN
 * IMMEDIATE transaction: each is inserted as pending with that owner, and
 * with that machine in runs.machine where it differs from sweeps.machine,
 * or a previous unfinished attempt (failed, timeout, or
 * pending/running for an owner that is no longer alive, or for `owner`
 * itself) is dropped with its metrics and inserted afresh. state[i] says
 * which; run_ids[i] gets each row id (of the existing row when finished or
 * busy). The owner of the first busy run goes to busy_owner (len bytes; ""
 * when none). Returns 0 or -1 with a message. */
int store_claim_runs(sqlite3 *db, int64_t sweep_id, const char *owner, const char *machine, const RunConfig *cfgs,
                     long n, int64_t *run_ids, unsigned char *state, char *busy_owner, size_t len, char *err,
                     size_t errlen);

/* The stored spec of sweep `name` (malloc'ed, free it): 0, 1 when there is
 * no such sweep, -1 on an SQLite error (store_sweeps.c). */
int store_sweep_spec(sqlite3 *db, const char *name, char **spec);

/* Replaces a sweep's stored spec (a resume with --force). 0 or -1. */
int store_set_sweep_spec(sqlite3 *db, int64_t sweep_id, const char *spec, char *err, size_t errlen);

/* Records plugins[0..n), the plugins whose optimizers the sweep's runs use,
 * in sweeps.plugins (replacing what was there; NULL when n is 0). 0 or -1. */
int store_set_sweep_plugins(sqlite3 *db, int64_t sweep_id, const PluginInfo *const *plugins, int n, char *err,
                            size_t errlen);

/* Records plugin, the build of the plugin whose optimizer a run of the
 * sweep uses, in sweeps.plugins beside the builds of other optimizers
 * (replacing the entry of the same optimizer). 0 or -1. */
int store_add_sweep_plugin(sqlite3 *db, int64_t sweep_id, const PluginInfo *plugin, char *err, size_t errlen);

/* The build of the plugin that optimizer `optimizer` of sweep `name` was
 * recorded from: 1 with its path (pathlen bytes) and digest, 0 when none is
 * recorded (nor in a database older than sweeps.plugins), -1 on an error. */
int store_sweep_plugin(sqlite3 *db, const char *name, const char *optimizer, char *path, size_t pathlen,
                       char sha256[SHA256_HEX_LEN + 1]);

/* Removes sweep `name` with its runs and metrics in one transaction; the
 * runs removed in *n_runs. 0, 1 when there is no such sweep, -1. */
int store_remove_sweep(sqlite3 *db, const char *name, long *n_runs, char *err, size_t errlen);

/* Renames a sweep. 0, 1 when old_name is missing or new_name is taken, -1. */
int store_rename_sweep(sqlite3 *db, const char *old_name, const char *new_name, char *err, size_t errlen);

/* REAL column i of st, NAN for NULL (as a run logs a value it did not take). */
double store_column_real(sqlite3_stmt *st, int i);

/* Run run_id's row with its sweep's name as the first column ("sweep",
 * then every column of runs), stepped once: 0 with the statement in *out
 * (finalize it), 1 when there is no such run, -1 (store_runs.c). */
int store_run_row(sqlite3 *db, int64_t run_id, sqlite3_stmt **out);

/* The logged values of metrics column `column` (a name of results/schema.sql)
 * of a run in step order, where not NULL (malloc'ed arrays of *n; free
 * both; none where an older database lacks the column). 0 or -1. */
int store_run_series(sqlite3 *db, int64_t run_id, const char *column, long **steps, double **values, long *n);

/* Every metrics row of a run in step order, as the step loop logged it
 * (NAN where NULL): a malloc'ed array of *n (free it). 0 or -1. */
int store_run_metrics(sqlite3 *db, int64_t run_id, MetricRow **rows, long *n);

/* 1 when table of the attached database schema ("main", or a name given
 * to ATTACH) has the column (older schema versions lack some). */
int store_has_column(sqlite3 *db, const char *schema, const char *table, const char *column);

/* Turns the writer's foreign-key checks off (on = 0) or on, outside any
 * transaction. A sweep writes its results with them off: every metrics row
 * would look up its run, while store_write_result's update of the run row
 * fails the whole transaction when that row is gone, and `optbench check`
 * runs SQLite's foreign_key_check. 0, or -1 with a message. */
int store_set_foreign_keys(sqlite3 *db, int on, char *err, size_t errlen);

/* Checkpoints writer db's WAL from a thread of its own from now on
 * (store_checkpoint.c), so that a commit never stops for one: after each
 * commit that leaves a few hundred pages in the WAL, and when asked by
 * store_checkpoint_now; the thread runs only while it checkpoints, and
 * store_close waits for it. One connection per process at a time. 0, or -1
 * with a message (the writer then checkpoints as SQLite does by itself). */
int store_checkpoint_in_background(sqlite3 *db, char *err, size_t errlen);

/* Asks the thread of store_checkpoint_in_background for a checkpoint of
 * everything committed so far, and returns at once (a no-op without one). */
void store_checkpoint_now(sqlite3 *db);

/* Waits for the checkpoints asked for and ends the background
 * checkpointing (store_close does this). */
void store_checkpoint_stop(sqlite3 *db);

/* Around a fork (before = 1, then 0 in the parent): before, waits for the
 * checkpoint in progress of store_checkpoint_in_background, if any, so that
 * the child is forked from a process of one thread; checkpoints asked for
 * meanwhile start after. Costs nothing between checkpoints. A no-op
 * without one. */
void store_checkpoint_fork(sqlite3 *db, int before);

/* Transactions: the parent batches many runs' results into one commit; a
 * run's rows are never split across transactions. */
int store_begin(sqlite3 *db, char *err, size_t errlen);
int store_commit(sqlite3 *db, char *err, size_t errlen);
void store_rollback(sqlite3 *db);

/* Sets a run's status; started (seconds since the epoch, when the run was
 * handed to a worker), if > 0, stamps started_at. */
int store_set_status(sqlite3 *db, int64_t run_id, RunStatus status, double started, char *err, size_t errlen);

/* Writes an ended run's metrics and summary (and clears its owner), with
 * started_at (if started > 0) and finished_at from those times in seconds
 * since the epoch; call inside a transaction. */
int store_write_result(sqlite3 *db, int64_t run_id, const RunSummary *sum, const MetricRow *rows, long n_rows,
                       double started, double finished, char *err, size_t errlen);

/* The embedded text of results/schema.sql. */
extern const char store_schema_sql[];

#endif
