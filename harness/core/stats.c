/* stats.c — bootstrap intervals over seeds and the Wilcoxon signed-rank test. */
#include "harness/core/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/rng.h"
#include "harness/core/timing.h"

#define STATS_KEY 20260101u     /* the fixed generator key of every resample */
#define WILCOXON_EXACT_MAX 60  /* non-zero differences up to which p is exact */
#define RESAMPLE_TABLE_MAX 1024 /* values up to which the resampled indices are kept */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Value at fraction q of v[0..n) as sorted, interpolated between
 * neighbours; reorders v (two selections instead of a sort: the interval
 * of every configuration of a sweep's summary takes two, BENCHMARKS.md). */
static double interpolated_quantile(double *v, int n, double q)
{
    double pos = q * (n - 1);
    int i = (int)floor(pos);
    if (i >= n - 1) return order_statistic(v, (size_t)n, (size_t)n - 1);
    const double a = order_statistic(v, (size_t)n, (size_t)i);
    const double b = order_statistic(v, (size_t)n, (size_t)i + 1);
    return a + (pos - i) * (b - a);
}

/* The index of the i-th value drawn for resample b of n values. */
static int resample_index(int n, int b, int i)
{
    const uint64_t counter = (uint64_t)b * (uint64_t)n + (uint64_t)i;
    const int k = (int)(rng_uniform(STATS_KEY, RNG_STREAM_BOOTSTRAP, counter) * n);
    return k < n ? k : n - 1;
}

/* Every resample_index of n values (resample by resample), drawn once and
 * kept for the next interval of as many values: a sweep's closing summary
 * takes three intervals of each configuration, of as many seeds, and the
 * draws were most of it (BENCHMARKS.md). NULL above RESAMPLE_TABLE_MAX
 * values or when out of memory. */
static const int *resample_indices(int n)
{
    static _Thread_local int *table, table_n;
    if (n > RESAMPLE_TABLE_MAX) return NULL;
    if (n != table_n) {
        int *grown = realloc(table, sizeof *grown * (size_t)STATS_RESAMPLES * (size_t)n);
        if (!grown) return NULL;
        table = grown;
        for (int b = 0; b < STATS_RESAMPLES; b++)
            for (int i = 0; i < n; i++) table[b * n + i] = resample_index(n, b, i);
        table_n = n;
    }
    return table;
}

Interval stats_mean_interval(const double *v, int n)
{
    Interval iv = {NAN, NAN, NAN, 0};
    double *x = malloc(sizeof *x * (size_t)(n > 0 ? n : 1)), *means = malloc(sizeof *means * STATS_RESAMPLES);
    double sum = 0;
    if (!x || !means) goto cleanup;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) sum += x[iv.n++] = v[i];
    if (iv.n == 0) goto cleanup;
    iv.mean = iv.lo = iv.hi = sum / iv.n;
    if (iv.n == 1) goto cleanup;
    const int *drawn = resample_indices(iv.n);
    for (int b = 0; b < STATS_RESAMPLES; b++) {
        double s = 0;
        for (int i = 0; i < iv.n; i++) s += x[drawn ? drawn[b * iv.n + i] : resample_index(iv.n, b, i)];
        means[b] = s / iv.n;
    }
    iv.lo = interpolated_quantile(means, STATS_RESAMPLES, 0.025);
    iv.hi = interpolated_quantile(means, STATS_RESAMPLES, 0.975);
cleanup:
    free(x);
    free(means);
    return iv;
}

int stats_excludes_zero(const Interval *iv)
{
    return iv->n > 1 && isfinite(iv->lo) && isfinite(iv->hi) && (iv->hi < 0 || iv->lo > 0);
}

double stats_wilcoxon_p(const double *d, int n)
{
    double *mag = malloc(sizeof *mag * (size_t)(n > 0 ? n : 1)), *counts = NULL, p = NAN;
    long *rank2 = malloc(sizeof *rank2 * (size_t)(n > 0 ? n : 1));
    int m = 0;
    if (!mag || !rank2) goto cleanup;
    for (int i = 0; i < n; i++)
        if (isfinite(d[i]) && d[i] != 0) mag[m++] = fabs(d[i]);
    if (m == 0) goto cleanup;
    qsort(mag, (size_t)m, sizeof *mag, cmp_double);
    /* twice the mean rank of each run of tied magnitudes (an integer), and
     * the tie correction sum of t^3 - t */
    double ties = 0;
    for (int i = 0; i < m;) {
        int j = i;
        while (j + 1 < m && mag[j + 1] == mag[i]) j++;
        for (int k = i; k <= j; k++) rank2[k] = (long)(i + 1) + (long)(j + 1);
        ties += pow(j - i + 1, 3) - (j - i + 1);
        i = j + 1;
    }
    /* W+ (doubled): the ranks of the positive differences */
    long w2 = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(d[i]) || d[i] <= 0) continue;
        int k = 0;
        while (mag[k] != d[i]) k++;
        w2 += rank2[k];
    }
    long total2 = (long)m * (m + 1); /* the doubled ranks sum to m(m+1) */
    if (m <= WILCOXON_EXACT_MAX) {
        /* counts[s]: sign patterns whose doubled W+ is s, one rank at a time */
        counts = calloc((size_t)total2 + 1, sizeof *counts);
        if (!counts) goto cleanup;
        counts[0] = 1;
        long reach = 0;
        for (int k = 0; k < m; k++) {
            for (long s = reach; s >= 0; s--)
                if (counts[s] != 0) counts[s + rank2[k]] += counts[s];
            reach += rank2[k];
        }
        double below = 0, above = 0, all = ldexp(1.0, m);
        for (long s = 0; s <= total2; s++) {
            if (s <= w2) below += counts[s];
            if (s >= w2) above += counts[s];
        }
        p = fmin(1.0, 2 * fmin(below, above) / all);
    } else {
        double mean = m * (m + 1) / 4.0, var = m * (m + 1) * (2.0 * m + 1) / 24.0 - ties / 48.0;
        double z = (fabs(w2 / 2.0 - mean) - 0.5) / sqrt(var);
        p = fmin(1.0, erfc(fmax(z, 0) / sqrt(2.0)));
    }
cleanup:
    free(mag);
    free(rank2);
    free(counts);
    return p;
}
