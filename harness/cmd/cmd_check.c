/* cmd_check.c — `optbench check DB`: the full integrity check of a result
 * database and its schema against results/schema.sql (store_check). */
#include <stdio.h>
#include <string.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/store/store.h"

static const char usage[] =
    "usage: optbench check DB\n"
    "  Reads DB (never writes it) and runs SQLite's full PRAGMA integrity_check,\n"
    "  then checks that it is an optbench database of a schema version this\n"
    "  optbench reads, with every table, index and column of results/schema.sql\n"
    "  and nothing else. Prints each problem on one line, or 'DB: ok'.\n"
    "  Exit 0: sound; 1: problems found; 2: usage error or a file that cannot be read.\n";

/* Prints one problem under the database's name. */
static void print_problem(void *ctx, const char *problem) { printf("%s: %s\n", (const char *)ctx, problem); }

int cmd_check(int argc, char **argv)
{
    char err[ERRMSG_MAX];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return EXIT_OK;
        }
        if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error(usage, "check: unknown option '%s'", argv[i]);
    }
    if (argc != 2) return cli_usage_error(usage, "check: expected one database");
    const long problems = store_check(argv[1], print_problem, argv[1], err, sizeof err);
    if (problems < 0) return cli_fail(EXIT_USAGE, "%s", err);
    if (problems == 0) printf("%s: ok\n", argv[1]);
    else printf("%s: %ld problem%s\n", argv[1], problems, problems == 1 ? "" : "s");
    return problems ? EXIT_MISMATCH : EXIT_OK;
}
