/* cmd_compare.c — `optbench compare BASE.db NEW.db`: runs matched by
 * (sweep, key), their differences, and exit 1 on a regression; with
 * --curves, their logged steps compared one by one (compare.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/store/compare.h"
#include "harness/store/store.h"

#define LOSS_TOL 1e-3   /* --loss-tol's default */
#define LOSS_FLOOR 1e-6 /* --loss-floor's default */

enum { F_SWEEP = CLI_FIRST, F_LOSS, F_FLOOR, F_TIME, F_MEM, F_FORMAT, F_ALLOW_MISSING, F_CURVES };

static const CliFlag flags[] = {
    {"sweep", "NAME", F_SWEEP, 0, "compare only the runs of this sweep (default: every sweep)"},
    {"loss-tol", "X", F_LOSS, 0,
     "relative tolerance of final, best and held-out loss and of\nheld-out accuracy (default " CLI_TEXT(LOSS_TOL) ")"},
    {"loss-floor", "X", F_FLOOR, 0,
     "absolute floor of that tolerance, for losses near zero (default " CLI_TEXT(LOSS_FLOOR) ")"},
    {"time-tol", "X", F_TIME, 0,
     "relative tolerance of median step and optimizer-step time;\n"
     "times are shown but not gated unless this is given (default off)"},
    {"mem-tol", "X", F_MEM, 0, "relative tolerance of state and peak bytes (default 0: any growth)"},
    {"format", "table|json", F_FORMAT, 0, "(default table)"},
    {"allow-missing", NULL, F_ALLOW_MISSING, 0, "runs of BASE absent from NEW do not fail the comparison"},
    {"curves", NULL, F_CURVES, 0,
     "compare each matched pair's logged steps instead: loss, held-out\n"
     "loss and the norms (grad_norm, clipped_grad_norm, update_norm,\n"
     "param_norm) of every step within max(loss-tol * |base|, loss-floor)\n"
     "either way, and the same steps logged; names the first step that\n"
     "differs in each pair (exit 1 when any pair differs)"},
    {0},
};

const CliCommand compare_command = {
    .name = "compare",
    .operands = "BASE.db NEW.db",
    .flags = flags,
    .notes = "  Runs are matched by sweep name and key. A run regresses when a status falls\n"
             "  (done > diverged > failed/timeout: done -> diverged regresses), a loss rises or\n"
             "  the accuracy falls beyond max(loss-tol * |base|, loss-floor), a time rises beyond\n"
             "  time-tol, or memory grows beyond mem-tol. A run of BASE missing from NEW is a\n"
             "  regression too (a renamed sweep, a half-finished run of it) unless\n"
             "  --allow-missing is given; runs only in NEW are listed and do not fail.\n"
             "  Exit 0: no regression; 1: at least one regressed or missing run, or no run\n"
             "  matched at all; 2: usage or input error (a --sweep in neither database).\n",
};

/* The parsed command line. */
typedef struct {
    const char *base_path; /* BASE.db */
    const char *next_path; /* NEW.db */
    const char *sweep;     /* --sweep, or NULL */
    CompareTol tol;        /* tolerances */
    int json;              /* --format json */
    int allow_missing;     /* --allow-missing: runs only in BASE do not fail */
    int curves;            /* --curves: compare the logged steps */
} CompareArgs;

/* The runs of both databases, which stay open for their curves. */
typedef struct {
    sqlite3 *base_db, *next_db; /* the databases */
    CompareRun *base, *next;    /* each ordered by (sweep, key) */
    size_t n_base, n_next;      /* their counts */
} RunLists;

/* Reads the flags and both paths into a; EXIT_OK, or the exit code of
 * a usage error, or CLI_HELPED. */
