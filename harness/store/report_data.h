/* report_data.h — a sweep's runs loaded for a report, grouped the way a
 * comparison reads them.
 *
 * A problem instance is a problem with its options and the run settings
 * (steps, schedule, clip, accum, device) of its runs: rosenbrock dim 2 and
 * dim 10 are two, and so are runs of 300 and 400 steps, which are never
 * pooled as seeds. A configuration is an optimizer with its hyperparameters
 * on one problem instance; its seeds are its runs. A run's score is its
 * held-out loss where the problem has held-out data, else its final training
 * loss. A configuration's best is the lowest mean score over its seeds among
 * configurations whose seeds all finished without diverging (if none did,
 * no best). Diverged, failed and timed-out runs are counted, never averaged.
 * In a sweep with studies (independent replicas of a random search), a
 * configuration belongs to one study, each study has its best, and the
 * best of a problem and optimizer is the median study's best, AlgoPerf's
 * rule: the studies ordered by their best's mean score (a study without a
 * best last), the one in the middle (of an even count, the worse of the
 * two in the middle); with one study that is simply the best.
 * A best configuration whose numeric hyperparameter sits at the lowest or
 * highest value searched for it (over every configuration of that problem
 * and optimizer) is on a grid edge: the optimum may lie outside the grid.
 */
#ifndef OPTBENCH_REPORT_DATA_H
#define OPTBENCH_REPORT_DATA_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/core/stats.h"
#include "harness/store/queries.h"

#define REPORT_NAME_MAX 64
#define REPORT_JSON_MAX 1024
#define REPORT_EDGES_MAX 8 /* grid edges noted per configuration */

typedef struct {
    int64_t id;             /* runs.id */
    int config;             /* index into ReportData.configs */
    long seed;              /* runs.seed */
    char status[16];        /* done, diverged, failed, timeout, pending, running */
    double score;           /* held-out loss, else final training loss (NAN if none) */
    double eval_accuracy;   /* held-out accuracy at the end (NAN if none) */
    long steps_to_target;   /* -1 when never reached */
    double seconds_to_target; /* NAN when never reached */
    double n_params;        /* parameters */
    double state_bytes;     /* optimizer state */
    double peak_bytes;      /* harness allocator peak */
    double peak_rss;        /* process peak RSS */
    double opt_time;        /* median optimizer-step seconds */
    double step_time;       /* median whole-step seconds */
    double gflops;          /* achieved GFLOP/s of the step (NAN before schema version 3) */
    double sgemm_gflops;    /* the same run's sgemm rate on the problem's shapes (NAN: none) */
    char state_groups[96];  /* each group's state bytes per parameter, "matrices 4, vectors 8" ("" before
                               schema version 5) */
} ReportRun;

typedef struct {
    char name[REPORT_NAME_MAX];     /* problem name */
    char options[REPORT_JSON_MAX];  /* its options as JSON */
    char settings[REPORT_JSON_MAX]; /* run settings its runs share: steps, schedule, clip, accum, device (JSON) */
    char label[REPORT_JSON_MAX];    /* "rosenbrock dim=10" for titles */
    double target;                  /* target loss of its runs */
} ReportProblem;

/* A numeric hyperparameter of a best configuration at the lowest or highest
 * value searched for its problem and optimizer. */
typedef struct {
    char key[32];                   /* hyperparameter */
    double value;                   /* the best configuration's value */
    int top;                        /* 1: the highest value searched, 0: the lowest */
} ReportEdge;

