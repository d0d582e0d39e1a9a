/* report_data.c — loading a sweep's runs and aggregating them by problem
 * instance and configuration. */
#include "harness/store/report_data.h"
#include "harness/store/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optimizers/optimizer.h"

#define PARAMS_JSON_KEYS 32 /* members of a hyperparameter object read for grid edges */

/* %s: the FLOP columns of schema version 3, or NULLs before it; then each
 * parameter group's state bytes per parameter (version 5), or NULL */
static const char runs_sql[] =
    "SELECT r.id, r.problem, r.problem_options, r.optimizer, r.hyperparameters, r.seed, r.status, "
    "coalesce(r.eval_loss, r.final_loss), r.eval_accuracy, r.steps_to_target, r.seconds_to_target, "
    "r.n_params, r.state_bytes, r.peak_bytes, r.peak_rss, r.opt_time_median, r.step_time_median, "
    "json_extract(r.hyperparameters, '$.lr'), json_extract(r.hyperparameters, '$.weight_decay'), r.target_loss, "
    /* the parameter groups' overrides, "vectors.weight_decay=0 ..." (the nested objects of the JSON) */
    "(SELECT group_concat(g.key || '.' || e.key || '=' || CAST(e.value AS TEXT), ' ') "
    " FROM json_each(r.hyperparameters) g, json_each(g.value) e WHERE g.type = 'object'), %s, "
    "json_object('steps', r.steps, 'schedule', json(r.schedule), 'clip', r.clip, 'accum', r.accum, 'device', r.device), "
    "%s, coalesce(json_extract(r.config, '$.study'), 0) FROM runs r JOIN sweeps s ON s.id = r.sweep_id WHERE s.name = ? "
    "AND %s ORDER BY r.id"; /* the last %s: store_readable_sql (the unreadable runs are counted, not loaded) */

/* "matrices 4, vectors 8": each group's state bytes per parameter, from runs.group_state */
static const char group_state_sql[] =
    "(SELECT group_concat(g.key || ' ' || printf('%.3g', json_extract(g.value, '$.state_bytes') * 1.0 / "
    "json_extract(g.value, '$.params')), ', ') FROM json_each(r.group_state) g)";

