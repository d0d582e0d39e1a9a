/* timing.h — a monotonic clock and order statistics of step times. */
#ifndef OPTBENCH_TIMING_H
#define OPTBENCH_TIMING_H

#include <stddef.h>

/* Seconds on CLOCK_MONOTONIC. */
double now_seconds(void);

/* The q-quantile (0..1, nearest rank) of n values (no NaN among them);
 * reorders `values` in place. NAN when n is 0. */
double quantile(double *values, size_t n, double q);

#endif
