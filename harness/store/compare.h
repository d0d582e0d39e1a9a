/* compare.h — run-by-run comparison of two result databases: loading the
 * runs, and the regression rules for each compared quantity.
 *
 * Runs are matched by (sweep name, key). A quantity regresses when it moved
 * the wrong way by more than its tolerance: losses and accuracy by more than
 * max(loss_tol * |base|, loss_floor); times (only when time_tol >= 0) by more
 * than time_tol * base; memory by more than mem_tol * base. A status
 * regresses when it falls in the order done > diverged > anything else
 * (done -> diverged is a regression). A value present in the base and
 * missing in the new run counts as moved the wrong way.
 *
 * Curves (`compare --curves`) are compared step by step: a matched pair's
 * logged steps must be the same, and each step's loss, held-out loss and
 * norms (record.h) must stay within max(loss_tol * |base|, loss_floor) of
 * the base's either way; a value in one and NULL in the other differs. The
 * first step where anything differs is the pair's verdict (AlgoPerf's
 * train-diff check of two implementations, on any two databases).
 */
#ifndef OPTBENCH_COMPARE_H
#define OPTBENCH_COMPARE_H

#include <sqlite3.h>
#include <stddef.h>

#include "harness/run/config.h"
#include "harness/run/record.h"

#define COMPARE_LABEL_MAX 512 /* room for a run's description */

/* The compared quantities, in printing order. */
typedef enum {
    CMP_FINAL_LOSS,
    CMP_BEST_LOSS,
    CMP_EVAL_LOSS,
    CMP_EVAL_ACCURACY,
    CMP_STEP_TIME,
    CMP_OPT_TIME,
    CMP_STATE_BYTES,
    CMP_PEAK_BYTES,
    CMP_N_METRICS,
} CompareMetric;

typedef struct {
    long long id;                   /* its row id in its database */
    char sweep[128];                /* sweep name */
    char key[KEY_TEXT_MAX];         /* config hash, unique within the sweep */
    char label[COMPARE_LABEL_MAX];  /* optimizer, hyperparameters, problem, seed */
    char status[16];                /* done, diverged, failed, ... */
    double value[CMP_N_METRICS];    /* each quantity; NAN where the database holds NULL */
} CompareRun;

typedef struct {
    double loss_tol;   /* relative tolerance of losses and accuracy */
    double loss_floor; /* absolute floor of that tolerance, for values near zero */
    double time_tol;   /* relative tolerance of median times; < 0: times not gated */
    double mem_tol;    /* relative tolerance of state and peak bytes */
} CompareTol;

typedef struct {
    int status;                    /* 1 when the status fell */
    int metric[CMP_N_METRICS];     /* 1 for each quantity beyond tolerance */
    int any;                       /* 1 when anything regressed */
} CompareVerdict;

/* Column name of a quantity ("final_loss", ...). */
const char *compare_metric_name(CompareMetric m);

/* Applies the rules above to one matched pair. */
void compare_runs(const CompareRun *base, const CompareRun *next, const CompareTol *tol,
                  CompareVerdict *out);

/* Every run of db (of sweep `sweep` only, when not NULL), ordered by
 * (sweep, key) bytewise, into a malloc'd array. Returns 0, or -1 with a message. */
int compare_load(sqlite3 *db, const char *sweep, CompareRun **runs, size_t *n, char *err,
                 size_t errlen);

/* Orders runs by (sweep, key) as compare_load returns them. */
int compare_order(const CompareRun *a, const CompareRun *b);

#define CURVE_VALUES (2 + N_NORMS) /* loss, eval_loss, then each RowNorm */

/* One logged step of a run's curves. */
typedef struct {
    long step;                 /* 1-based step */
    double value[CURVE_VALUES]; /* each compared value (curve_value_name); NAN for NULL */
} CurveRow;

/* Where two curves first differ. */
typedef struct {
    long step;        /* first step that differs; 0: none (the curves agree) */
    int value;        /* the first value that differs there; -1: the step is logged in one run only */
    double base, next; /* that value in each (NAN for NULL or absent) */
    long steps;       /* steps compared (of the base) */
} CurveDiff;

/* Name of compared value i ("loss", "eval_loss", "grad_norm", ...). */
const char *curve_value_name(int i);

/* The logged rows of run run_id in step order into a malloc'd array (a
 * database older than the norms reads them as NULL). 0, or -1 with a
 * message. */
int compare_load_curve(sqlite3 *db, long long run_id, CurveRow **rows, long *n, char *err, size_t errlen);

/* Applies the curve rule above to base[0..nb) and next[0..nn). */
void compare_curves(const CurveRow *base, long nb, const CurveRow *next, long nn, const CompareTol *tol,
                    CurveDiff *out);

#endif
