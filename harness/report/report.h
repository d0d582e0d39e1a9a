/* report.h — writing a sweep's report: report.html (plots inline as SVG,
 * opens from disk with no network), report.md (PNG plots beside it), and
 * every .dat and .gp file the plots were drawn from. */
#ifndef OPTBENCH_REPORT_H
#define OPTBENCH_REPORT_H

#include <sqlite3.h>

#include "harness/store/report_data.h"

/* Writes the report of d into dir (created when missing). Returns 0, or -1
 * with a message. */
int report_write(sqlite3 *db, const ReportData *d, const char *dir, char *err, size_t errlen);

#endif