static int parse_args(int argc, char **argv, CompareArgs *a)
{
    CliParse p;
    cli_begin(&p, &compare_command, argc, argv);
    for (int id; (id = cli_next(&p)) != CLI_END;) {
        switch (id) {
        case CLI_STOP: return p.rc == EXIT_OK ? CLI_HELPED : p.rc;
        case F_SWEEP: a->sweep = p.value; break;
        case F_LOSS:
            if (cli_value_double(&p, 0, INFINITY, &a->tol.loss_tol)) return EXIT_USAGE;
            break;
        case F_FLOOR:
            if (cli_value_double(&p, 0, INFINITY, &a->tol.loss_floor)) return EXIT_USAGE;
            break;
        case F_TIME:
            if (cli_value_double(&p, 0, INFINITY, &a->tol.time_tol)) return EXIT_USAGE;
            break;
        case F_MEM:
            if (cli_value_double(&p, 0, INFINITY, &a->tol.mem_tol)) return EXIT_USAGE;
            break;
        case F_FORMAT:
            if (strcmp(p.value, "table") && strcmp(p.value, "json"))
                return cli_parse_error(&p, "--format: '%s' is not table or json", p.value);
            a->json = !strcmp(p.value, "json");
            break;
        case F_ALLOW_MISSING: a->allow_missing = 1; break;
        case F_CURVES: a->curves = 1; break;
        }
    }
    if (p.n_operands != 2) return cli_parse_error(&p, "expected two databases, BASE.db and NEW.db");
    a->base_path = p.operands[0];
    a->next_path = p.operands[1];
    return EXIT_OK;
}

/* Opens one database into *db and loads its runs; EXIT_OK or EXIT_USAGE. */
static int load(const char *path, const char *sweep, sqlite3 **db, CompareRun **runs, size_t *n)
{
    char err[ERRMSG_MAX];
    if (store_open_readonly(path, db, err, sizeof err) != 0) return cli_fail(EXIT_USAGE, "%s", err);
    if (compare_load(*db, sweep, runs, n, err, sizeof err) != 0) return cli_fail(EXIT_USAGE, "%s: %s", path, err);
    return EXIT_OK;
}

/* A relative change as text: "+12.3%", "=" when equal, "-" when absent. */
static void change_text(double base, double next, char *buf, size_t len)
{
    if (isnan(base) && isnan(next)) snprintf(buf, len, "-");
    else if (isnan(base) || isnan(next)) snprintf(buf, len, "%s", isnan(next) ? "lost" : "new");
    else if (base == next) snprintf(buf, len, "=");
    else if (base == 0) snprintf(buf, len, "%+.3g", next - base);
    else snprintf(buf, len, "%+.2f%%", 100 * (next - base) / fabs(base));
}

static void json_number(double x)
{
    if (isfinite(x)) printf("%.9g", x);
    else fputs("null", stdout);
}

static void print_pair_table(const CompareRun *b, const CompareRun *x, const CompareVerdict *v)
{
    printf("%-9s %s/%s  %s\n", v->any ? "REGRESSED" : "ok", b->sweep, b->key, b->label);
    printf("          status %s%s%s", b->status, strcmp(b->status, x->status) ? " -> " : "",
           strcmp(b->status, x->status) ? x->status : "");
    for (int m = 0; m < CMP_N_METRICS; m++) {
        char change[32];
        change_text(b->value[m], x->value[m], change, sizeof change);
        printf("  %s %s%s", compare_metric_name((CompareMetric)m), change, v->metric[m] ? " (!)" : "");
    }
    putchar('\n');
    if (v->status) printf("          regressed: status %s -> %s\n", b->status, x->status);
    for (int m = 0; m < CMP_N_METRICS; m++)
        if (v->metric[m])
            printf("          regressed: %s %.9g -> %.9g\n", compare_metric_name((CompareMetric)m), b->value[m],
                   x->value[m]);
}

static void print_pair_json(const CompareRun *b, const CompareRun *x, const CompareVerdict *v, int first)
{
    printf("%s\n    {\"sweep\": ", first ? "" : ",");
    cli_json_string(stdout, b->sweep);
    printf(", \"key\": \"%s\", \"run\": ", b->key);
    cli_json_string(stdout, b->label);
    printf(", \"regressed\": %s, \"status\": {\"base\": \"%s\", \"new\": \"%s\", \"regressed\": %s}",
           v->any ? "true" : "false", b->status, x->status, v->status ? "true" : "false");
    for (int m = 0; m < CMP_N_METRICS; m++) {
        printf(", \"%s\": {\"base\": ", compare_metric_name((CompareMetric)m));
        json_number(b->value[m]);
        fputs(", \"new\": ", stdout);
        json_number(x->value[m]);
        printf(", \"regressed\": %s}", v->metric[m] ? "true" : "false");
    }
    putchar('}');
}

