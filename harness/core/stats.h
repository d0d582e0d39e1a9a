/* stats.h — seed statistics of a report: the mean over seeds with a 95%
 * bootstrap interval (the seed is the unit of resampling), and the Wilcoxon
 * signed-rank test of paired differences.
 *
 * Resamples come from the counter-based generator under one fixed key, so a
 * report of the same database is the same report every time.
 */
#ifndef OPTBENCH_STATS_H
#define OPTBENCH_STATS_H

#define STATS_RESAMPLES 2000 /* bootstrap resamples of an interval */
#define STATS_WILCOXON_MIN 6 /* pairs below which no signed-rank p is given */

typedef struct {
    double mean;   /* mean of the finite values (NAN when none) */
    double lo, hi; /* 2.5th and 97.5th percentiles of the bootstrap means (= mean when n is 1) */
    int n;         /* finite values: seeds */
} Interval;

/* The mean of the finite values of v[0..n) and its percentile bootstrap
 * interval. Applied to paired differences, it is the paired bootstrap. */
Interval stats_mean_interval(const double *v, int n);

/* 1 when the interval lies wholly below (or above) zero, 0 when it holds zero
 * or is unknown. */
int stats_excludes_zero(const Interval *iv);

/* Two-sided p-value of the Wilcoxon signed-rank test of the differences
 * d[0..n) (zeros dropped, tied magnitudes given their mean rank): exact for
 * up to 60 non-zero differences, else the normal approximation with the
 * tie correction. NAN when no difference is non-zero. */
double stats_wilcoxon_p(const double *d, int n);

#endif
