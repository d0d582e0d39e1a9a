/* store_runs.c — one run read back whole: its row (with its sweep's name)
 * and its logged curves, for `optbench show`, and its metrics rows, for a
 * resumed pruned sweep. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/store/store.h"

int store_run_row(sqlite3 *db, int64_t run_id, sqlite3_stmt **out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT s.name AS sweep, r.* FROM runs r JOIN sweeps s ON s.id = r.sweep_id "
                                    "WHERE r.id = ?", -1, &st, NULL);
    *out = NULL;
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 1, run_id);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = st;
        return 0;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 1 : -1;
}

int store_has_column(sqlite3 *db, const char *schema, const char *table, const char *column)
{
    sqlite3_stmt *st = NULL;
    const int found = sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info(?1, ?3) WHERE name = ?2", -1, &st,
                                         NULL) == SQLITE_OK &&
                      sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC) == SQLITE_OK &&
                      sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC) == SQLITE_OK &&
                      sqlite3_bind_text(st, 3, schema, -1, SQLITE_STATIC) == SQLITE_OK &&
                      sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

int store_run_series(sqlite3 *db, int64_t run_id, const char *column, long **steps, double **loss, long *n)
{
    sqlite3_stmt *st = NULL;
    char sql[256];
    long cap = 0;
    *steps = NULL;
    *loss = NULL;
    *n = 0;
    if (!store_has_column(db, "main", "metrics", column)) return 0;
    snprintf(sql, sizeof sql, "SELECT step, %s FROM metrics WHERE run_id = ? AND %s IS NOT NULL ORDER BY step", column,
             column);
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 1, run_id);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 256;
            long *s = realloc(*steps, sizeof *s * (size_t)cap);
            if (s) *steps = s;
            double *l = s ? realloc(*loss, sizeof *l * (size_t)cap) : NULL;
            if (!l) {
                rc = SQLITE_NOMEM;
                break;
            }
            *loss = l;
        }
        (*steps)[*n] = sqlite3_column_int64(st, 0);
        (*loss)[(*n)++] = sqlite3_column_double(st, 1);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE) return 0;
    free(*steps);
    free(*loss);
    *steps = NULL;
    *loss = NULL;
    *n = 0;
    return -1;
}

int store_run_metrics(sqlite3 *db, int64_t run_id, MetricRow **rows, long *n)
{
    sqlite3_stmt *st = NULL;
    long cap = 0;
    char sql[512];
    size_t len = (size_t)snprintf(sql, sizeof sql, "SELECT step, loss, eval_loss, eval_accuracy, lr, elapsed");
    for (int k = 0; k < N_NORMS; k++) len += (size_t)snprintf(sql + len, sizeof sql - len, ", %s", row_norm_name(k));
    snprintf(sql + len, sizeof sql - len, " FROM metrics WHERE run_id = ? ORDER BY step");
    *rows = NULL;
    *n = 0;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 1, run_id);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 128;
            MetricRow *grown = realloc(*rows, sizeof *grown * (size_t)cap);
            if (!grown) {
                rc = SQLITE_NOMEM;
                break;
            }
            *rows = grown;
        }
        MetricRow *r = &(*rows)[(*n)++];
        r->step = (long)sqlite3_column_int64(st, 0);
        r->loss = store_column_real(st, 1);
        r->eval_loss = store_column_real(st, 2);
        r->eval_accuracy = store_column_real(st, 3);
        r->lr = store_column_real(st, 4);
        r->elapsed = store_column_real(st, 5);
        for (int k = 0; k < N_NORMS; k++) r->norm[k] = store_column_real(st, 6 + k);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE) return 0;
    free(*rows);
    *rows = NULL;
    *n = 0;
    return -1;
}
