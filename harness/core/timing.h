/* timing.h — a monotonic clock and order statistics (of step times, of
 * bootstrap resamples). */
#ifndef OPTBENCH_TIMING_H
#define OPTBENCH_TIMING_H

#include <stddef.h>

/* Seconds on CLOCK_MONOTONIC. */
double now_seconds(void);

/* Hoare's selection: rearranges v[0..n) (n > 0, no NaN) so that v[k] holds
 * the value it would hold sorted, and returns it; expected linear time, no
 * allocation. */
double order_statistic(double *v, size_t n, size_t k);

/* The q-quantile (0..1, nearest rank) of n values (no NaN among them);
 * reorders `values` in place. NAN when n is 0. */
double quantile(double *values, size_t n, double q);

#endif
