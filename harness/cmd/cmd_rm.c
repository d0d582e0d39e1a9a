/* cmd_rm.c — `optbench rm --sweep NAME`: remove a sweep with its runs and
 * metrics, and `optbench rename OLD NEW`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/store/store.h"
#include "harness/sweep/sweep.h"

static const char rm_usage[] =
    "usage: optbench rm --sweep NAME [--db PATH]\n"
    "  Removes the sweep with every run and metrics row of it, in one transaction.\n";

static const char rename_usage[] =
    "usage: optbench rename OLD NEW [--db PATH]\n"
    "  Renames sweep OLD to NEW (which must not exist); its runs follow it.\n";

/* Reads --db (and --sweep for rm); the remaining words from optind on. */
static int parse(int argc, char **argv, const char *usage, const char **db_path, const char **sweep)
{
    static const struct option opts[] = {
        {"sweep", required_argument, 0, 's'}, {"db", required_argument, 0, 'd'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (!sweep) return cli_usage_error(usage, "%s: unknown option --sweep", argv[0]);
            *sweep = optarg;
            break;
        case 'd': *db_path = optarg; break;
        case 'h': fputs(usage, stdout); return -1;
        default: return cli_usage_error(usage, "%s: unknown or incomplete option '%s'", argv[0], argv[optind - 1]);
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
    int rc = parse(argc, argv, rm_usage, &db_path, &sweep);
    if (rc < 0) return EXIT_OK;
    if (rc != EXIT_OK) return rc;
    if (!sweep || optind != argc) return cli_usage_error(rm_usage, "rm: expected --sweep NAME and nothing else");
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
    int rc = parse(argc, argv, rename_usage, &db_path, NULL);
    if (rc < 0) return EXIT_OK;
    if (rc != EXIT_OK) return rc;
    if (optind != argc - 2) return cli_usage_error(rename_usage, "rename: expected OLD and NEW");
    const char *old_name = argv[optind], *new_name = argv[optind + 1];
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
