/* timing.c — clock and quantiles. */
#include "timing.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double quantile(double *values, size_t n, double q)
{
    if (n == 0) return NAN;
    qsort(values, n, sizeof *values, cmp_double);
    size_t rank = (size_t)ceil(q * (double)n);
    return values[rank ? rank - 1 : 0];
}