static const char *col_text(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

/* Is name one of the comma-separated words of list? */
static int listed(const char *list, const char *name)
{
    size_t l = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t w = comma ? (size_t)(comma - p) : strlen(p);
        if (w == l && !strncmp(p, name, l)) return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

/* Puts the optimizers in the order of the comma-separated list. */
static void order_as_listed(ReportData *d, const char *list)
{
    char ordered[16][REPORT_NAME_MAX];
    int n = 0;
    for (const char *p = list; p && *p && n < d->n_optimizers;) {
        const char *comma = strchr(p, ',');
        size_t w = comma ? (size_t)(comma - p) : strlen(p);
        for (int i = 0; i < d->n_optimizers; i++)
            if (strlen(d->optimizers[i]) == w && !strncmp(d->optimizers[i], p, w)) snprintf(ordered[n++], REPORT_NAME_MAX, "%s", d->optimizers[i]);
        p = comma ? comma + 1 : NULL;
    }
    memcpy(d->optimizers, ordered, sizeof ordered[0] * (size_t)n);
}

int report_optimizer_index(const ReportData *d, const char *name)
{
    for (int i = 0; i < d->n_optimizers; i++)
        if (!strcmp(d->optimizers[i], name)) return i;
    return -1;
}

int report_best(const ReportData *d, int p, int o) { return d->best[p * d->n_optimizers + o]; }

/* Finds or appends a problem instance. */
static int problem_index(ReportData *d, const char *name, const char *options, const char *settings, double target,
                         int *cap)
{
    for (int i = 0; i < d->n_problems; i++)
        if (!strcmp(d->problems[i].name, name) && !strcmp(d->problems[i].options, options) &&
            !strcmp(d->problems[i].settings, settings))
            return i;
    if (d->n_problems == *cap) {
        *cap = *cap ? 2 * *cap : 8;
        ReportProblem *p = realloc(d->problems, (size_t)*cap * sizeof *p);
        if (!p) return -1;
        d->problems = p;
    }
    ReportProblem *p = &d->problems[d->n_problems];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->options, sizeof p->options, "%s", options);
    snprintf(p->settings, sizeof p->settings, "%s", settings);
    p->target = target;
    return d->n_problems++;
}

/* Finds or appends a configuration. */
static int config_index(ReportData *d, int problem, const char *optimizer, const char *hparams, double lr,
                        double wd, const char *groups, int study, int *cap)
{
    for (int i = 0; i < d->n_configs; i++) {
        const ReportConfig *c = &d->configs[i];
        if (c->problem == problem && !strcmp(c->optimizer, optimizer) && !strcmp(c->hparams, hparams) &&
            c->study == study)
            return i;
    }
    if (d->n_configs == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        ReportConfig *c = realloc(d->configs, (size_t)*cap * sizeof *c);
        if (!c) return -1;
        d->configs = c;
    }
    ReportConfig *c = &d->configs[d->n_configs];
    memset(c, 0, sizeof *c);
    c->problem = problem;
    snprintf(c->optimizer, sizeof c->optimizer, "%s", optimizer);
    snprintf(c->hparams, sizeof c->hparams, "%s", hparams);
    snprintf(c->groups, sizeof c->groups, "%s", groups);
    c->lr = lr;
    c->weight_decay = wd;
    c->study = study;
    if (study > d->n_studies) d->n_studies = study;
    return d->n_configs++;
}

/* "rosenbrock dim=10": the name and the options and run settings that tell
 * its instances apart (and dataset or task, which always help a reader). */
static void label_problems(sqlite3 *db, ReportData *d)
{
    sqlite3_stmt *each = NULL, *get = NULL;
    if (sqlite3_prepare_v2(db, "SELECT key, CAST(value AS TEXT) FROM json_each(json_patch(?1, ?2))", -1, &each, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT CAST(json_extract(json_patch(?1, ?4), '$.' || ?2) AS TEXT) IS ?3", -1, &get,
                           NULL) != SQLITE_OK)
        goto cleanup;
    for (int i = 0; i < d->n_problems; i++) {
        ReportProblem *p = &d->problems[i];
        size_t used = (size_t)snprintf(p->label, sizeof p->label, "%s", p->name);
        sqlite3_reset(each);
        sqlite3_bind_text(each, 1, p->options, -1, SQLITE_STATIC);
        sqlite3_bind_text(each, 2, p->settings, -1, SQLITE_STATIC);
        while (sqlite3_step(each) == SQLITE_ROW && used < sizeof p->label) {
            const char *key = col_text(each, 0), *value = col_text(each, 1);
            int differs = !strcmp(key, "dataset") || !strcmp(key, "task");
            for (int j = 0; j < d->n_problems && !differs; j++) {
                if (j == i || strcmp(d->problems[j].name, p->name)) continue;
                sqlite3_reset(get);
                sqlite3_bind_text(get, 1, d->problems[j].options, -1, SQLITE_STATIC);
                sqlite3_bind_text(get, 2, key, -1, SQLITE_STATIC);
                sqlite3_bind_text(get, 3, value, -1, SQLITE_STATIC);
                sqlite3_bind_text(get, 4, d->problems[j].settings, -1, SQLITE_STATIC);
                differs = sqlite3_step(get) == SQLITE_ROW && sqlite3_column_int(get, 0) == 0;
            }
            if (differs) used += (size_t)snprintf(p->label + used, sizeof p->label - used, " %s=%s", key, value);
        }
    }
cleanup:
    sqlite3_finalize(each);
    sqlite3_finalize(get);
}

/* Mean and standard deviation (n-1) of the finite values of v. */
static void mean_std(const double *v, int n, double *mean, double *std)
{
    double s = 0, ss = 0;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) s += v[i], k++;
    *mean = k ? s / k : NAN;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) ss += (v[i] - *mean) * (v[i] - *mean);
    *std = k > 1 ? sqrt(ss / (k - 1)) : (k ? 0 : NAN);
}

