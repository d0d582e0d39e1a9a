/* cmd_list.c — `optbench list sweeps|runs`: what a database holds. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/store/store.h"
#include "harness/store/queries.h"

static const char usage[] =
    "usage: optbench list sweeps|runs [--sweep NAME] [--format table|csv|json] [--db PATH]\n"
    "  sweeps: each sweep with its run counts by status, and the plugin builds its runs\n"
    "          used (each optimizer and the first 12 digits of its SHA-256)\n"
    "  runs:   each run (of one sweep with --sweep) with its outcome\n";

int cmd_list(int argc, char **argv)
{
    static const struct option opts[] = {
        {"sweep", required_argument, 0, 's'}, {"format", required_argument, 0, 'f'},
        {"db", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    const char *sweep = NULL, *db_path = STORE_DEFAULT_PATH;
    int fmt = OUT_TABLE, c, rc = EXIT_RUNTIME;
    sqlite3 *db = NULL;
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
    int64_t sweep_id;
    if (sweep && runs && store_find_sweep(db, sweep, &sweep_id) == 1) {
        rc = cli_fail(EXIT_USAGE, "%s: no sweep named '%s'", db_path, sweep);
        goto cleanup;
    }
    StoreUnreadable left_out;
    if (store_list(db, runs, sweep, (OutFormat)fmt, stdout, &left_out, err, sizeof err) != 0) {
        cli_fail(EXIT_RUNTIME, "%s: %s", db_path, err);
        goto cleanup;
    }
    cli_note_unreadable(db_path, "list", sweep, left_out.n, left_out.ids);
    rc = EXIT_OK;
cleanup:
    store_close(db);
    return rc;
}
