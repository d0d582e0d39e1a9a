/* cmd_show.c — `optbench show RUN`: one run's configuration and summary,
 * its model FLOP utilisation, and text sparklines of its training loss and
 * per-step norms; and `optbench best --sweep NAME`: the best configuration
 * per problem x optimizer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd/best_out.h"
#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/store/store.h"

#define SPARK_WIDTH 64 /* columns of the loss sparkline */

enum { F_SWEEP = CLI_FIRST, F_DB, F_JSON };


static const CliFlag show_flags[] = {CLI_DB_FLAG(F_DB), {0}};

const CliCommand show_command = {
    .name = "show",
    .operands = "RUN",
    .about = "  Prints run RUN (its id, as `optbench list runs` shows) field by field: the\n"
             "  configuration, the outcome and the summary, its MFU (gflops / sgemm_gflops,\n"
             "  the step's FLOP rate against the same run's sgemm rate on the problem's\n"
             "  shapes), then sparklines of its logged training loss and of the norms of each\n"
             "  logged step: gradient before and after clipping, update, parameters (log\n"
             "  scale when every value is positive).\n",
    .flags = show_flags,
};

static const CliFlag best_flags[] = {
    {"sweep", "NAME", F_SWEEP, 1, "the sweep to rank"},
    CLI_DB_FLAG(F_DB),
    {"json", NULL, F_JSON, 0, "print them as one JSON array, an object per problem x optimizer"},
    {0},
};

const CliCommand best_command = {
    .name = "best",
    .about = "  The best configuration of each problem x optimizer of a sweep (lowest mean\n"
             "  score among configurations whose seeds all finished), with the 95% bootstrap\n"
             "  interval over seeds and its flags: grid edges, diverged and failed runs.\n",
    .flags = best_flags,
};

/* Prints the series `name` as one line of eighth-blocks, SPARK_WIDTH
 * columns at most (each the mean of its share of the rows). */
static void sparkline(const char *name, const long *steps, const double *loss, long n)
{
    static const char *const blocks[8] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    double col[SPARK_WIDTH], lo = INFINITY, hi = -INFINITY;
    int logy = 1, w = n < SPARK_WIDTH ? (int)n : SPARK_WIDTH;
    for (long i = 0; i < n; i++) logy &= loss[i] > 0;
    for (int c = 0; c < w; c++) {
        long a = c * n / w, b = (c + 1) * n / w;
        double s = 0;
        int k = 0;
        for (long i = a; i < b; i++)
            if (isfinite(loss[i])) s += logy ? log10(loss[i]) : loss[i], k++;
        col[c] = k ? s / k : NAN;
        if (isfinite(col[c])) lo = fmin(lo, col[c]), hi = fmax(hi, col[c]);
    }
    /* a series flat to rounding (a norm held at the clip) draws flat */
    const int spread = hi - lo > 1e-6 * fmax(1, fmax(fabs(hi), fabs(lo)));
    printf("%s%s, steps %ld to %ld: %.4g -> %.4g\n  ", name, logy ? " (log scale)" : "", steps[0], steps[n - 1],
           loss[0], loss[n - 1]);
    for (int c = 0; c < w; c++) {
        int level = !isfinite(col[c]) ? -1 : spread ? (int)floor(7.999 * (col[c] - lo) / (hi - lo)) : 0;
        fputs(level < 0 ? " " : blocks[level], stdout);
    }
    fputc('\n', stdout);
}

/* Reads --db (and --sweep, --json for best); EXIT_OK with the operands in
 * p, the exit code of a usage error, or CLI_HELPED. */
static int parse(CliParse *p, const CliCommand *cmd, int argc, char **argv, const char **db_path,
                 const char **sweep, int *json)
{
    cli_begin(p, cmd, argc, argv);
    for (int id; (id = cli_next(p)) != CLI_END;) {
        switch (id) {
        case CLI_STOP: return p->rc == EXIT_OK ? CLI_HELPED : p->rc;
        case F_SWEEP: *sweep = p->value; break;
        case F_DB: *db_path = p->value; break;
        case F_JSON: *json = 1; break;
        }
    }
    return EXIT_OK;
}

/* The run's MFU line from its gflops and sgemm_gflops columns, when both are known. */
static void print_mfu(sqlite3_stmt *st)
{
    double gflops = NAN, sgemm = NAN;
    for (int i = 0; i < sqlite3_column_count(st); i++) {
        const int known = sqlite3_column_type(st, i) != SQLITE_NULL;
        if (known && !strcmp(sqlite3_column_name(st, i), "gflops")) gflops = sqlite3_column_double(st, i);
        if (known && !strcmp(sqlite3_column_name(st, i), "sgemm_gflops")) sgemm = sqlite3_column_double(st, i);
    }
    if (isfinite(gflops) && sgemm > 0)
        printf("%-18s %.1f%% (%.3g of %.3g GFLOP/s)\n", "mfu", 100 * gflops / sgemm, gflops, sgemm);
}