ReportOutcomes report_outcomes(const ReportData *d, int p, int o)
{
    ReportOutcomes out = {0};
    for (int c = 0; c < d->n_configs; c++) {
        const ReportConfig *cf = &d->configs[c];
        if (cf->problem != p || strcmp(cf->optimizer, d->optimizers[o])) continue;
        out.runs += cf->n_runs;
        out.diverged += cf->n_diverged;
        out.failed += cf->n_failed;
        out.pruned += cf->n_pruned;
    }
    return out;
}

double report_run_value(const ReportRun *r, ReportValue what)
{
    switch (what) {
    case VALUE_SCORE: return !strcmp(r->status, "done") ? r->score : NAN;
    case VALUE_TIME_TO_TARGET: return r->steps_to_target > 0 ? r->seconds_to_target : NAN;
    default: return r->step_time;
    }
}

/* The values `what` of configuration c's runs into v (seeds in seeds); their count. */
static int config_values(const ReportData *d, int c, ReportValue what, double *v, long *seeds)
{
    int k = 0;
    for (long r = 0; r < d->n_runs; r++)
        if (d->runs[r].config == c) {
            if (seeds) seeds[k] = d->runs[r].seed;
            v[k++] = report_run_value(&d->runs[r], what);
        }
    return k;
}

ReportPaired report_paired(const ReportData *d, int a, int b, ReportValue what)
{
    ReportPaired out = {{NAN, NAN, NAN, 0}, NAN};
    int na = d->configs[a].n_runs, nb = d->configs[b].n_runs, n = 0;
    double *va = malloc(sizeof(double) * (size_t)(na + nb + 1)), *vb = va ? va + na : NULL;
    double *diff = calloc((size_t)(na + 1), sizeof(double));
    long *sa = malloc(sizeof(long) * (size_t)(na + nb + 1)), *sb = sa ? sa + na : NULL;
    if (!va || !diff || !sa) goto cleanup;
    config_values(d, a, what, va, sa);
    config_values(d, b, what, vb, sb);
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++)
            if (sa[i] == sb[j] && isfinite(va[i]) && isfinite(vb[j])) diff[n++] = va[i] - vb[j];
    out.diff = stats_mean_interval(diff, n);
    if (n >= STATS_WILCOXON_MIN) out.p = stats_wilcoxon_p(diff, n);
cleanup:
    free(va);
    free(diff);
    free(sa);
    return out;
}

void report_edge_text(const ReportEdge *e, char *buf, size_t len)
{
    snprintf(buf, len, "%s=%g is the %s of its grid", e->key, e->value, e->top ? "top" : "bottom");
}

/* The numeric top-level members of a JSON object ({"lr":0.001,
 * "amsgrad":false,"vectors":{...}}) into keys and values; their count. */
static int json_numbers(const char *json, char (*keys)[32], double *values, int max)
{
    int n = 0;
    const char *p = strchr(json, '{');
    while (p && n < max) {
        const char *k = strchr(p, '"'), *ke = k ? strchr(k + 1, '"') : NULL;
        if (!ke || ke[1] != ':') break;
        const char *v = ke + 2;
        if (*v == '"') { /* a text value: skip it */
            const char *ve = strchr(v + 1, '"');
            p = ve ? ve + 1 : NULL;
            continue;
        }
        if (*v == '{' || *v == '[') { /* a nested object (a parameter group's overrides) or list: skip it */
            int depth = 0;
            do depth += (*v == '{' || *v == '[') - (*v == '}' || *v == ']');
            while (*++v && depth > 0);
            p = v;
            continue;
        }
        char *end;
        double x = strtod(v, &end);
        if (end != v && (*end == ',' || *end == '}') && (size_t)(ke - k - 1) < sizeof keys[0]) {
            snprintf(keys[n], sizeof keys[0], "%.*s", (int)(ke - k - 1), k + 1);
            values[n++] = x;
        }
        p = strpbrk(v, ",}");
        if (p && *p == '}') break;
    }
    return n;
}

