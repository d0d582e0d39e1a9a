/* cmd_rm.c — `optbench rm --sweep NAME`: remove a sweep with its runs and
 * metrics, and `optbench rename OLD NEW`. */
#include <stdio.h>
#include <string.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/store/store.h"
#include "harness/sweep/sweep.h"

enum { F_SWEEP = CLI_FIRST, F_DB };


static const CliFlag rm_flags[] = {
    {"sweep", "NAME", F_SWEEP, 1, "the sweep to remove"},
    CLI_DB_FLAG(F_DB),
    {0},
};

const CliCommand rm_command = {
    .name = "rm",
    .about = "  Removes the sweep with every run and metrics row of it, in one transaction.\n",
    .flags = rm_flags,
};

static const CliFlag rename_flags[] = {CLI_DB_FLAG(F_DB), {0}};

const CliCommand rename_command = {
    .name = "rename",
    .operands = "OLD NEW",
    .about = "  Renames sweep OLD to NEW (which must not exist); its runs follow it.\n",
    .flags = rename_flags,
};

/* Reads --db (and --sweep for rm) into *db_path and *sweep; EXIT_OK with
 * the operands in p, the exit code of a usage error, or CLI_HELPED. */
static int parse(CliParse *p, const CliCommand *cmd, int argc, char **argv, const char **db_path,
                 const char **sweep)
{
    cli_begin(p, cmd, argc, argv);
    for (int id; (id = cli_next(p)) != CLI_END;) {
        switch (id) {
        case CLI_STOP: return p->rc == EXIT_OK ? CLI_HELPED : p->rc;
        case F_SWEEP: *sweep = p->value; break;
        case F_DB: *db_path = p->value; break;
        }
    }
    return EXIT_OK;
}

int cmd_rm(int argc, char **argv)
{
    const char *db_path = STORE_DEFAULT_PATH, *sweep = NULL;
    char err[ERRMSG_MAX];
    sqlite3 *db = NULL;
    long n_runs;
    CliParse p;
    int rc = parse(&p, &rm_command, argc, argv, &db_path, &sweep);
    if (rc != EXIT_OK) return rc == CLI_HELPED ? EXIT_OK : rc;
    if (store_open_readonly(db_path, &db, err, sizeof err)) return cli_fail(EXIT_USAGE, "%s", err);
    store_close(db);
    if (store_open(db_path, &db, err, sizeof err)) return cli_fail(EXIT_USAGE, "%s", err);
    rc = store_remove_sweep(db, sweep, &n_runs, err, sizeof err);
    store_close(db);
    if (rc) return cli_fail(rc > 0 ? EXIT_USAGE : EXIT_RUNTIME, "%s: %s", db_path, err);
    printf("removed sweep %s: %ld run%s\n", sweep, n_runs, n_runs == 1 ? "" : "s");
    return EXIT_OK;
}

int cmd_rename(int argc, char **argv)
{
    const char *db_path = STORE_DEFAULT_PATH;
    char err[ERRMSG_MAX];
    sqlite3 *db = NULL;
    CliParse p;
    int rc = parse(&p, &rename_command, argc, argv, &db_path, NULL);
    if (rc != EXIT_OK) return rc == CLI_HELPED ? EXIT_OK : rc;
    if (p.n_operands != 2) return cli_parse_error(&p, "expected OLD and NEW");
    const char *old_name = p.operands[0], *new_name = p.operands[1];
    const size_t name_max = sizeof ((SweepSpec *)0)->name;
    if (!*new_name || strlen(new_name) >= name_max)
        return cli_fail(EXIT_USAGE, "rename: NEW must have 1 to %zu characters", name_max - 1);
    if (store_open_readonly(db_path, &db, err, sizeof err)) return cli_fail(EXIT_USAGE, "%s", err);
    store_close(db);
    if (store_open(db_path, &db, err, sizeof err)) return cli_fail(EXIT_USAGE, "%s", err);
    rc = store_rename_sweep(db, old_name, new_name, err, sizeof err);
    store_close(db);
    if (rc) return cli_fail(rc > 0 ? EXIT_USAGE : EXIT_RUNTIME, "%s: %s", db_path, err);
    printf("renamed sweep %s to %s\n", old_name, new_name);
    return EXIT_OK;
}
