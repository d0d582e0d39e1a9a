/* cmd_list.c — `optbench list sweeps|runs`: what a database holds. */
#include <stdio.h>
#include <string.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/store/store.h"
#include "harness/store/queries.h"

enum { F_SWEEP = CLI_FIRST, F_FORMAT, F_DB };

static const CliFlag flags[] = {
    {"sweep", "NAME", F_SWEEP, 0, "runs: only those of this sweep"},
    {"format", "table|csv|json", F_FORMAT, 0, "how to print them (default table)"},
    CLI_DB_FLAG(F_DB),
    {0},
};

const CliCommand list_command = {
    .name = "list",
    .operands = "sweeps|runs",
    .about = "  sweeps: each sweep with its run counts by status, and the plugin builds its runs\n"
             "          used (each optimizer and the first 12 digits of its SHA-256)\n"
             "  runs:   each run (of one sweep with --sweep) with its outcome\n",
    .flags = flags,
};

int cmd_list(int argc, char **argv)
{
    const char *sweep = NULL, *db_path = STORE_DEFAULT_PATH;
    int fmt = OUT_TABLE, rc = EXIT_RUNTIME;
    sqlite3 *db = NULL;
    char err[ERRMSG_MAX];
    CliParse p;
    cli_begin(&p, &list_command, argc, argv);
    for (int id; (id = cli_next(&p)) != CLI_END;) {
        switch (id) {
        case CLI_STOP: return p.rc;
        case F_SWEEP: sweep = p.value; break;
        case F_FORMAT:
            fmt = out_format_parse(p.value);
            if (fmt < 0 || fmt == OUT_JSONL) return cli_fail(EXIT_USAGE, "--format: '%s' is not table, csv or json", p.value);
            break;
        case F_DB: db_path = p.value; break;
        }
    }
    if (p.n_operands != 1 || (strcmp(p.operands[0], "sweeps") && strcmp(p.operands[0], "runs")))
        return cli_parse_error(&p, "expected 'sweeps' or 'runs'");
    const int runs = !strcmp(p.operands[0], "runs");
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
