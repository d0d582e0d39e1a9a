/* cmd_report.c — `optbench report`: a sweep's comparison report. */
#include <stdio.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/report/report.h"
#include "harness/report/report_plots.h"
#include "harness/store/store.h"

enum { F_SWEEP = CLI_FIRST, F_OUT, F_DB, F_OPTIMIZERS };

static const CliFlag flags[] = {
    {"sweep", "NAME", F_SWEEP, 1, "the sweep to report on"},
    {"out", "DIR", F_OUT, 1, "the directory to write it into (made if missing)"},
    CLI_DB_FLAG(F_DB),
    {"optimizers", "a,b", F_OPTIMIZERS, 0, "only these optimizers, in this order"},
    {0},
};

const CliCommand report_command = {
    .name = "report",
    .flags = flags,
    .about =
    "  Writes DIR/report.html (plots inline, opens from disk), DIR/report.md with\n"
    "  PNG plots, and the .dat and .gp files behind every plot (re-render one with\n"
    "  `gnuplot -e 'fmt=\"png\"' FILE.gp` in DIR). --optimizers keeps those\n"
    "  optimizers in that order; the report opens with a verdict table of the first\n"
    "  two listed (or of the only two in the sweep). Needs gnuplot (Debian package\n"
    "  gnuplot-nox).\n",
};

int cmd_report(int argc, char **argv)
{
    const char *sweep = NULL, *out = NULL, *db_path = STORE_DEFAULT_PATH, *only = NULL;
    char err[ERRMSG_MAX];
    sqlite3 *db = NULL;
    ReportData data = {0};
    int c, rc;
    CliParse p;
    cli_begin(&p, &report_command, argc, argv);
    while ((c = cli_next(&p)) != CLI_END) {
        switch (c) {
        case CLI_STOP: return p.rc;
        case F_SWEEP: sweep = p.value; break;
        case F_OUT: out = p.value; break;
        case F_DB: db_path = p.value; break;
        case F_OPTIMIZERS: only = p.value; break;
        }
    }
    if (!plot_have_gnuplot())
        return cli_fail(EXIT_RUNTIME, "gnuplot not found: install the Debian package gnuplot-nox (make deps)");
    if (store_open_readonly(db_path, &db, err, sizeof err)) return cli_fail(EXIT_USAGE, "%s", err);
    rc = report_load(db, sweep, only, &data, err, sizeof err);
    if (rc != 0) {
        rc = cli_fail(rc > 0 ? EXIT_USAGE : EXIT_RUNTIME, "%s: %s", db_path, err);
        goto cleanup;
    }
    cli_note_unreadable(db_path, "report", sweep, data.unreadable.n, data.unreadable.ids);
    if (report_write(db, &data, out, err, sizeof err) != 0) {
        rc = cli_fail(EXIT_RUNTIME, "%s", err);
        goto cleanup;
    }
    printf("%s/report.html\n", out);
    rc = EXIT_OK;
cleanup:
    report_free(&data);
    store_close(db);
    return rc;
}
