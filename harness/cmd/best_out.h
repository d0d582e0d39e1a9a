/* best_out.h — the best configuration of each problem x optimizer of a
 * sweep, with its score interval and flags (grid edges, diverged and failed
 * runs), as text lines or JSON: printed at the end of `optbench sweep` and
 * by `optbench best`. */
#ifndef OPTBENCH_BEST_OUT_H
#define OPTBENCH_BEST_OUT_H

#include <stdio.h>

#include "harness/store/report_data.h"

/* Text: one line per problem x optimizer. */
void best_print_text(const ReportData *d, FILE *out);

/* JSON: an array of one object per problem x optimizer. */
void best_print_json(const ReportData *d, FILE *out);

#endif