/* Lists, in the JSON or the table, the runs of `runs` absent from `other`. */
static void print_only(const char *title, const CompareRun *runs, size_t n, const CompareRun *other,
                       size_t n_other, int json)
{
    size_t j = 0, shown = 0;
    if (json) printf(",\n  \"%s\": [", title);
    for (size_t i = 0; i < n; i++) {
        while (j < n_other && compare_order(&other[j], &runs[i]) < 0) j++;
        if (j < n_other && compare_order(&other[j], &runs[i]) == 0) continue;
        if (json) {
            printf("%s\n    {\"sweep\": ", shown ? "," : "");
            cli_json_string(stdout, runs[i].sweep);
            printf(", \"key\": \"%s\", \"status\": \"%s\", \"run\": ", runs[i].key, runs[i].status);
            cli_json_string(stdout, runs[i].label);
            putchar('}');
        } else {
            printf("%-9s %s/%s  %s (%s)\n", title, runs[i].sweep, runs[i].key, runs[i].label, runs[i].status);
        }
        shown++;
    }
    if (json) putchar(']');
}

/* A curve verdict, in the table or the JSON. */
static void print_curve(const CompareRun *b, const CurveDiff *d, int json, int first)
{
    const char *what = d->value >= 0 ? curve_value_name(d->value) : "logged step";
    if (json) {
        printf("%s\n    {\"sweep\": ", first ? "" : ",");
        cli_json_string(stdout, b->sweep);
        printf(", \"key\": \"%s\", \"run\": ", b->key);
        cli_json_string(stdout, b->label);
        printf(", \"steps\": %ld, \"differs\": %s", d->steps, d->step ? "true" : "false");
        if (d->step) {
            printf(", \"first_step\": %ld, \"value\": \"%s\", \"base\": ", d->step, what);
            json_number(d->base);
            fputs(", \"new\": ", stdout);
            json_number(d->next);
        }
        putchar('}');
    } else if (d->step && d->value < 0) {
        printf("DIFFERS   %s/%s  %s\n          first at step %ld: logged in one database only\n", b->sweep, b->key,
               b->label, d->step);
    } else if (d->step) {
        printf("DIFFERS   %s/%s  %s\n          first at step %ld: %s %.17g -> %.17g\n", b->sweep, b->key, b->label,
               d->step, what, d->base, d->next);
    } else {
        printf("ok        %s/%s  %s (%ld steps)\n", b->sweep, b->key, b->label, d->steps);
    }
}

/* Compares the curves of one matched pair; 1 when they differ, 0 when
 * not, -1 on an error (reported). */
static int pair_curves(const RunLists *l, const CompareRun *b, const CompareRun *x, const CompareTol *tol, int json,
                       int first)
{
    char err[ERRMSG_MAX];
    CurveRow *rb = NULL, *rx = NULL;
    long nb = 0, nx = 0;
    CurveDiff d;
    int rc = -1;
    if (compare_load_curve(l->base_db, b->id, &rb, &nb, err, sizeof err) ||
        compare_load_curve(l->next_db, x->id, &rx, &nx, err, sizeof err)) {
        cli_fail(EXIT_RUNTIME, "%s/%s: %s", b->sweep, b->key, err);
        goto cleanup;
    }
    compare_curves(rb, nb, rx, nx, tol, &d);
    print_curve(b, &d, json, first);
    rc = d.step != 0;
cleanup:
    free(rb);
    free(rx);
    return rc;
}

/* Walks the matched pairs; prints each and returns how many regressed (or
 * with curves, differ), or -1 on an error. */
static long print_pairs(const RunLists *l, const CompareTol *tol, int json, int curves, size_t *matched)
{
    size_t i = 0, j = 0;
    long bad = 0;
    *matched = 0;
    if (json) printf("  \"runs\": [");
    while (i < l->n_base && j < l->n_next) {
        int c = compare_order(&l->base[i], &l->next[j]);
        if (c < 0) { i++; continue; }
        if (c > 0) { j++; continue; }
        if (curves) {
            const int differs = pair_curves(l, &l->base[i], &l->next[j], tol, json, *matched == 0);
            if (differs < 0) return -1;
            bad += differs;
        } else {
            CompareVerdict v;
            compare_runs(&l->base[i], &l->next[j], tol, &v);
            if (json) print_pair_json(&l->base[i], &l->next[j], &v, *matched == 0);
            else print_pair_table(&l->base[i], &l->next[j], &v);
            bad += v.any;
        }
        ++*matched;
        i++, j++;
    }
    if (json) printf("]");
    return bad;
}

