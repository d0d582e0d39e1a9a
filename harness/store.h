/* store.h — the SQLite result database (results/schema.sql).
 *
 * Only one process writes: the parent of a sweep. Opening refuses a file
 * that is not an optbench database or has another schema version, and
 * leaves it untouched. A run's rows are written in one transaction.
 */
#ifndef OPTBENCH_STORE_H
#define OPTBENCH_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "config.h"
#include "runner.h"

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

/* Finds or creates the sweep `name`; its id in *id. */
int store_sweep(sqlite3 *db, const char *name, const char *spec, const char *device_name,
                int64_t *id, char *err,
                size_t errlen);

/* Claims the run of cfg in a sweep: inserts it as running, or resets a
 * previous unfinished attempt (running/failed/timeout) and its metrics.
 * *done = 1 (and nothing changes) when the key is already done or diverged.
 * Returns 0 or -1 with a message. */
int store_claim_run(sqlite3 *db, int64_t sweep_id, const RunConfig *cfg, int64_t *run_id,
                    int *done, char *err, size_t errlen);

/* Writes a finished run's metrics and summary in one transaction. */
int store_finish_run(sqlite3 *db, int64_t run_id, const RunSummary *sum, const MetricRow *rows,
                     long n_rows, char *err, size_t errlen);

/* The embedded text of results/schema.sql. */
extern const char store_schema_sql[];

#endif
