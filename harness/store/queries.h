/* queries.h — the read-only queries of the commands that show what a
 * database holds: `optbench list` and `optbench export` (written through
 * table_out.h), and the metrics curve of one run that a report plots. Every
 * SQL statement of the program lives in harness/store/; the commands and
 * the report call these functions instead. */
#ifndef OPTBENCH_QUERIES_H
#define OPTBENCH_QUERIES_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/store/table_out.h"

/* Runs whose stored JSON does not parse (a database edited by hand, or one
 * written by an old build that stored "lr":inf): the read-only commands
 * leave them out and name them on stderr instead of failing on them. */
typedef struct {
    long n;        /* runs left out */
    char ids[256]; /* their ids, "3, 17" (cut short when many) */
} StoreUnreadable;

/* Room for the text of store_readable_sql. */
#define STORE_READABLE_SQL_MAX 256

/* Writes to buf (STORE_READABLE_SQL_MAX bytes) the SQL condition, on a run
 * aliased r, that every JSON column of the run parses: hyperparameters,
 * problem_options, config, schedule and, in databases that have it,
 * group_state. The one definition of an unreadable run. */
void store_readable_sql(sqlite3 *db, char *buf, size_t len);

/* Counts into out the unreadable runs of the sweep named sweep, or of every
 * sweep when sweep is NULL. 0, or -1 with the SQLite message in err. */
int store_unreadable(sqlite3 *db, const char *sweep, StoreUnreadable *out, char *err, size_t errlen);

/* `optbench list sweeps` (runs 0: each sweep with its run counts by status
 * and the plugin builds it records)
 * or `list runs` (runs 1: each readable run, of the sweep named `sweep`
 * when not NULL, with its outcome, and the runs left out in *left_out),
 * written to out in fmt. Returns 0, or -1 with the SQLite message in err. */
int store_list(sqlite3 *db, int runs, const char *sweep, OutFormat fmt, FILE *out, StoreUnreadable *left_out,
               char *err, size_t errlen);

/* `optbench export` of sweep sweep_id: one row per readable run (every
 * column of runs, plus hp.NAME and problem.NAME for each hyperparameter and
 * problem option) or, with metrics, one row per metrics row of those runs
 * with its run's key, problem, optimizer, seed, status and hyperparameters;
 * the runs left out in *left_out. 0, or -1 with the SQLite message in err. */
int store_export(sqlite3 *db, int64_t sweep_id, int metrics, OutFormat fmt, FILE *out, StoreUnreadable *left_out,
                 char *err, size_t errlen);

/* Calls row(ctx, step, loss, elapsed) for every metrics row of run_id in
 * step order. 0, or -1 with the SQLite message in err. */
int store_run_curve(sqlite3 *db, int64_t run_id, void (*row)(void *ctx, long step, double loss, double elapsed),
                    void *ctx, char *err, size_t errlen);

#endif