int cmd_compare(int argc, char **argv)
{
    CompareArgs a = {.tol = {.loss_tol = LOSS_TOL, .loss_floor = LOSS_FLOOR, .time_tol = -1, .mem_tol = 0}};
    RunLists l = {0};
    size_t matched = 0, missing = 0;
    long regressed = 0;
    const char *verb = "regressed"; /* what a bad pair did */
    int rc = parse_args(argc, argv, &a);
    if (rc != EXIT_OK) return rc == CLI_HELPED ? EXIT_OK : rc;
    if ((rc = load(a.base_path, a.sweep, &l.base_db, &l.base, &l.n_base)) != EXIT_OK ||
        (rc = load(a.next_path, a.sweep, &l.next_db, &l.next, &l.n_next)) != EXIT_OK)
        goto cleanup;
    if (a.curves) verb = "differ";
    if (a.sweep && l.n_base == 0 && l.n_next == 0) {
        rc = cli_fail(EXIT_USAGE, "no runs of sweep '%s' in %s or %s", a.sweep, a.base_path, a.next_path);
        goto cleanup;
    }
    if (a.json) {
        fputs("{\"base\": ", stdout);
        cli_json_string(stdout, a.base_path);
        fputs(", \"new\": ", stdout);
        cli_json_string(stdout, a.next_path);
        printf(", \"loss_tol\": %g, \"loss_floor\": %g, \"time_tol\": ", a.tol.loss_tol, a.tol.loss_floor);
        json_number(a.tol.time_tol >= 0 ? a.tol.time_tol : NAN);
        printf(", \"mem_tol\": %g, \"curves\": %s,\n", a.tol.mem_tol, a.curves ? "true" : "false");
    } else if (a.curves) {
        printf("compare %s -> %s, curves step by step: loss, eval_loss and norms within tolerance %g (floor %g)\n",
               a.base_path, a.next_path, a.tol.loss_tol, a.tol.loss_floor);
    } else {
        char time_tol[32] = "off (shown, not gated)";
        if (a.tol.time_tol >= 0) snprintf(time_tol, sizeof time_tol, "%g", a.tol.time_tol);
        printf("compare %s -> %s: loss tolerance %g (floor %g), time tolerance %s, memory tolerance %g\n",
               a.base_path, a.next_path, a.tol.loss_tol, a.tol.loss_floor, time_tol, a.tol.mem_tol);
    }
    if ((regressed = print_pairs(&l, &a.tol, a.json, a.curves, &matched)) < 0) {
        rc = EXIT_RUNTIME;
        goto cleanup;
    }
    print_only("only_in_base", l.base, l.n_base, l.next, l.n_next, a.json);
    print_only("only_in_new", l.next, l.n_next, l.base, l.n_base, a.json);
    missing = l.n_base - matched;
    if (a.json)
        printf(",\n  \"matched\": %zu, \"%s\": %ld, \"missing\": %zu, \"allow_missing\": %s}\n", matched, verb,
               regressed, missing, a.allow_missing ? "true" : "false");
    else
        printf("compare: %zu matched, %ld %s, %zu only in base, %zu only in new\n", matched, regressed, verb,
               missing, l.n_next - matched);
    rc = regressed ? EXIT_MISMATCH : EXIT_OK;
    if (matched == 0)
        rc = cli_fail(EXIT_MISMATCH, "no run of %s matched one of %s: nothing was compared", a.base_path, a.next_path);
    else if (missing && !a.allow_missing)
        rc = cli_fail(EXIT_MISMATCH, "%zu run%s of %s missing from %s (a regression; --allow-missing accepts it)",
                      missing, missing == 1 ? "" : "s", a.base_path, a.next_path);
cleanup:
    store_close(l.base_db);
    store_close(l.next_db);
    free(l.base);
    free(l.next);
    return rc;
}
