/* cmd_export.c — `optbench export`: a sweep's runs (hyperparameters and
 * problem options as columns) or metrics, as CSV or JSON lines for pandas. */
#include <stdio.h>
#include <string.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/store/store.h"
#include "harness/store/queries.h"

enum { F_SWEEP = CLI_FIRST, F_FORMAT, F_METRICS, F_DB };

static const CliFlag flags[] = {
    {"sweep", "NAME", F_SWEEP, 1, "the sweep to export"},
    {"format", "csv|jsonl", F_FORMAT, 0, "CSV with a header line, or one JSON object a line (default csv)"},
    {"metrics", NULL, F_METRICS, 0, "the metrics rows instead of the runs"},
    CLI_DB_FLAG(F_DB),
    {0},
};

const CliCommand export_command = {
    .name = "export",
    .flags = flags,
    .about =
    "  Writes one row per run (every column of the runs table, plus one column per\n"
    "  hyperparameter 'hp.NAME' and problem option 'problem.NAME'), or with --metrics\n"
    "  one row per metrics row with its run's key, problem, optimizer, seed and\n"
    "  hyperparameters. pandas: pd.read_csv(...) or pd.read_json(..., lines=True).\n",
};

int cmd_export(int argc, char **argv)
{
    const char *sweep = NULL, *db_path = STORE_DEFAULT_PATH;
    int fmt = OUT_CSV, metrics = 0, c, rc = EXIT_RUNTIME;
    sqlite3 *db = NULL;
    char err[ERRMSG_MAX];
    int64_t sweep_id;
    CliParse p;
    cli_begin(&p, &export_command, argc, argv);
    while ((c = cli_next(&p)) != CLI_END) {
        switch (c) {
        case CLI_STOP: return p.rc;
        case F_SWEEP: sweep = p.value; break;
        case F_FORMAT:
            fmt = out_format_parse(p.value);
            if (fmt != OUT_CSV && fmt != OUT_JSONL) return cli_fail(EXIT_USAGE, "--format: '%s' is not csv or jsonl", p.value);
            break;
        case F_METRICS: metrics = 1; break;
        case F_DB: db_path = p.value; break;
        }
    }
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
