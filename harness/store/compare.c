/* compare.c — loading runs for `optbench compare` and its regression rules. */
#include "harness/store/compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/store/store.h"

/* What each quantity is and which way is worse. */
typedef struct {
    const char *name;  /* column name in runs */
    int higher_worse;  /* 1: a rise is worse; 0: a fall is worse (accuracy) */
    enum { KIND_LOSS, KIND_TIME, KIND_MEMORY } kind; /* which tolerance applies */
} MetricDef;

static const MetricDef metrics[CMP_N_METRICS] = {
    [CMP_FINAL_LOSS] = {"final_loss", 1, KIND_LOSS},
    [CMP_BEST_LOSS] = {"best_loss", 1, KIND_LOSS},
    [CMP_EVAL_LOSS] = {"eval_loss", 1, KIND_LOSS},
    [CMP_EVAL_ACCURACY] = {"eval_accuracy", 0, KIND_LOSS},
    [CMP_STEP_TIME] = {"step_time_median", 1, KIND_TIME},
    [CMP_OPT_TIME] = {"opt_time_median", 1, KIND_TIME},
    [CMP_STATE_BYTES] = {"state_bytes", 1, KIND_MEMORY},
    [CMP_PEAK_BYTES] = {"peak_bytes", 1, KIND_MEMORY},
};

const char *compare_metric_name(CompareMetric m) { return metrics[m].name; }

/* done > diverged > every other status. */
static int status_rank(const char *status)
{
    return !strcmp(status, "done") ? 2 : !strcmp(status, "diverged") ? 1 : 0;
}

/* 1 when next is worse than base beyond tol for quantity m. */
static int regressed(CompareMetric m, double base, double next, const CompareTol *tol)
{
    const MetricDef *d = &metrics[m];
    double allowed;
    if (isnan(base)) return 0;
    if (d->kind == KIND_TIME && tol->time_tol < 0) return 0;
    if (isnan(next)) return 1;
    switch (d->kind) {
    case KIND_LOSS: allowed = fmax(tol->loss_tol * fabs(base), tol->loss_floor); break;
    case KIND_TIME: allowed = tol->time_tol * fabs(base); break;
    default: allowed = tol->mem_tol * fabs(base); break;
    }
    return (d->higher_worse ? next - base : base - next) > allowed;
}

void compare_runs(const CompareRun *base, const CompareRun *next, const CompareTol *tol,
                  CompareVerdict *out)
{
    out->status = status_rank(next->status) < status_rank(base->status);
    out->any = out->status;
    for (int m = 0; m < CMP_N_METRICS; m++) {
        out->metric[m] = regressed((CompareMetric)m, base->value[m], next->value[m], tol);
        out->any |= out->metric[m];
    }
}

int compare_order(const CompareRun *a, const CompareRun *b)
{
    int c = strcmp(a->sweep, b->sweep);
    return c ? c : strcmp(a->key, b->key);
}

/* Text column i of st, or "" for NULL. */
static const char *column_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

int compare_load(sqlite3 *db, const char *sweep, CompareRun **runs, size_t *n, char *err,
                 size_t errlen)
{
    char sql[1024];
    size_t used = (size_t)snprintf(sql, sizeof sql,
                                   "SELECT r.id, s.name, r.key, r.optimizer || ' ' || r.hyperparameters || ' on ' || "
                                   "r.problem || ' ' || r.problem_options || ' seed ' || r.seed, r.status");
    for (int m = 0; m < CMP_N_METRICS; m++)
        used += (size_t)snprintf(sql + used, sizeof sql - used, ", r.%s", metrics[m].name);
    snprintf(sql + used, sizeof sql - used,
             " FROM runs r JOIN sweeps s ON s.id = r.sweep_id WHERE ?1 IS NULL OR s.name = ?1 "
             "ORDER BY s.name, r.key");
    sqlite3_stmt *st = NULL;
    CompareRun *list = NULL;
    size_t count = 0, cap = 0;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sweep ? sqlite3_bind_text(st, 1, sweep, -1, SQLITE_STATIC) : sqlite3_bind_null(st, 1);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            cap = cap ? 2 * cap : 64;
            CompareRun *grown = realloc(list, cap * sizeof *list);
            if (!grown) {
                rc = SQLITE_NOMEM;
                break;
            }
            list = grown;
        }
        CompareRun *r = &list[count++];
        r->id = sqlite3_column_int64(st, 0);
        snprintf(r->sweep, sizeof r->sweep, "%s", column_text(st, 1));
        snprintf(r->key, sizeof r->key, "%s", column_text(st, 2));
        snprintf(r->label, sizeof r->label, "%s", column_text(st, 3));
        snprintf(r->status, sizeof r->status, "%s", column_text(st, 4));
        for (int m = 0; m < CMP_N_METRICS; m++) r->value[m] = store_column_real(st, 5 + m);
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "reading runs: %s", rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(db));
        free(list);
        list = NULL;
        count = 0;
    }
    sqlite3_finalize(st);
    *runs = list;
    *n = count;
    return rc == SQLITE_DONE ? 0 : -1;
}

