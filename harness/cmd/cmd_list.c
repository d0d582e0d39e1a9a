/* cmd_list.c — `optbench list sweeps|runs`: what a database holds. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/store/store.h"
#include "harness/cmd/table_out.h"

static const char usage[] =
    "usage: optbench list sweeps|runs [--sweep NAME] [--format table|csv|json] [--db PATH]\n"
    "  sweeps: each sweep with its run counts by status\n"
    "  runs:   each run (of one sweep with --sweep) with its outcome\n";

static const char sweeps_sql[] =
    "SELECT s.id, s.name, s.created_at, s.device_name AS device, count(r.id) AS runs, "
    "sum(r.status = 'done') AS done, sum(r.status = 'diverged') AS diverged, "
    "sum(r.status IN ('failed', 'timeout')) AS failed, sum(r.status IN ('pending', 'running')) AS unfinished "
    "FROM sweeps s LEFT JOIN runs r ON r.sweep_id = s.id GROUP BY s.id ORDER BY s.id";

static const char runs_sql[] =
    "SELECT r.id, s.name AS sweep, r.problem, r.problem_options, r.optimizer, r.hyperparameters, r.seed, "
    "r.status, r.steps_done, r.final_loss, r.best_loss, r.eval_accuracy, r.steps_to_target, "
    "r.step_time_median, r.state_bytes FROM runs r JOIN sweeps s ON s.id = r.sweep_id "
    "WHERE ?1 IS NULL OR s.name = ?1 ORDER BY r.id";

int cmd_list(int argc, char **argv)
{
    static const struct option opts[] = {
        {"sweep", required_argument, 0, 's'}, {"format", required_argument, 0, 'f'},
        {"db", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    const char *sweep = NULL, *db_path = STORE_DEFAULT_PATH;
    int fmt = OUT_TABLE, c, rc = EXIT_RUNTIME;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char err[ERRMSG_MAX];
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': sweep = optarg; break;
        case 'f':
            fmt = out_format_parse(optarg);
            if (fmt < 0 || fmt == OUT_JSONL) return cli_fail(EXIT_USAGE, "--format: '%s' is not table, csv or json", optarg);
            break;
        case 'd': db_path = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_usage_error(usage, "list: unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1 || (strcmp(argv[optind], "sweeps") && strcmp(argv[optind], "runs")))
        return cli_usage_error(usage, "list: expected 'sweeps' or 'runs'");
    const int runs = !strcmp(argv[optind], "runs");
    if (store_open_readonly(db_path, &db, err, sizeof err)) return cli_fail(EXIT_USAGE, "%s", err);
    if (sqlite3_prepare_v2(db, runs ? runs_sql : sweeps_sql, -1, &st, NULL) != SQLITE_OK) goto cleanup;
    if (runs) sweep ? sqlite3_bind_text(st, 1, sweep, -1, SQLITE_STATIC) : sqlite3_bind_null(st, 1);
    int64_t sweep_id;
    if (sweep && runs && store_find_sweep(db, sweep, &sweep_id) == 1) {
        rc = cli_fail(EXIT_USAGE, "%s: no sweep named '%s'", db_path, sweep);
        goto cleanup;
    }
    rc = out_rows(st, (OutFormat)fmt, stdout) < 0 ? EXIT_RUNTIME : EXIT_OK;
cleanup:
    if (rc == EXIT_RUNTIME) cli_fail(EXIT_RUNTIME, "%s: %s", db_path, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    store_close(db);
    return rc;
}
