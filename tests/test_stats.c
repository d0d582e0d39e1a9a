/* test_stats.c — the report's seed statistics: bootstrap intervals
 * (reproducible, around the mean, degenerate for one seed) and the
 * Wilcoxon signed-rank p-value against published values. */
#include <criterion/criterion.h>
#include <math.h>

#include "harness/core/stats.h"

Test(stats, bootstrap_interval_is_reproducible_and_holds_the_mean)
{
    const double v[5] = {1.0, 1.2, 0.9, 1.1, 1.05};
    Interval a = stats_mean_interval(v, 5), b = stats_mean_interval(v, 5);
    cr_expect_eq(a.n, 5);
    cr_expect_float_eq(a.mean, 1.05, 1e-12);
    cr_expect_eq(a.lo, b.lo, "the interval changed between two calls");
    cr_expect_eq(a.hi, b.hi);
    cr_expect(a.lo < a.mean && a.mean < a.hi, "[%g, %g] around %g", a.lo, a.hi, a.mean);
    cr_expect(a.lo >= 0.9 && a.hi <= 1.2, "within the data's range: [%g, %g]", a.lo, a.hi);
    cr_expect(stats_excludes_zero(&a));
}

Test(stats, one_seed_has_no_spread_and_nan_is_not_a_seed)
{
    const double v[3] = {NAN, 2.5, INFINITY};
    Interval a = stats_mean_interval(v, 3);
    cr_expect_eq(a.n, 1);
    cr_expect_eq(a.mean, 2.5);
    cr_expect_eq(a.lo, 2.5);
    cr_expect_eq(a.hi, 2.5);
    cr_expect_not(stats_excludes_zero(&a), "one seed never decides");
    Interval none = stats_mean_interval(v, 1);
    cr_expect_eq(none.n, 0);
    cr_expect(isnan(none.mean));
}

Test(stats, overlapping_differences_hold_zero)
{
    const double d[4] = {0.3, -0.2, 0.1, -0.25};
    Interval a = stats_mean_interval(d, 4);
    cr_expect(a.lo < 0 && a.hi > 0, "[%g, %g]", a.lo, a.hi);
    cr_expect_not(stats_excludes_zero(&a));
}

Test(stats, wilcoxon_matches_published_values)
{
    /* Darwin's paired plant heights (scipy.stats.wilcoxon's example): W = 24, exact p = 0.041259765625 */
    const double d[15] = {6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75};
    cr_expect_float_eq(stats_wilcoxon_p(d, 15), 0.041259765625, 1e-12);
    /* six differences of one sign: 2 / 2^6 */
    const double six[6] = {1, 2, 3, 4, 5, 6};
    cr_expect_float_eq(stats_wilcoxon_p(six, 6), 2.0 / 64, 1e-12);
    /* symmetric about zero: p = 1 */
    const double sym[6] = {1, -1, 2, -2, 3, -3};
    cr_expect_float_eq(stats_wilcoxon_p(sym, 6), 1.0, 1e-12);
    const double zeros[3] = {0, 0, 0};
    cr_expect(isnan(stats_wilcoxon_p(zeros, 3)));
}

Test(stats, wilcoxon_normal_approximation_above_sixty_pairs)
{
    double d[80];
    for (int i = 0; i < 80; i++) d[i] = (i % 3 == 0 ? -1 : 1) * (double)(i + 1);
    double p = stats_wilcoxon_p(d, 80);
    cr_expect(p > 0 && p < 0.05, "p = %g", p);
}
