/* queries.c — the list, export and curve queries (queries.h). */
#include "harness/store/queries.h"

#include <stdio.h>
#include <string.h>

/* %s: plugins_sql, or NULL in a database before sweeps.plugins */
static const char sweeps_sql[] =
    "SELECT s.id, s.name, s.created_at, s.device_name AS device, count(r.id) AS runs, "
    "sum(r.status = 'done') AS done, sum(r.status = 'diverged') AS diverged, "
    "sum(r.status IN ('failed', 'timeout')) AS failed, sum(r.status = 'pruned') AS pruned, "
    "sum(r.status IN ('pending', 'running')) AS unfinished, %s AS plugins "
    "FROM sweeps s LEFT JOIN runs r ON r.sweep_id = s.id GROUP BY s.id ORDER BY s.id";

/* The plugin builds a sweep records, "cautious_lion 3f2a9c1b0d4e, ..." (the
 * first 12 digits of each SHA-256); none for a list that does not parse. */
static const char plugins_sql[] =
    "(SELECT group_concat(json_extract(p.value, '$.optimizer') || ' ' || "
    "substr(json_extract(p.value, '$.sha256'), 1, 12), ', ') "
    "FROM json_each(iif(json_valid(s.plugins), s.plugins, NULL)) p)";

/* %s: store_readable_sql */
static const char runs_sql[] =
    "SELECT r.id, s.name AS sweep, r.problem, r.problem_options, r.optimizer, r.hyperparameters, r.seed, "
    "r.status, r.steps_done, r.final_loss, r.best_loss, r.eval_accuracy, r.steps_to_target, "
    "r.step_time_median, r.state_bytes FROM runs r JOIN sweeps s ON s.id = r.sweep_id "
    "WHERE (?1 IS NULL OR s.name = ?1) AND %s ORDER BY r.id";

/* The JSON columns of runs; group_state is added in schema version 5, and
 * may be NULL (a run not finished yet). */
static const char readable_sql[] = "json_valid(r.hyperparameters) AND json_valid(r.problem_options) AND "
                                   "json_valid(r.config) AND json_valid(r.schedule)";
static const char group_state_readable_sql[] = " AND (r.group_state IS NULL OR json_valid(r.group_state))";
_Static_assert(sizeof readable_sql + sizeof group_state_readable_sql + 2 <= STORE_READABLE_SQL_MAX,
               "STORE_READABLE_SQL_MAX holds the condition");

/* %s: store_readable_sql */
static const char unreadable_sql[] =
    "SELECT count(*), group_concat(r.id, ', ') FROM runs r JOIN sweeps s ON s.id = r.sweep_id "
    "WHERE (?1 IS NULL OR s.name = ?1) AND (?2 IS NULL OR s.id = ?2) AND NOT %s";

#define SQL_MAX 16384 /* room for an export query with its hp.* and problem.* columns */

void store_readable_sql(sqlite3 *db, char *buf, size_t len)
{
    sqlite3_stmt *probe = NULL;
    const int groups = sqlite3_prepare_v2(db, "SELECT group_state FROM runs", -1, &probe, NULL) == SQLITE_OK;
    sqlite3_finalize(probe);
    snprintf(buf, len, "(%s%s)", readable_sql, groups ? group_state_readable_sql : "");
}

/* store_unreadable of the sweep named sweep, or of id sweep_id when not 0,
 * or of every sweep. */
static int count_unreadable(sqlite3 *db, const char *sweep, int64_t sweep_id, StoreUnreadable *out, char *err,
                            size_t errlen)
{
    char readable[STORE_READABLE_SQL_MAX], sql[sizeof unreadable_sql + STORE_READABLE_SQL_MAX];
    sqlite3_stmt *st = NULL;
    int rc = -1;
    memset(out, 0, sizeof *out);
    store_readable_sql(db, readable, sizeof readable);
    snprintf(sql, sizeof sql, unreadable_sql, readable);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) goto cleanup;
    sweep ? sqlite3_bind_text(st, 1, sweep, -1, SQLITE_STATIC) : sqlite3_bind_null(st, 1);
    sweep_id ? sqlite3_bind_int64(st, 2, sweep_id) : sqlite3_bind_null(st, 2);
    if (sqlite3_step(st) != SQLITE_ROW) goto cleanup;
    out->n = (long)sqlite3_column_int64(st, 0);
    const char *ids = (const char *)sqlite3_column_text(st, 1);
    snprintf(out->ids, sizeof out->ids, "%s", ids ? ids : "");
    rc = 0;
cleanup:
    if (rc != 0) snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

int store_unreadable(sqlite3 *db, const char *sweep, StoreUnreadable *out, char *err, size_t errlen)
{
    return count_unreadable(db, sweep, 0, out, err, errlen);
}

/* Writes every row of st to out; -1 with the message in err on an error. */
static int write_rows(sqlite3 *db, sqlite3_stmt *st, OutFormat fmt, FILE *out, char *err, size_t errlen)
{
    if (out_rows(st, fmt, out) >= 0) return 0;
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    return -1;
}