/* Notes every grid edge of each best configuration (see the header). */
static void find_edges(ReportData *d)
{
    for (int slot = 0; slot < d->n_problems * d->n_optimizers; slot++) {
        if (d->best[slot] < 0) continue;
        ReportConfig *best = &d->configs[d->best[slot]];
        char keys[PARAMS_JSON_KEYS][32], other_keys[PARAMS_JSON_KEYS][32];
        double values[PARAMS_JSON_KEYS], other[PARAMS_JSON_KEYS];
        int n = json_numbers(best->hparams, keys, values, PARAMS_JSON_KEYS);
        for (int i = 0; i < n && best->n_edges < REPORT_EDGES_MAX; i++) {
            double lo = values[i], hi = values[i];
            for (int c = 0; c < d->n_configs; c++) {
                const ReportConfig *cf = &d->configs[c];
                if (cf->problem != best->problem || strcmp(cf->optimizer, best->optimizer)) continue;
                int m = json_numbers(cf->hparams, other_keys, other, PARAMS_JSON_KEYS);
                for (int j = 0; j < m; j++)
                    if (!strcmp(other_keys[j], keys[i])) lo = fmin(lo, other[j]), hi = fmax(hi, other[j]);
            }
            if (lo == hi || (values[i] != lo && values[i] != hi)) continue;
            ReportEdge *e = &best->edges[best->n_edges++];
            memcpy(e->key, keys[i], sizeof e->key); /* both hold 32 characters */
            e->value = values[i];
            e->top = values[i] == hi;
        }
    }
}

/* Fills the aggregate fields of every configuration. */
static int aggregate(ReportData *d)
{
    double *score = malloc(sizeof(double) * (size_t)(d->n_runs + 1)), *acc = malloc(sizeof(double) * (size_t)(d->n_runs + 1));
    double *tt = malloc(sizeof(double) * (size_t)(d->n_runs + 1)), *steps = malloc(sizeof(double) * (size_t)(d->n_runs + 1));
    double *st = malloc(sizeof(double) * (size_t)(d->n_runs + 1)), *ot = malloc(sizeof(double) * (size_t)(d->n_runs + 1));
    double *gf = malloc(sizeof(double) * (size_t)(d->n_runs + 1)), *mfu = malloc(sizeof(double) * (size_t)(d->n_runs + 1));
    int rc = score && acc && tt && steps && st && ot && gf && mfu ? 0 : -1;
    for (int c = 0; c < d->n_configs && rc == 0; c++) {
        ReportConfig *cf = &d->configs[c];
        int k = 0;
        double unused;
        for (long r = 0; r < d->n_runs; r++) {
            const ReportRun *run = &d->runs[r];
            if (run->config != c) continue;
            cf->n_runs++;
            int done = !strcmp(run->status, "done");
            cf->n_done += done;
            cf->n_diverged += !strcmp(run->status, "diverged");
            cf->n_failed += !strcmp(run->status, "failed") || !strcmp(run->status, "timeout");
            cf->n_pruned += !strcmp(run->status, "pruned");
            cf->n_params = run->n_params;
            if (run->n_params > 0 && isfinite(run->state_bytes)) cf->state_per_param = run->state_bytes / run->n_params;
            if (run->state_groups[0]) snprintf(cf->state_groups, sizeof cf->state_groups, "%s", run->state_groups);
            if (!(run->peak_bytes <= cf->peak_bytes)) cf->peak_bytes = run->peak_bytes;
            if (!(run->peak_rss <= cf->peak_rss)) cf->peak_rss = run->peak_rss;
            score[k] = done ? run->score : NAN;
            acc[k] = done ? run->eval_accuracy : NAN;
            tt[k] = run->seconds_to_target;
            steps[k] = run->steps_to_target > 0 ? (double)run->steps_to_target : NAN;
            st[k] = run->step_time;
            ot[k] = run->opt_time;
            gf[k] = run->gflops;
            mfu[k] = run->gflops / run->sgemm_gflops;
            cf->n_reached += run->steps_to_target > 0;
            k++;
        }
        mean_std(score, k, &cf->score_mean, &cf->score_std);
        mean_std(acc, k, &cf->acc_mean, &unused);
        mean_std(tt, k, &cf->tt_mean, &cf->tt_std);
        mean_std(steps, k, &cf->steps_tt_mean, &unused);
        mean_std(st, k, &cf->step_time_mean, &cf->step_time_std);
        mean_std(ot, k, &cf->opt_time_mean, &unused);
        mean_std(gf, k, &cf->gflops_mean, &unused);
        mean_std(mfu, k, &cf->mfu_mean, &unused);
        cf->score_iv = stats_mean_interval(score, k);
        cf->tt_iv = stats_mean_interval(tt, k);
        cf->step_time_iv = stats_mean_interval(st, k);
    }
    free(score), free(acc), free(tt), free(steps), free(st), free(ot), free(gf), free(mfu);
    return rc;
}

