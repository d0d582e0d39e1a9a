/* store_runs.c — one run read back whole: its row (with its sweep's name)
 * and its logged losses, for `optbench show`. */
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

int store_run_losses(sqlite3 *db, int64_t run_id, long **steps, double **loss, long *n)
{
    sqlite3_stmt *st = NULL;
    long cap = 0;
    int rc = sqlite3_prepare_v2(db, "SELECT step, loss FROM metrics WHERE run_id = ? AND loss IS NOT NULL ORDER BY step",
                                -1, &st, NULL);
    *steps = NULL;
    *loss = NULL;
    *n = 0;
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