typedef struct {
    int problem;                    /* index into ReportData.problems */
    char optimizer[REPORT_NAME_MAX]; /* optimizer name */
    char hparams[REPORT_JSON_MAX];  /* hyperparameters as JSON */
    char groups[REPORT_JSON_MAX];   /* its parameter groups' overrides, "vectors.weight_decay=0 ...", or "" */
    double lr, weight_decay;        /* their lr and weight_decay (NAN when absent) */
    int study;                      /* its study, 1..n_studies; 0 in a sweep without studies */
    int n_runs;                     /* seeds recorded */
    int n_done, n_diverged, n_failed, n_pruned; /* by outcome (failed includes timeout) */
    double score_mean, score_std;   /* over done seeds (NAN if none) */
    double acc_mean;                /* mean held-out accuracy of done seeds */
    double tt_mean, tt_std;         /* seconds to target over seeds that reached it */
    double steps_tt_mean;           /* steps to target, same seeds */
    int n_reached;                  /* seeds that reached the target */
    double step_time_mean, step_time_std; /* median step seconds over seeds */
    double opt_time_mean;           /* median optimizer-step seconds, mean over seeds */
    double state_per_param;         /* state bytes per parameter */
    char state_groups[96];          /* the same per parameter group (ReportRun.state_groups) */
    double peak_bytes;              /* largest allocator peak over seeds */
    double peak_rss;                /* largest peak RSS over seeds */
    double n_params;                /* parameters */
    double gflops_mean;             /* achieved GFLOP/s, mean over seeds */
    double mfu_mean;                /* gflops / sgemm_gflops, mean over seeds (NAN: no products) */
    Interval score_iv;              /* mean score of done seeds, 95% bootstrap interval */
    Interval tt_iv;                 /* seconds to target of the seeds that reached it */
    Interval step_time_iv;          /* median step seconds over seeds */
    int n_edges;                    /* grid edges of this configuration (best ones only) */
    ReportEdge edges[REPORT_EDGES_MAX]; /* them */
} ReportConfig;

/* What a comparison reads of each run. */
typedef enum {
    VALUE_SCORE,          /* score of a done run */
    VALUE_TIME_TO_TARGET, /* seconds to target of a run that reached it */
    VALUE_STEP_TIME,      /* median whole-step seconds */
} ReportValue;

/* Two configurations compared on the seeds both have a value for. */
typedef struct {
    Interval diff;        /* mean of a - b over the shared seeds, paired bootstrap interval */
    double p;             /* Wilcoxon signed-rank p, NAN below STATS_WILCOXON_MIN pairs */
} ReportPaired;

typedef struct {
    char sweep[128];                /* sweep name */
    char machine[1024];             /* the machines its runs ran on, as one line ("" if unknown): store_get_machine */
    int n_problems, n_configs, n_optimizers;
    long n_runs;
    StoreUnreadable unreadable;     /* runs left out: their stored JSON does not parse */
    ReportProblem *problems;        /* problem instances, in first-seen order */
    ReportConfig *configs;          /* configurations, in first-seen order */
    ReportRun *runs;                /* every run of the sweep */
    char optimizers[16][REPORT_NAME_MAX]; /* optimizers shown: as listed, else first seen */
    int verdict;                    /* compare optimizers[0] and [1] in a verdict table */
    int *best;                      /* [problem * n_optimizers + o]: best config or -1 */
    int n_studies;                  /* studies of the sweep's search (1 without studies) */
    int *study_best;                /* [(problem * n_optimizers + o) * n_studies + s]: study s's best or -1 */
} ReportData;

/* Loads sweep `name` of db, keeping only the listed optimizers, in that
 * order, when `only` is non-NULL ("lion,adamw"). A verdict compares the
 * first two listed, or the only two there are. Returns 0, 1 when the sweep does not
 * exist or holds no run of those optimizers (message in err), -1 on an
 * SQLite error. */
int report_load(sqlite3 *db, const char *name, const char *only, ReportData *out, char *err, size_t errlen);

void report_free(ReportData *d);

/* Index of an optimizer in d->optimizers, or -1. */
int report_optimizer_index(const ReportData *d, const char *name);

/* The best configuration of optimizer o on problem p (the median study's), or -1. */
int report_best(const ReportData *d, int p, int o);

/* The best configuration of study s (0-based) of optimizer o on problem p, or -1. */
int report_study_best(const ReportData *d, int p, int o, int s);

/* How the runs of optimizer o on problem p ended, over all its configurations. */
typedef struct {
    int runs;      /* runs recorded */
    int diverged;  /* ended diverged */
    int failed;    /* ended failed or timeout */
    int pruned;    /* stopped by the sweep's pruning rule */
} ReportOutcomes;

ReportOutcomes report_outcomes(const ReportData *d, int p, int o);

/* The value `what` of a run (NAN when it has none). */
double report_run_value(const ReportRun *r, ReportValue what);

/* Configuration a against b on their shared seeds. */
ReportPaired report_paired(const ReportData *d, int a, int b, ReportValue what);

/* "lr=0.01 is the top of its grid" for edge e. */
void report_edge_text(const ReportEdge *e, char *buf, size_t len);

#endif