/* The text of the column of st named name; NULL when it has none. */
static const char *column_named(sqlite3_stmt *st, const char *name)
{
    for (int i = 0; i < sqlite3_column_count(st); i++)
        if (!strcmp(sqlite3_column_name(st, i), name)) return (const char *)sqlite3_column_text(st, i);
    return NULL;
}

/* The plugin build the run's optimizer came from, as its sweep records it
 * (sweeps.plugins); nothing for a built-in. 0, or -1 on an SQLite error. */
static int print_plugin(sqlite3 *db, sqlite3_stmt *st)
{
    char path[PLUGIN_PATH_MAX], sha[SHA256_HEX_LEN + 1];
    const char *sweep = column_named(st, "sweep"), *optimizer = column_named(st, "optimizer");
    const int found = sweep && optimizer ? store_sweep_plugin(db, sweep, optimizer, path, sizeof path, sha) : 0;
    if (found > 0) printf("%-18s %s (sha256 %s)\n", "plugin", path, sha);
    return found < 0 ? -1 : 0;
}

/* The sparkline of one metrics column of run id, when it has values; 0 or -1. */
static int print_series(sqlite3 *db, long id, const char *column)
{
    long *steps = NULL, n = 0;
    double *values = NULL;
    if (store_run_series(db, id, column, &steps, &values, &n)) return -1;
    if (n > 0) sparkline(column, steps, values, n);
    else if (!strcmp(column, "loss")) printf("no logged loss\n");
    free(steps);
    free(values);
    return 0;
}

int cmd_show(int argc, char **argv)
{
    const char *db_path = STORE_DEFAULT_PATH;
    char err[ERRMSG_MAX];
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long id;
    CliParse p;
    int rc = parse(&p, &show_command, argc, argv, &db_path, NULL, NULL);
    if (rc != EXIT_OK) return rc == CLI_HELPED ? EXIT_OK : rc;
    if (p.n_operands != 1) return cli_parse_error(&p, "expected one run id");
    if (cli_long("RUN", p.operands[0], 1, 1L << 62, &id)) return EXIT_USAGE;
    if (store_open_readonly(db_path, &db, err, sizeof err)) return cli_fail(EXIT_USAGE, "%s", err);
    int found = store_run_row(db, id, &st);
    if (found != 0) {
        rc = found > 0 ? cli_fail(EXIT_USAGE, "%s: no run %ld", db_path, id)
                       : cli_fail(EXIT_RUNTIME, "%s: %s", db_path, sqlite3_errmsg(db));
        goto cleanup;
    }
    for (int i = 0; i < sqlite3_column_count(st); i++) {
        const char *v = (const char *)sqlite3_column_text(st, i);
        if (v) printf("%-18s %s\n", sqlite3_column_name(st, i), v);
    }
    print_mfu(st);
    if (print_plugin(db, st)) {
        rc = cli_fail(EXIT_RUNTIME, "%s: %s", db_path, sqlite3_errmsg(db));
        goto cleanup;
    }
    for (int k = -1; k < N_NORMS; k++)
        if (print_series(db, id, k < 0 ? "loss" : row_norm_name((RowNorm)k))) {
            rc = cli_fail(EXIT_RUNTIME, "%s: %s", db_path, sqlite3_errmsg(db));
            goto cleanup;
        }
    rc = EXIT_OK;
cleanup:
    sqlite3_finalize(st);
    store_close(db);
    return rc;
}

int cmd_best(int argc, char **argv)
{
    const char *db_path = STORE_DEFAULT_PATH, *sweep = NULL;
    char err[ERRMSG_MAX];
    sqlite3 *db = NULL;
    ReportData data = {0};
    CliParse p;
    int json = 0, rc = parse(&p, &best_command, argc, argv, &db_path, &sweep, &json);
    if (rc != EXIT_OK) return rc == CLI_HELPED ? EXIT_OK : rc;
    if (store_open_readonly(db_path, &db, err, sizeof err)) return cli_fail(EXIT_USAGE, "%s", err);
    rc = report_load(db, sweep, NULL, &data, err, sizeof err);
    if (rc != 0) rc = cli_fail(rc > 0 ? EXIT_USAGE : EXIT_RUNTIME, "%s: %s", db_path, err);
    else if (json) best_print_json(&data, stdout);
    else best_print_text(&data, stdout);
    report_free(&data);
    store_close(db);
    return rc;
}