const char *curve_value_name(int i)
{
    return i == 0 ? "loss" : i == 1 ? "eval_loss" : row_norm_name((RowNorm)(i - 2));
}

int compare_load_curve(sqlite3 *db, long long run_id, CurveRow **rows, long *n, char *err, size_t errlen)
{
    char sql[1024];
    sqlite3_stmt *st = NULL;
    CurveRow *list = NULL;
    long count = 0, cap = 0;
    size_t used = (size_t)snprintf(sql, sizeof sql, "SELECT step");
    /* each value, or NULL where an older database's metrics lack its column */
    for (int i = 0; i < CURVE_VALUES; i++)
        used += (size_t)snprintf(sql + used, sizeof sql - used, store_has_column(db, "main", "metrics", curve_value_name(i)) ? ", %s" : ", NULL",
                                 curve_value_name(i));
    snprintf(sql + used, sizeof sql - used, " FROM metrics WHERE run_id = ? ORDER BY step");
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 1, run_id);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            cap = cap ? 2 * cap : 256;
            CurveRow *grown = realloc(list, (size_t)cap * sizeof *list);
            if (!grown) {
                rc = SQLITE_NOMEM;
                break;
            }
            list = grown;
        }
        CurveRow *r = &list[count++];
        r->step = (long)sqlite3_column_int64(st, 0);
        for (int i = 0; i < CURVE_VALUES; i++) r->value[i] = store_column_real(st, 1 + i);
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "reading the metrics of run %lld: %s", run_id,
                 rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(db));
        free(list);
        list = NULL;
        count = 0;
    }
    sqlite3_finalize(st);
    *rows = list;
    *n = count;
    return rc == SQLITE_DONE ? 0 : -1;
}

/* 1 when next is not within the curve tolerance of base. */
static int curve_differs(double base, double next, const CompareTol *tol)
{
    if (isnan(base) || isnan(next)) return isnan(base) != isnan(next);
    if (base == next) return 0; /* the same infinity too */
    return !(fabs(next - base) <= fmax(tol->loss_tol * fabs(base), tol->loss_floor));
}

void compare_curves(const CurveRow *base, long nb, const CurveRow *next, long nn, const CompareTol *tol,
                    CurveDiff *out)
{
    *out = (CurveDiff){.step = 0, .value = -1, .base = NAN, .next = NAN, .steps = nb};
    for (long i = 0; i < nb || i < nn; i++) {
        if (i >= nb || i >= nn || base[i].step != next[i].step) {
            /* the first step logged in one run only */
            const long sb = i < nb ? base[i].step : 0, sn = i < nn ? next[i].step : 0;
            out->step = !sb ? sn : !sn ? sb : sb < sn ? sb : sn;
            return;
        }
        for (int v = 0; v < CURVE_VALUES; v++)
            if (curve_differs(base[i].value[v], next[i].value[v], tol)) {
                *out = (CurveDiff){base[i].step, v, base[i].value[v], next[i].value[v], nb};
                return;
            }
    }
}