int store_list(sqlite3 *db, int runs, const char *sweep, OutFormat fmt, FILE *out, StoreUnreadable *left_out,
               char *err, size_t errlen)
{
    char readable[STORE_READABLE_SQL_MAX], sql[sizeof runs_sql + sizeof sweeps_sql + sizeof plugins_sql +
                                                STORE_READABLE_SQL_MAX];
    sqlite3_stmt *st = NULL;
    int rc = -1;
    memset(left_out, 0, sizeof *left_out);
    if (runs) {
        if (count_unreadable(db, sweep, 0, left_out, err, errlen)) return -1;
        store_readable_sql(db, readable, sizeof readable);
        snprintf(sql, sizeof sql, runs_sql, readable);
    } else {
        const int plugins = sqlite3_prepare_v2(db, "SELECT plugins FROM sweeps", -1, &st, NULL) == SQLITE_OK;
        sqlite3_finalize(st);
        st = NULL;
        snprintf(sql, sizeof sql, sweeps_sql, plugins ? plugins_sql : "NULL");
    }
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        goto cleanup;
    }
    if (runs) sweep ? sqlite3_bind_text(st, 1, sweep, -1, SQLITE_STATIC) : sqlite3_bind_null(st, 1);
    rc = write_rows(db, st, fmt, out, err, errlen);
cleanup:
    sqlite3_finalize(st);
    return rc;
}

/* Appends one column per distinct key of a JSON column over the readable
 * runs of the sweep: the key's value in each run. */
static int key_columns(sqlite3 *db, int64_t sweep_id, const char *readable, const char *json_col, const char *prefix,
                       char *sql, size_t len)
{
    char q[256 + STORE_READABLE_SQL_MAX];
    sqlite3_stmt *st = NULL;
    snprintf(q, sizeof q,
             "SELECT DISTINCT j.key FROM runs r, json_each(r.%s) j WHERE r.sweep_id = ? AND %s ORDER BY j.key",
             json_col, readable);
    int rc = sqlite3_prepare_v2(db, q, -1, &st, NULL), step = SQLITE_DONE;
    if (rc == SQLITE_OK) sqlite3_bind_int64(st, 1, sweep_id);
    while (rc == SQLITE_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        /* the key as an SQL string and in a quoted column name: any text a
         * hand edit left there (quotes, dots) is a name, never SQL or a path */
        char *column = sqlite3_mprintf(", (SELECT k.value FROM json_each(r.%s) k WHERE k.key = %Q) AS \"%w.%w\"",
                                       json_col, (const char *)sqlite3_column_text(st, 0), prefix,
                                       (const char *)sqlite3_column_text(st, 0));
        const size_t used = strlen(sql);
        if (!column) rc = SQLITE_NOMEM;
        else if ((size_t)snprintf(sql + used, len - used, "%s", column) >= len - used) rc = SQLITE_TOOBIG;
        sqlite3_free(column);
    }
    if (rc == SQLITE_OK && step != SQLITE_DONE) rc = step;
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : -1;
}

int store_export(sqlite3 *db, int64_t sweep_id, int metrics, OutFormat fmt, FILE *out, StoreUnreadable *left_out,
                 char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    char sql[SQL_MAX], readable[STORE_READABLE_SQL_MAX];
    int rc = -1;
    if (count_unreadable(db, NULL, sweep_id, left_out, err, errlen)) return -1;
    store_readable_sql(db, readable, sizeof readable);
    snprintf(sql, sizeof sql, "%s",
             metrics ? "SELECT m.run_id, r.key, r.problem, r.optimizer, r.seed, r.status, m.step, m.loss, m.eval_loss, "
                       "m.eval_accuracy, m.lr, m.elapsed, m.grad_norm, m.clipped_grad_norm, m.update_norm, "
                       "m.param_norm"
                     : "SELECT r.*");
    if (key_columns(db, sweep_id, readable, "hyperparameters", "hp", sql, sizeof sql) ||
        key_columns(db, sweep_id, readable, "problem_options", "problem", sql, sizeof sql)) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        goto cleanup;
    }
    size_t used = strlen(sql);
    snprintf(sql + used, sizeof sql - used, metrics ? " FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.sweep_id = ? "
                                                      "AND %s ORDER BY m.run_id, m.step"
                                                    : " FROM runs r WHERE r.sweep_id = ? AND %s ORDER BY r.id",
             readable);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        goto cleanup;
    }
    sqlite3_bind_int64(st, 1, sweep_id);
    rc = write_rows(db, st, fmt, out, err, errlen);
cleanup:
    sqlite3_finalize(st);
    return rc;
}

int store_run_curve(sqlite3 *db, int64_t run_id, void (*row)(void *ctx, long step, double loss, double elapsed),
                    void *ctx, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    if (sqlite3_prepare_v2(db, "SELECT step, loss, elapsed FROM metrics WHERE run_id = ? ORDER BY step", -1, &st,
                           NULL) != SQLITE_OK)
        goto cleanup;
    sqlite3_bind_int64(st, 1, run_id);
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        row(ctx, (long)sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1), sqlite3_column_double(st, 2));
    if (step == SQLITE_DONE) rc = 0;
cleanup:
    if (rc != 0) snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}
