/* cmd_export.c — `optbench export`: a sweep's runs (hyperparameters and
 * problem options as columns) or metrics, as CSV or JSON lines for pandas. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/store/store.h"
#include "harness/cmd/table_out.h"

static const char usage[] =
    "usage: optbench export --sweep NAME [--format csv|jsonl] [--metrics] [--db PATH]\n"
    "  Writes one row per run (every column of the runs table, plus one column per\n"
    "  hyperparameter 'hp.NAME' and problem option 'problem.NAME'), or with --metrics\n"
    "  one row per metrics row with its run's key, problem, optimizer, seed and\n"
    "  hyperparameters. pandas: pd.read_csv(...) or pd.read_json(..., lines=True).\n";

#define SQL_MAX 16384

/* Appends one json_extract column per distinct key of a JSON column. */
static int key_columns(sqlite3 *db, int64_t sweep_id, const char *json_col, const char *prefix, char *sql, size_t len)
{
    char q[256];
    sqlite3_stmt *st = NULL;
    snprintf(q, sizeof q, "SELECT DISTINCT j.key FROM runs r, json_each(r.%s) j WHERE r.sweep_id = ? ORDER BY j.key",
             json_col);
    int rc = sqlite3_prepare_v2(db, q, -1, &st, NULL);
    if (rc == SQLITE_OK) sqlite3_bind_int64(st, 1, sweep_id);
    while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        size_t used = strlen(sql);
        int w = snprintf(sql + used, len - used, ", json_extract(r.%s, '$.%s') AS \"%s.%s\"", json_col, key, prefix, key);
        if (w < 0 || (size_t)w >= len - used) rc = SQLITE_TOOBIG;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : -1;
}

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
    sqlite3_stmt *st = NULL;
    char err[ERRMSG_MAX], sql[SQL_MAX];
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
        if (c == 1) rc = cli_fail(EXIT_USAGE, "%s: no sweep named '%s'", db_path, sweep);
        goto cleanup;
    }
    snprintf(sql, sizeof sql, "%s",
             metrics ? "SELECT m.run_id, r.key, r.problem, r.optimizer, r.seed, r.status, m.step, m.loss, m.eval_loss, "
                       "m.eval_accuracy, m.lr, m.elapsed"
                     : "SELECT r.*");
    if (key_columns(db, sweep_id, "hyperparameters", "hp", sql, sizeof sql) ||
        key_columns(db, sweep_id, "problem_options", "problem", sql, sizeof sql))
        goto cleanup;
    size_t used = strlen(sql);
    snprintf(sql + used, sizeof sql - used, "%s",
             metrics ? " FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.sweep_id = ? ORDER BY m.run_id, m.step"
                     : " FROM runs r WHERE r.sweep_id = ? ORDER BY r.id");
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) goto cleanup;
    sqlite3_bind_int64(st, 1, sweep_id);
    rc = out_rows(st, (OutFormat)fmt, stdout) < 0 ? EXIT_RUNTIME : EXIT_OK;
cleanup:
    if (rc == EXIT_RUNTIME) cli_fail(EXIT_RUNTIME, "%s: %s", db_path, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    store_close(db);
    return rc;
}
