/* cmd_report.c — `optbench report`: a sweep's comparison report. */
#include <getopt.h>
#include <stdio.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/report/report.h"
#include "harness/report/report_plots.h"
#include "harness/store/store.h"

static const char usage[] =
    "usage: optbench report --sweep NAME --out DIR [--db PATH] [--optimizers a,b]\n"
    "  Writes DIR/report.html (plots inline, opens from disk), DIR/report.md with\n"
    "  PNG plots, and the .dat and .gp files behind every plot (re-render one with\n"
    "  `gnuplot -e 'fmt=\"png\"' FILE.gp` in DIR). --optimizers keeps those\n"
    "  optimizers in that order; the report opens with a verdict table of the first\n"
    "  two listed (or of the only two in the sweep). Needs gnuplot (Debian package\n"
    "  gnuplot-nox).\n";

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"sweep", required_argument, 0, 's'}, {"out", required_argument, 0, 'o'},
        {"db", required_argument, 0, 'd'}, {"optimizers", required_argument, 0, 'O'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    const char *sweep = NULL, *out = NULL, *db_path = STORE_DEFAULT_PATH, *only = NULL;
    char err[ERRMSG_MAX];
    sqlite3 *db = NULL;
    ReportData data = {0};
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': sweep = optarg; break;
        case 'o': out = optarg; break;
        case 'd': db_path = optarg; break;
        case 'O': only = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_usage_error(usage, "report: unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc) return cli_usage_error(usage, "report: unexpected argument '%s'", argv[optind]);
    if (!sweep || !out) return cli_usage_error(usage, "report: --sweep and --out are required");
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