/* The mean score of configuration c, INFINITY for none (-1). */
static double best_score(const ReportData *d, int c) { return c >= 0 ? d->configs[c].score_mean : INFINITY; }

/* The best configuration of each study and the median study's best, per
 * problem and optimizer (see the header). */
static int choose_best(ReportData *d)
{
    const int slots = d->n_problems * d->n_optimizers, studies = d->n_studies;
    d->best = malloc(sizeof(int) * (size_t)(slots + 1));
    d->study_best = malloc(sizeof(int) * (size_t)(slots * studies + 1));
    int *sorted = malloc(sizeof(int) * (size_t)studies);
    if (!d->best || !d->study_best || !sorted) {
        free(sorted);
        return -1;
    }
    for (int i = 0; i < slots * studies; i++) d->study_best[i] = -1;
    for (int c = 0; c < d->n_configs; c++) {
        const ReportConfig *cf = &d->configs[c];
        if (cf->n_done != cf->n_runs || !isfinite(cf->score_mean)) continue;
        const int slot = cf->problem * d->n_optimizers + report_optimizer_index(d, cf->optimizer);
        int *best = &d->study_best[slot * studies + (cf->study > 0 ? cf->study - 1 : 0)];
        if (*best < 0 || cf->score_mean < d->configs[*best].score_mean) *best = c;
    }
    for (int slot = 0; slot < slots; slot++) {
        /* the studies' bests in order of their scores (an insertion sort: a hundred at most) */
        for (int s = 0; s < studies; s++) {
            const int c = d->study_best[slot * studies + s];
            int i = s;
            for (; i > 0 && best_score(d, sorted[i - 1]) > best_score(d, c); i--) sorted[i] = sorted[i - 1];
            sorted[i] = c;
        }
        d->best[slot] = sorted[studies / 2];
    }
    free(sorted);
    return 0;
}

int report_study_best(const ReportData *d, int p, int o, int s)
{
    return d->study_best[(p * d->n_optimizers + o) * d->n_studies + s];
}

