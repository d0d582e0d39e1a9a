/* store.h — the SQLite result database (results/schema.sql).
 *
 * Only one process writes: the parent of a sweep. Opening refuses a file
 * that is not an optbench database or has another schema version, and
 * leaves it untouched. A run's rows are always written in one transaction
 * (with other runs' when the parent batches them).
 */
#ifndef OPTBENCH_STORE_H
#define OPTBENCH_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "harness/run/config.h"
#include "harness/run/runner.h"

#define STORE_SCHEMA_VERSION 1
#define STORE_APPLICATION_ID 1330664514 /* 'OPTB' */
#define STORE_DEFAULT_PATH "results/optbench.db"

/* Opens (creating the file and its folder when missing) a database at path.
 * Returns 0, or -1 with a message naming the file. */
int store_open(const char *path, sqlite3 **out, char *err, size_t errlen);

/* Opens an existing optbench database read-only (a missing file is an
 * error, nothing is created). Returns 0, or -1 with a message. */
int store_open_readonly(const char *path, sqlite3 **out, char *err, size_t errlen);

void store_close(sqlite3 *db);

/* Creates every missing folder above a database path; 0, or -1 with errno. */
int store_make_parent_dirs(const char *path);

/* Finds sweep `name`: 0 with its id in *id, 1 when there is none, -1 on
 * an SQLite error. */
int store_find_sweep(sqlite3 *db, const char *name, int64_t *id);

/* Finds or creates the sweep `name`; its id in *id. */
int store_sweep(sqlite3 *db, const char *name, const char *spec, const char *device_name,
                int64_t *id, char *err,
                size_t errlen);

/* Registers the runs of cfgs[0..n) in a sweep, in one transaction: each
 * is inserted as pending, or a previous unfinished attempt (pending,
 * running, failed, timeout) is dropped with its metrics and inserted
 * afresh. done[i] = 1 (and nothing changes) when the key is already done or
 * diverged. run_ids[i] gets each row id. Returns 0 or -1 with a message. */
int store_claim_runs(sqlite3 *db, int64_t sweep_id, const RunConfig *cfgs, long n, int64_t *run_ids,
                     unsigned char *done, char *err, size_t errlen);

/* Transactions: the parent batches many runs' results into one commit; a
 * run's rows are never split across transactions. */
int store_begin(sqlite3 *db, char *err, size_t errlen);
int store_commit(sqlite3 *db, char *err, size_t errlen);
void store_rollback(sqlite3 *db);

/* Sets a run's status (running also stamps started_at). */
int store_set_status(sqlite3 *db, int64_t run_id, RunStatus status, char *err, size_t errlen);

/* Writes an ended run's metrics and summary; call inside a transaction. */
int store_write_result(sqlite3 *db, int64_t run_id, const RunSummary *sum, const MetricRow *rows,
                       long n_rows, char *err, size_t errlen);

/* The embedded text of results/schema.sql. */
extern const char store_schema_sql[];

#endif
