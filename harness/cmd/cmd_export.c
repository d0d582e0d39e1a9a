/* cmd_export.c — `optbench export`: a sweep's runs (hyperparameters and
 * problem options as columns) or metrics, as CSV or JSON lines for pandas. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/store/store.h"
#include "harness/store/queries.h"

static const char usage[] =
    "usage: optbench export --sweep NAME [--format csv|jsonl] [--metrics] [--db PATH]\n"
    "  Writes one row per run (every column of the runs table, plus one column per\n"
    "  hyperparameter 'hp.NAME' and problem option 'problem.NAME'), or with --metrics\n"
    "  one row per metrics row with its run's key, problem, optimizer, seed and\n"
    "  hyperparameters. pandas: pd.read_csv(...) or pd.read_json(..., lines=True).\n";

int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"sweep", required_argument, 0, 's'}, {"format", required_argument, 0, 'f'},
        {"metrics", no_argument, 0, 'm'}, {"db", required_argument, 0, 'd'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    const char *sweep = NULL, *db_path = STORE_DEFAULT_PATH;
    int fmt = OUT_CSV, metrics = 0, c, rc = EXIT_RUNTIME;
    sqlite3 *db = NULL;
    char err[ERRMSG_MAX];
    int64_t sweep_id;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': sweep = optarg; break;
        case 'f':
            fmt = out_format_parse(optarg);
            if (fmt != OUT_CSV && fmt != OUT_JSONL) return cli_fail(EXIT_USAGE, "--format: '%s' is not csv or jsonl", optarg);
            break;
        case 'm': metrics = 1; break;
        case 'd': db_path = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_usage_error(usage, "export: unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc) return cli_usage_error(usage, "export: unexpected argument '%s'", argv[optind]);
    if (!sweep) return cli_usage_error(usage, "export: --sweep NAME is required");
    if (store_open_readonly(db_path, &db, err, sizeof err)) return cli_fail(EXIT_USAGE, "%s", err);
    if ((c = store_find_sweep(db, sweep, &sweep_id)) != 0) {
        rc = c == 1 ? cli_fail(EXIT_USAGE, "%s: no sweep named '%s'", db_path, sweep)
                    : cli_fail(EXIT_RUNTIME, "%s: %s", db_path, store_error(db));
        goto cleanup;
    }
    StoreUnreadable left_out;
    if (store_export(db, sweep_id, metrics, (OutFormat)fmt, stdout, &left_out, err, sizeof err) != 0) {
        cli_fail(EXIT_RUNTIME, "%s: %s", db_path, err);
        goto cleanup;
    }
    cli_note_unreadable(db_path, "export", sweep, left_out.n, left_out.ids);
    rc = EXIT_OK;
cleanup:
    store_close(db);
    return rc;
}
