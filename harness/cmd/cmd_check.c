/* cmd_check.c — `optbench check DB`: the full integrity check of a result
 * database and its schema against results/schema.sql (store_check). */
#include <stdio.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/store/store.h"

const CliCommand check_command = {
    .name = "check",
    .operands = "DB",
    .about =
    "  Reads DB (never writes it) and runs SQLite's full PRAGMA integrity_check,\n"
    "  then checks that it is an optbench database of a schema version this\n"
    "  optbench reads, with every table, index and column of results/schema.sql\n"
    "  and nothing else. Prints each problem on one line, or 'DB: ok'.\n"
    "  Exit 0: sound; 1: problems found; 2: usage error or a file that cannot be read.\n",
};

/* Prints one problem under the database's name. */
static void print_problem(void *ctx, const char *problem) { printf("%s: %s\n", (const char *)ctx, problem); }

int cmd_check(int argc, char **argv)
{
    char err[ERRMSG_MAX];
    CliParse p;
    cli_begin(&p, &check_command, argc, argv);
    if (cli_next(&p) != CLI_END) return p.rc; /* it has no flags: --help, or an error */
    if (p.n_operands != 1) return cli_parse_error(&p, "expected one database");
    char *db = p.operands[0];
    const long problems = store_check(db, print_problem, db, err, sizeof err);
    if (problems < 0) return cli_fail(EXIT_USAGE, "%s", err);
    if (problems == 0) printf("%s: ok\n", db);
    else printf("%s: %ld problem%s\n", db, problems, problems == 1 ? "" : "s");
    return problems ? EXIT_MISMATCH : EXIT_OK;
}