int report_load(sqlite3 *db, const char *name, const char *only, ReportData *out, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, cap_problems = 0, cap_configs = 0;
    long cap_runs = 0;
    memset(out, 0, sizeof *out);
    out->n_studies = 1;
    snprintf(out->sweep, sizeof out->sweep, "%s", name);
    char sql[sizeof runs_sql + sizeof group_state_sql + STORE_READABLE_SQL_MAX + 64];
    char readable[STORE_READABLE_SQL_MAX];
    sqlite3_stmt *probe = NULL;
    const int flops = sqlite3_prepare_v2(db, "SELECT gflops, sgemm_gflops FROM runs", -1, &probe, NULL) == SQLITE_OK;
    sqlite3_finalize(probe);
    const int groups = sqlite3_prepare_v2(db, "SELECT group_state FROM runs", -1, &probe, NULL) == SQLITE_OK;
    sqlite3_finalize(probe);
    if (store_unreadable(db, name, &out->unreadable, err, errlen) != 0) goto cleanup;
    store_readable_sql(db, readable, sizeof readable);
    snprintf(sql, sizeof sql, runs_sql, flops ? "r.gflops, r.sgemm_gflops" : "NULL, NULL",
             groups ? group_state_sql : "NULL", readable);
    store_get_machine(db, name, out->machine, sizeof out->machine);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) goto cleanup;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *optimizer = col_text(st, 3);
        if (only && !listed(only, optimizer)) continue;
        if (report_optimizer_index(out, optimizer) < 0) {
            if (out->n_optimizers == 16) continue;
            snprintf(out->optimizers[out->n_optimizers++], REPORT_NAME_MAX, "%s", optimizer);
        }
        if (out->n_runs == cap_runs) {
            cap_runs = cap_runs ? 2 * cap_runs : 256;
            ReportRun *r = realloc(out->runs, (size_t)cap_runs * sizeof *r);
            if (!r) goto cleanup;
            out->runs = r;
        }
        int p = problem_index(out, col_text(st, 1), col_text(st, 2), col_text(st, 23), store_column_real(st, 19),
                              &cap_problems);
        int c = p < 0 ? -1
                      : config_index(out, p, optimizer, col_text(st, 4), store_column_real(st, 17),
                                     store_column_real(st, 18), col_text(st, 20), sqlite3_column_int(st, 25), &cap_configs);
        if (c < 0) goto cleanup;
        ReportRun *r = &out->runs[out->n_runs++];
        r->id = sqlite3_column_int64(st, 0);
        r->config = c;
        r->seed = sqlite3_column_int64(st, 5);
        snprintf(r->status, sizeof r->status, "%s", col_text(st, 6));
        r->score = store_column_real(st, 7);
        r->eval_accuracy = store_column_real(st, 8);
        r->steps_to_target = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 9);
        r->seconds_to_target = store_column_real(st, 10);
        r->n_params = store_column_real(st, 11);
        r->state_bytes = store_column_real(st, 12);
        r->peak_bytes = store_column_real(st, 13);
        r->peak_rss = store_column_real(st, 14);
        r->opt_time = store_column_real(st, 15);
        r->step_time = store_column_real(st, 16);
        r->gflops = store_column_real(st, 21);
        r->sgemm_gflops = store_column_real(st, 22);
        snprintf(r->state_groups, sizeof r->state_groups, "%s", col_text(st, 24));
    }
    if (step != SQLITE_DONE) goto cleanup;
    if (out->n_runs == 0) {
        snprintf(err, errlen, "no runs of sweep '%s'%s%s", name, only ? " with optimizers " : "", only ? only : "");
        rc = 1;
        goto cleanup;
    }
    for (const char *w = only; w && *w;) {
        /* every listed name must be an optimizer with runs in this sweep (a
         * plugin's need not be loaded: its runs name it) */
        const char *comma = strchr(w, ',');
        char word[REPORT_NAME_MAX];
        snprintf(word, sizeof word, "%.*s", (int)(comma ? (size_t)(comma - w) : strlen(w)), w);
        if (report_optimizer_index(out, word) < 0 && !optimizer_find(word)) {
            snprintf(err, errlen, "--optimizers: unknown optimizer '%s' (known: %s)", word, optimizer_names());
            rc = 1;
            goto cleanup;
        }
        if (report_optimizer_index(out, word) < 0) {
            snprintf(err, errlen, "--optimizers: sweep '%s' has no runs of %s", name, word);
            rc = 1;
            goto cleanup;
        }
        w = comma ? comma + 1 : NULL;
    }
    if (only) order_as_listed(out, only);
    out->verdict = out->n_optimizers == 2 || (only && out->n_optimizers >= 2);
    label_problems(db, out);
    if (aggregate(out) || choose_best(out)) goto cleanup;
    find_edges(out);
    rc = 0;
cleanup:
    if (rc < 0) snprintf(err, errlen, "reading sweep '%s': %s", name, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

void report_free(ReportData *d)
{
    free(d->problems);
    free(d->configs);
    free(d->runs);
    free(d->best);
    free(d->study_best);
    memset(d, 0, sizeof *d);
}
