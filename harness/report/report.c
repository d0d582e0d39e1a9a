/* report.c — the report's sections: verdict, summary, performance profile,
 * and per problem instance the loss curves, learning-rate sensitivity,
 * lr x weight-decay maps, memory, step cost and time to target. */
#include "harness/report/report.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/report/report_plots.h"
#include "harness/store/queries.h"
#include "harness/store/store.h"
#include "optimizers/optimizer.h"

#define PROFILE_POINTS 200 /* tau values of the performance profile */
#define PROFILE_TAU_MAX 4.0 /* AlgoPerf's bound on the ratio to the fastest time */
#define REPORT_MANIFEST ".optbench-files" /* in the output folder: the files the last report wrote, one a line */

/* Where the report is being written. */
typedef struct {
    sqlite3 *db;          /* the result database */
    const ReportData *d;  /* what is reported */
    const char *dir;      /* output folder */
    FILE *html, *md;      /* report.html and report.md */
    FILE *manifest;       /* REPORT_MANIFEST: every file this report writes */
    char *err;            /* message of the first failure */
    size_t errlen;        /* its room */
    int failed;           /* a file or plot failed */
} Report;

/* ---- output helpers ---------------------------------------------------- */

/* Text of the database in HTML: markup characters as entities, control
 * characters as blanks. */
static void html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else if (*s == '"') fputs("&quot;", f);
        else if (*s == '\'') fputs("&#39;", f);
        else fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
    }
}

/* Text of the database in Markdown: every character that could start
 * emphasis, code, a link, an image, raw HTML, an entity, a heading or a
 * table cell is backslash-escaped; control characters become blanks. */
static void md_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\`*_[]<>&#+!|~$", *s)) fputc('\\', f);
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
    }
}

/* A paragraph in both documents. */
static void para(Report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void para(Report *r, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fputs("<p>", r->html);
    html_text(r->html, buf);
    fputs("</p>\n", r->html);
    md_text(r->md, buf);
    fputs("\n\n", r->md);
}

static void heading(Report *r, int level, const char *text)
{
    fprintf(r->html, "<h%d>", level);
    html_text(r->html, text);
    fprintf(r->html, "</h%d>\n", level);
    fprintf(r->md, "%.*s ", level, "######");
    md_text(r->md, text);
    fputs("\n\n", r->md);
}

/* Table rows: cells separated by '\t'; the first call of a table is its header. */
static void table_row(Report *r, int header, const char *cells)
{
    int n = 1;
    fputs("<tr>", r->html);
    fputs("|", r->md);
    for (const char *p = cells;; n++) {
        const char *tab = strchr(p, '\t');
        size_t l = tab ? (size_t)(tab - p) : strlen(p);
        char cell[1024];
        snprintf(cell, sizeof cell, "%.*s", (int)l, p);
        fprintf(r->html, "<%s>", header ? "th" : "td");
        html_text(r->html, cell);
        fprintf(r->html, "</%s>", header ? "th" : "td");
        fputs(" ", r->md);
        md_text(r->md, cell);
        fputs(" |", r->md);
        if (!tab) break;
        p = tab + 1;
    }
    fputs("</tr>\n", r->html);
    fputs("\n", r->md);
    if (header) {
        fputs("|", r->md);
        for (int i = 0; i < n; i++) fputs("---|", r->md);
        fputs("\n", r->md);
    }
}

static void table_start(Report *r) { fputs("<table>\n", r->html); }
static void table_end(Report *r)
{
    fputs("</table>\n", r->html);
    fputs("\n", r->md);
}

/* Records that the report writes dir/name, so that the next report into the
 * folder removes it first. */
static void note_file(Report *r, const char *name)
{
    if (r->manifest) fprintf(r->manifest, "%s\n", name);
}

/* Removes the files the previous report into dir wrote (and only those: the
 * names its manifest lists), so that no stale plot survives a rewrite. */
static void remove_stale(const char *dir)
{
    char path[4096], name[1024];
    snprintf(path, sizeof path, "%s/%s", dir, REPORT_MANIFEST);
    FILE *f = fopen(path, "r");
    if (!f) return;
    while (fgets(name, sizeof name, f)) {
        name[strcspn(name, "\n")] = 0;
        if (!name[0] || name[0] == '.' || strchr(name, '/')) continue;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        unlink(path);
    }
    fclose(f);
}

/* Opens dir/name for writing a data file. */
static FILE *data_file(Report *r, const char *name)
{
    note_file(r, name);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    FILE *f = fopen(path, "w");
    if (!f && !r->failed) {
        snprintf(r->err, r->errlen, "%s: %s", path, strerror(errno));
        r->failed = 1;
    }
    return f;
}

/* Removes from an SVG line a <title> (a browser's tooltip) that names
 * gnuplot's internals: "Gnuplot", "gnuplot_plot_3", or the plot command of
 * an untitled series; a series' own name stays. */
static void drop_internal_title(char *line)
{
    char *t = strstr(line, "<title>"), *end = t ? strstr(t, "</title>") : NULL;
    if (!end) return;
    const char *text = t + 7;
    if (strncmp(text, "Gnuplot<", 8) && strncmp(text, "gnuplot_plot_", 13) && *text != '"') return;
    memmove(t, end + 8, strlen(end + 8) + 1);
}

/* Copies dir/base.svg into the HTML (without its XML prolog). */
static void embed_svg(Report *r, const char *base)
{
    char path[4096], line[4096];
    snprintf(path, sizeof path, "%s/%s.svg", r->dir, base);
    FILE *f = fopen(path, "r");
    if (!f) return;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "<?xml", 5) && strncmp(line, "<!DOCTYPE", 9) && strncmp(line, " \"http://www.w3.org/Graphics", 28)) {
            drop_internal_title(line);
            fputs(line, r->html);
        }
    fclose(f);
}

/* Renders a plot and places it in both documents. */
static void figure(Report *r, const char *template, const char *base, const char *caption,
                   const char *const (*subs)[2], int n)
{
    char err[512] = "";
    if (r->failed) return;
    for (int i = 0; i < 3; i++) {
        char file[256];
        snprintf(file, sizeof file, "%s.%s", base, (const char *[]){"gp", "svg", "png"}[i]);
        note_file(r, file);
    }
    if (plot_render(r->dir, template, base, subs, n, err, sizeof err) != 0) {
        snprintf(r->err, r->errlen, "%s", err);
        r->failed = 1;
        return;
    }
    fprintf(r->html, "<figure id=\"%s\">", base);
    embed_svg(r, base);
    fputs("<figcaption>", r->html);
    html_text(r->html, caption);
    fprintf(r->html, " <small>(<a href=\"%s.dat\">data</a>, <a href=\"%s.gp\">gnuplot</a>)</small></figcaption></figure>\n",
            base, base);
    fputs("![", r->md);
    md_text(r->md, caption);
    fprintf(r->md, "](%s.png)\n\n", base);
}

/* ---- labels and numbers ------------------------------------------------ */

/* s as a file-name word: every character but letters, digits, - and _
 * becomes _, so that a name from the database cannot leave the folder. */
static const char *file_word(const char *s, char *buf, size_t len)
{
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++) buf[i] = isalnum((unsigned char)s[i]) || s[i] == '-' ? s[i] : '_';
    buf[i] = 0;
    return buf;
}

static void fmt_num(double x, char *buf, size_t len)
{
    if (!isfinite(x)) snprintf(buf, len, "–");
    else snprintf(buf, len, "%.4g", x);
}

/* "0.1234 [0.1201, 0.1270] (n=3)": mean and 95% bootstrap interval over
 * seeds, times scale; "0.1234 (n=1)" for one seed. */
static void fmt_interval(const Interval *iv, double scale, char *buf, size_t len)
{
    if (iv->n == 0 || !isfinite(iv->mean)) snprintf(buf, len, "–");
    else if (iv->n == 1) snprintf(buf, len, "%.4g (n=1)", scale * iv->mean);
    else snprintf(buf, len, "%.4g [%.4g, %.4g] (n=%d)", scale * iv->mean, scale * iv->lo, scale * iv->hi, iv->n);
}

/* "1 seed", "3 seeds". */
static const char *plural(int n, const char *one, const char *many) { return n == 1 ? one : many; }

/* The gnuplot linetype (colour) of an optimizer, the same in every report:
 * the registry's optimizers sorted by name take linetypes 1, 2, ...; a
 * name the registry lacks takes the last one (common.gp defines 8). */
static int palette_type(const char *name)
{
    int below = 0, known = 0;
    for (int i = 0; optimizer_registry[i]; i++) {
        below += strcmp(optimizer_registry[i]->name, name) < 0;
        known |= !strcmp(optimizer_registry[i]->name, name);
    }
    return known && below < 7 ? below + 1 : 8;
}

/* Appends the linetype of optimizer name to a space-separated list. */
static void palette_append(char *buf, size_t len, const char *name)
{
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%s%d", used ? " " : "", palette_type(name));
}

/* The `state` value of a configuration's hyperparameters (its top-level
 * key; absent: fp32, the default) into buf. */
static void config_state(const ReportConfig *c, char *buf, size_t len)
{
    int depth = 0;
    snprintf(buf, len, "fp32");
    for (const char *s = c->hparams; *s; s++) {
        depth += (*s == '{') - (*s == '}');
        if (depth == 1 && !strncmp(s, "\"state\":\"", 9)) {
            const char *v = s + 9, *end = strchr(v, '"');
            if (end) snprintf(buf, len, "%.*s", (int)(end - v), v);
            return;
        }
    }
}

/* "adamw lr=0.003 wd=0.1 state=int8 vectors.weight_decay=0" (the state
 * only when not fp32) */
static void config_label(const ReportConfig *c, char *buf, size_t len)
{
    char state[32];
    size_t used = (size_t)snprintf(buf, len, "%s", c->optimizer);
    if (isfinite(c->lr) && used < len) used += (size_t)snprintf(buf + used, len - used, " lr=%g", c->lr);
    if (isfinite(c->weight_decay) && used < len) used += (size_t)snprintf(buf + used, len - used, " wd=%g", c->weight_decay);
    config_state(c, state, sizeof state);
    if (strcmp(state, "fp32") && used < len) used += (size_t)snprintf(buf + used, len - used, " state=%s", state);
    if (c->groups[0] && used < len) snprintf(buf + used, len - used, " %.200s", c->groups);
}

/* A configuration of (p, o) to describe memory when none is best. */
static int any_config(const ReportData *d, int p, int o)
{
    int best = report_best(d, p, o);
    for (int c = 0; c < d->n_configs && best < 0; c++)
        if (d->configs[c].problem == p && !strcmp(d->configs[c].optimizer, d->optimizers[o])) best = c;
    return best;
}

/* ---- (a) loss curves ----------------------------------------------------- */

enum { MAX_SEEDS = 64 }; /* seeds of one configuration a loss curve averages */

/* The metrics rows of a configuration's seeds, read side by side: the seeds
 * of a finished configuration log the same steps. */
typedef struct {
    int seed;        /* the seed being read (0 lays out the steps) */
    int n;           /* seeds */
    long j;          /* rows of this seed read so far */
    long rows, cap;  /* steps laid out, and room for them */
    long *steps;     /* the steps of seed 0 */
    double *loss;    /* rows x MAX_SEEDS losses */
    double *elapsed; /* mean training seconds of each step */
    int oom;         /* 1 once an allocation failed */
} Curve;

static void curve_row(void *ctx, long step, double loss, double elapsed)
{
    Curve *cv = ctx;
    if (cv->oom) return;
    if (cv->seed == 0) {
        if (cv->rows == cv->cap) {
            long cap = cv->cap ? 2 * cv->cap : 1024;
            double *l = realloc(cv->loss, sizeof *l * (size_t)cap * MAX_SEEDS);
            if (l) cv->loss = l;
            double *e = realloc(cv->elapsed, sizeof *e * (size_t)cap);
            if (e) cv->elapsed = e;
            long *st = realloc(cv->steps, sizeof *st * (size_t)cap);
            if (st) cv->steps = st;
            if (!l || !e || !st) {
                cv->oom = 1;
                return;
            }
            cv->cap = cap;
        }
        cv->steps[cv->rows] = step;
        cv->elapsed[cv->rows] = 0;
        cv->rows++;
    }
    if (cv->j < cv->rows && cv->steps[cv->j] == step) {
        cv->loss[cv->j * MAX_SEEDS + cv->seed] = loss;
        cv->elapsed[cv->j] += elapsed / cv->n;
    }
    cv->j++;
}

/* Writes one block of step, elapsed, mean, min, max over the seeds of config c. */
static void loss_block(Report *r, FILE *f, int c)
{
    const ReportData *d = r->d;
    int64_t ids[MAX_SEEDS];
    int n = 0;
    char label[256], head[300], err[ERRMSG_MAX];
    Curve cv = {0};
    for (long i = 0; i < d->n_runs && n < MAX_SEEDS; i++)
        if (d->runs[i].config == c) ids[n++] = d->runs[i].id;
    config_label(&d->configs[c], label, sizeof label);
    snprintf(head, sizeof head, "%s (%d %s)", label, n, plural(n, "seed", "seeds"));
    plot_data_string(f, head);
    fputs(" step elapsed mean min max\n", f);
    cv.n = n;
    for (cv.seed = 0; cv.seed < n; cv.seed++) {
        cv.j = 0;
        if (store_run_curve(r->db, ids[cv.seed], curve_row, &cv, err, sizeof err) != 0) goto cleanup;
    }
    if (cv.oom) goto cleanup;
    for (long j = 0; j < cv.rows; j++) {
        double sum = 0, lo = INFINITY, hi = -INFINITY;
        for (int s = 0; s < n; s++) {
            double v = cv.loss[j * MAX_SEEDS + s];
            sum += v;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
        fprintf(f, "%ld %.9g %.9g %.9g %.9g\n", cv.steps[j], cv.elapsed[j], sum / n, lo, hi);
    }
cleanup:
    fputs("\n\n", f);
    free(cv.loss);
    free(cv.elapsed);
    free(cv.steps);
}

static void section_loss(Report *r, int p, const char *base, const char *label)
{
    const ReportData *d = r->d;
    char name[128], title[1400], count[16], types[256] = "";
    int blocks = 0;
    snprintf(name, sizeof name, "%s_loss.dat", base);
    FILE *f = data_file(r, name);
    if (!f) return;
    for (int o = 0; o < d->n_optimizers; o++)
        if (report_best(d, p, o) >= 0) {
            loss_block(r, f, report_best(d, p, o));
            palette_append(types, sizeof types, d->optimizers[o]);
            blocks++;
        }
    fclose(f);
    if (blocks == 0) {
        para(r, "No configuration finished all its seeds without diverging, so there are no loss curves.");
        return;
    }
    snprintf(count, sizeof count, "%d", blocks);
    char step_base[128], time_base[128];
    snprintf(step_base, sizeof step_base, "%s_loss_step", base);
    snprintf(time_base, sizeof time_base, "%s_loss_time", base);
    snprintf(title, sizeof title, "%s: training loss of each optimizer's best configuration", label);
    const char *const by_step[][2] = {{"TITLE", title}, {"DATA", name}, {"N", count}, {"X", "1"}, {"XLABEL", "step"},
                                      {"LT", types}};
    figure(r, "loss_curve.gp", step_base, "(a) Training loss against step: mean over seeds, min-max band.", by_step, 6);
    const char *const by_time[][2] = {{"TITLE", title}, {"DATA", name}, {"N", count}, {"X", "2"},
                                      {"XLABEL", "training seconds (mean over seeds)"}, {"LT", types}};
    figure(r, "loss_curve.gp", time_base, "(a) Training loss against wall time.", by_time, 6);
}

/* ---- (b) learning-rate sensitivity, (c) lr x weight decay ---------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Distinct finite values of lr (which = 0) or weight decay (1) of (p, o), sorted. */
static int distinct(const ReportData *d, int p, int o, int which, double *out, int max)
{
    int n = 0;
    for (int c = 0; c < d->n_configs; c++) {
        const ReportConfig *cf = &d->configs[c];
        double v = which ? cf->weight_decay : cf->lr;
        if (cf->problem != p || strcmp(cf->optimizer, d->optimizers[o]) || !isfinite(v)) continue;
        int seen = 0;
        for (int i = 0; i < n; i++) seen |= out[i] == v;
        if (!seen && n < max) out[n++] = v;
    }
    qsort(out, (size_t)n, sizeof *out, cmp_double);
    return n;
}

static void section_lr(Report *r, int p, const char *base, const char *label)
{
    const ReportData *d = r->d;
    enum { MAX_LR = 64 };
    char name[128], title[1400], count[16], plot[160], types[256] = "";
    double top = 0;
    int any_acc = 0, any_score = 0;
    for (int o = 0; o < d->n_optimizers; o++) palette_append(types, sizeof types, d->optimizers[o]);
    for (int c = 0; c < d->n_configs; c++)
        if (d->configs[c].problem == p && isfinite(d->configs[c].score_mean)) top = fmax(top, d->configs[c].score_mean);
    snprintf(name, sizeof name, "%s_lr.dat", base);
    FILE *f = data_file(r, name);
    if (!f) return;
    for (int o = 0; o < d->n_optimizers; o++) {
        double lrs[MAX_LR];
        int n = distinct(d, p, o, 0, lrs, MAX_LR);
        plot_data_string(f, d->optimizers[o]);
        fputs(" lr score diverged accuracy score_lo score_hi\n", f);
        for (int i = 0; i < n; i++) {
            double best = NAN, acc = NAN;
            Interval iv = {NAN, NAN, NAN, 0};
            for (int c = 0; c < d->n_configs; c++) {
                const ReportConfig *cf = &d->configs[c];
                if (cf->problem != p || strcmp(cf->optimizer, d->optimizers[o]) || cf->lr != lrs[i] ||
                    cf->n_done != cf->n_runs)
                    continue;
                if (!(cf->score_mean >= best)) best = cf->score_mean, iv = cf->score_iv;
                if (!(cf->acc_mean <= acc)) acc = cf->acc_mean;
            }
            any_score |= isfinite(best);
            any_acc |= isfinite(acc);
            fprintf(f, "%.9g %.9g %.9g %.9g %.9g %.9g\n", lrs[i], best, isfinite(best) ? NAN : (top > 0 ? 3 * top : 1), acc,
                    iv.lo, iv.hi);
        }
        fputs("\n\n", f);
    }
    fclose(f);
    if (!any_score) {
        para(r, "(b) Every learning rate of every optimizer diverged or failed on this problem.");
        return;
    }
    snprintf(count, sizeof count, "%d", d->n_optimizers);
    snprintf(title, sizeof title, "%s: learning-rate sensitivity", label);
    snprintf(plot, sizeof plot, "%s_lr_score", base);
    const char *const subs[][2] = {{"TITLE", title}, {"DATA", name}, {"N", count}, {"COL", "2"},
                                   {"YLABEL", "final score (best over other hyperparameters)"}, {"LOGY", "set logscale y"},
                                   {"LO", "5"}, {"HI", "6"}, {"LT", types}};
    figure(r, "lr_sensitivity.gp", plot,
           "(b) Final score against learning rate (best over the other hyperparameters; bars: 95% bootstrap interval over "
           "seeds; x: no configuration at that rate finished every seed: diverged, failed or pruned).",
           subs, 9);
    if (!any_acc) return;
    snprintf(plot, sizeof plot, "%s_lr_accuracy", base);
    const char *const acc[][2] = {{"TITLE", title}, {"DATA", name}, {"N", count}, {"COL", "4"},
                                  {"YLABEL", "held-out accuracy (best over other hyperparameters)"}, {"LOGY", ""},
                                  {"LO", "4"}, {"HI", "4"}, {"LT", types}};
    figure(r, "lr_sensitivity.gp", plot, "(b) Held-out accuracy against learning rate.", acc, 9);
}

static void section_heatmaps(Report *r, int p, const char *base, const char *label)
{
    const ReportData *d = r->d;
    enum { MAX_AXIS = 32 };
    for (int o = 0; o < d->n_optimizers; o++) {
        double lrs[MAX_AXIS], wds[MAX_AXIS];
        int nx = distinct(d, p, o, 0, lrs, MAX_AXIS), ny = distinct(d, p, o, 1, wds, MAX_AXIS);
        if (nx < 2 || ny < 2) continue;
        char name[200], plot[160], title[1400], sx[16], sy[16], word[REPORT_NAME_MAX];
        snprintf(plot, sizeof plot, "%s_heat_%s", base, file_word(d->optimizers[o], word, sizeof word));
        snprintf(name, sizeof name, "%s.dat", plot);
        FILE *f = data_file(r, name);
        if (!f) return;
        fprintf(f, "# lr_index wd_index log10_score label lr weight_decay\n");
        for (int i = 0; i < nx; i++)
            for (int j = 0; j < ny; j++) {
                double v = NAN;
                for (int c = 0; c < d->n_configs; c++) {
                    const ReportConfig *cf = &d->configs[c];
                    if (cf->problem == p && !strcmp(cf->optimizer, d->optimizers[o]) && cf->lr == lrs[i] &&
                        cf->weight_decay == wds[j] && cf->n_done == cf->n_runs && !(cf->score_mean >= v))
                        v = cf->score_mean;
                }
                fprintf(f, "%d %d %.6g \"%s\" %g %g\n", i, j, v > 0 ? log10(v) : NAN, isfinite(v) ? "" : "div",
                        lrs[i], wds[j]);
            }
        fclose(f);
        snprintf(sx, sizeof sx, "%d", nx);
        snprintf(sy, sizeof sy, "%d", ny);
        snprintf(title, sizeof title, "%s: %s, lr x weight decay", label, d->optimizers[o]);
        const char *const subs[][2] = {{"TITLE", title}, {"DATA", name}, {"NX", sx}, {"NY", sy}};
        char caption[256];
        snprintf(caption, sizeof caption, "(c) %s: log10 of the mean final score for each learning rate and weight decay.",
                 d->optimizers[o]);
        figure(r, "heatmap.gp", plot, caption, subs, 4);
    }
}

/* ---- (d) memory, (e) step cost, (f) time to target ---------------------- */

/* A bar plot of one value per optimizer (NAN values are left out). */
static void bars(Report *r, const char *base, const char *suffix, const char *title, const char *ylabel,
                 const char *caption, const double *values)
{
    const ReportData *d = r->d;
    char name[200], plot[160];
    int any = 0;
    snprintf(plot, sizeof plot, "%s_%s", base, suffix);
    snprintf(name, sizeof name, "%s.dat", plot);
    FILE *f = data_file(r, name);
    if (!f) return;
    fprintf(f, "# optimizer value linetype\n");
    for (int o = 0; o < d->n_optimizers; o++)
        if (isfinite(values[o])) {
            plot_data_string(f, d->optimizers[o]);
            fprintf(f, " %.9g %d\n", values[o], palette_type(d->optimizers[o]));
            any = 1;
        }
    fclose(f);
    if (!any) return;
    const char *const subs[][2] = {{"TITLE", title}, {"DATA", name}, {"YLABEL", ylabel}};
    figure(r, "bars.gp", plot, caption, subs, 3);
}

static void section_costs(Report *r, int p, const char *base, const char *label)
{
    const ReportData *d = r->d;
    double state[16], peak[16], opt_ns[16], tt[16];
    char title[1400], cells[1024], a[64], b[64], c[64], e[64], g[64], gf[64], mfu[64];
    table_start(r);
    table_row(r, 1, "optimizer\tstate bytes/param\tby group\tpeak allocator MiB\tpeak RSS MiB\toptimizer step ns/param\t"
                    "share of step\tstep ms\tGFLOP/s\tMFU\tsteps to target\tseconds to target\tseeds reaching target");
    for (int o = 0; o < d->n_optimizers; o++) {
        int ci = any_config(d, p, o), best = report_best(d, p, o);
        const ReportConfig *cf = ci >= 0 ? &d->configs[ci] : NULL;
        state[o] = cf ? cf->state_per_param : NAN;
        peak[o] = cf ? cf->peak_bytes / 1048576.0 : NAN;
        opt_ns[o] = cf && cf->n_params > 0 ? 1e9 * cf->opt_time_mean / cf->n_params : NAN;
        tt[o] = best >= 0 && d->configs[best].n_reached == d->configs[best].n_runs ? d->configs[best].tt_mean : NAN;
        if (!cf) continue;
        fmt_num(state[o], a, sizeof a);
        fmt_num(peak[o], b, sizeof b);
        fmt_num(opt_ns[o], c, sizeof c);
        fmt_interval(best >= 0 ? &d->configs[best].tt_iv : &(Interval){NAN, NAN, NAN, 0}, 1, e, sizeof e);
        fmt_num(best >= 0 ? d->configs[best].steps_tt_mean : NAN, g, sizeof g);
        fmt_num(cf->gflops_mean, gf, sizeof gf);
        if (isfinite(cf->mfu_mean)) snprintf(mfu, sizeof mfu, "%.1f%%", 100 * cf->mfu_mean);
        else snprintf(mfu, sizeof mfu, "–");
        snprintf(cells, sizeof cells, "%s\t%s\t%s\t%s\t%.4g\t%s\t%.0f%%\t%.4g\t%s\t%s\t%s\t%s\t%d of %d", d->optimizers[o],
                 a, cf->state_groups[0] ? cf->state_groups : "–", b, cf->peak_rss / 1048576.0, c, 100 * cf->opt_time_mean / cf->step_time_mean, 1e3 * cf->step_time_mean,
                 gf, mfu, g, e, best >= 0 ? d->configs[best].n_reached : 0, best >= 0 ? d->configs[best].n_runs : 0);
        table_row(r, 0, cells);
    }
    table_end(r);
    snprintf(title, sizeof title, "%s: optimizer state per parameter", label);
    bars(r, base, "state", title, "bytes per parameter", "(d) Optimizer-state bytes per parameter, measured from the buffers.", state);
    snprintf(title, sizeof title, "%s: peak bytes of the harness allocator", label);
    bars(r, base, "peak", title, "MiB", "(d) Peak bytes held through the harness allocator (parameters, gradients, state, problem data).", peak);
    snprintf(title, sizeof title, "%s: optimizer-step time per parameter", label);
    bars(r, base, "opt_time", title, "ns per parameter (median step)", "(e) Optimizer-step time per parameter (median over steps, mean over seeds).", opt_ns);
    snprintf(title, sizeof title, "%s: seconds to target loss %g", label, d->problems[p].target);
    bars(r, base, "target", title, "training seconds", "(f) Time to target of each best configuration whose every seed reached it.", tt);
}

/* ---- memory against quality (state precisions) ------------------------------ */

/* State bytes per parameter against the best final score for each
 * optimizer and state precision of problem p (the best configuration of
 * that pair: the lowest mean score over all its seeds, every seed done);
 * shown only when some configuration of p sets a state other than fp32. */
static void section_memory(Report *r, int p, const char *base, const char *label)
{
    const ReportData *d = r->d;
    char state[32], other[32], name[48], title[1400], cells[1024], iv[96], acc[64], cfg[512];
    int any = 0;
    for (int c = 0; c < d->n_configs && !any; c++) {
        config_state(&d->configs[c], state, sizeof state);
        any = d->configs[c].problem == p && strcmp(state, "fp32");
    }
    if (!any) return;
    heading(r, 3, "Memory against quality: state precision");
    snprintf(name, sizeof name, "%s_memory.dat", base);
    FILE *f = data_file(r, name);
    if (!f) return;
    fprintf(f, "# bytes score lo hi linetype label\n");
    table_start(r);
    table_row(r, 1, "optimizer\tstate\tstate bytes/param\tbest configuration\tscore (mean, 95% interval over seeds)\t"
                    "held-out accuracy");
    for (int o = 0; o < d->n_optimizers; o++)
        for (int q = 0; q < N_STATE_PRECISIONS; q++) {
            int best = -1;
            params_choice_word(STATE_CHOICES, q, state, sizeof state);
            for (int c = 0; c < d->n_configs; c++) {
                const ReportConfig *cf = &d->configs[c];
                if (cf->problem != p || strcmp(cf->optimizer, d->optimizers[o]) || cf->n_done != cf->n_runs ||
                    !isfinite(cf->score_mean))
                    continue;
                config_state(cf, other, sizeof other);
                if (!strcmp(other, state) && (best < 0 || cf->score_mean < d->configs[best].score_mean)) best = c;
            }
            if (best < 0) continue;
            const ReportConfig *cf = &d->configs[best];
            char point[96];
            snprintf(point, sizeof point, "%s %s", cf->optimizer, state);
            fprintf(f, "%.6g %.9g %.9g %.9g %d ", cf->state_per_param, cf->score_iv.mean, cf->score_iv.lo, cf->score_iv.hi,
                    palette_type(cf->optimizer));
            plot_data_string(f, point);
            fputc('\n', f);
            config_label(cf, cfg, sizeof cfg);
            fmt_interval(&cf->score_iv, 1, iv, sizeof iv);
            fmt_num(cf->acc_mean, acc, sizeof acc);
            snprintf(cells, sizeof cells, "%s\t%s\t%.4g\t%s\t%s\t%s", cf->optimizer, state, cf->state_per_param, cfg, iv,
                     acc);
            table_row(r, 0, cells);
        }
    table_end(r);
    fclose(f);
    snprintf(title, sizeof title, "%s: state bytes per parameter against the best final score", label);
    const char *const subs[][2] = {{"TITLE", title}, {"DATA", name}, {"YLABEL", "best final score (lower is better)"}};
    char plot[64];
    snprintf(plot, sizeof plot, "%s_memory", base);
    figure(r, "memory.gp", plot, "(g) Memory against quality: each optimizer and state precision at its best "
                                 "configuration, with the 95% bootstrap interval over seeds.", subs, 3);
}

/* ---- across problems ------------------------------------------------------- */

/* Seconds to target of optimizer o's best configuration on p (INFINITY when
 * some seed never reached it or there is no best). */
static double time_to_target(const ReportData *d, int p, int o)
{
    int b = report_best(d, p, o);
    return b >= 0 && d->configs[b].n_reached == d->configs[b].n_runs ? d->configs[b].tt_mean : INFINITY;
}

/* AlgoPerf's scores per optimizer: the performance profile integrated over
 * tau in [1, PROFILE_TAU_MAX] and divided by the interval's length (a
 * problem whose ratio to the fastest exceeds the bound counts as not
 * reached), which for a step function is the mean over problems of
 * (tau_max - ratio) / (tau_max - 1); and the geometric mean over the
 * problems both solved of the first optimizer's time to target over this
 * one's (above 1: faster than the first). */
static void section_scores(Report *r)
{
    const ReportData *d = r->d;
    const char *base = d->optimizers[0];
    char cells[1024], h[256], speed[64];
    para(r, "AlgoPerf scores: the profile's integral over tau from 1 to %g divided by %g (1: fastest on every "
            "problem; 0: never within %g times the fastest), and the geometric-mean speed-up in time to target "
            "over %s on the problems both reached.", PROFILE_TAU_MAX, PROFILE_TAU_MAX - 1, PROFILE_TAU_MAX, base);
    table_start(r);
    snprintf(h, sizeof h, "optimizer	problems reached	performance-profile score	speed-up over %s (problems)", base);
    table_row(r, 1, h);
    for (int o = 0; o < d->n_optimizers; o++) {
        double score = 0, log_speed = 0;
        int reached = 0, shared = 0;
        for (int p = 0; p < d->n_problems; p++) {
            double best = INFINITY, t = time_to_target(d, p, o), t0 = time_to_target(d, p, 0);
            for (int q = 0; q < d->n_optimizers; q++) best = fmin(best, time_to_target(d, p, q));
            if (!isfinite(t)) continue;
            reached++;
            if (t / best <= PROFILE_TAU_MAX) score += (PROFILE_TAU_MAX - t / best) / (PROFILE_TAU_MAX - 1);
            if (isfinite(t0) && t > 0 && t0 > 0) log_speed += log(t0 / t), shared++;
        }
        if (shared) snprintf(speed, sizeof speed, "%.3g (%d)", exp(log_speed / shared), shared);
        else snprintf(speed, sizeof speed, "– (0)");
        snprintf(cells, sizeof cells, "%s\t%d of %d\t%.3f\t%s", d->optimizers[o], reached, d->n_problems,
                 score / d->n_problems, speed);
        table_row(r, 0, cells);
    }
    table_end(r);
}

static void section_profile(Report *r)
{
    const ReportData *d = r->d;
    double tau_max = 2;
    int solvable = 0;
    for (int p = 0; p < d->n_problems; p++) {
        double best = INFINITY;
        for (int o = 0; o < d->n_optimizers; o++) best = fmin(best, time_to_target(d, p, o));
        if (!isfinite(best)) continue;
        solvable++;
        for (int o = 0; o < d->n_optimizers; o++)
            if (isfinite(time_to_target(d, p, o))) tau_max = fmax(tau_max, 1.5 * time_to_target(d, p, o) / best);
    }
    heading(r, 2, "Performance profile");
    if (!solvable) {
        para(r, "No optimizer reached the target loss on any problem with all seeds, so there is no performance profile.");
        return;
    }
    FILE *f = data_file(r, "profile.dat");
    if (!f) return;
    fputs("tau", f);
    for (int o = 0; o < d->n_optimizers; o++) {
        fputc(' ', f);
        plot_data_string(f, d->optimizers[o]);
    }
    fputs("\n", f);
    for (int k = 0; k < PROFILE_POINTS; k++) {
        double tau = pow(tau_max, (double)k / (PROFILE_POINTS - 1));
        fprintf(f, "%.6g", tau);
        for (int o = 0; o < d->n_optimizers; o++) {
            int within = 0;
            for (int p = 0; p < d->n_problems; p++) {
                double best = INFINITY;
                for (int q = 0; q < d->n_optimizers; q++) best = fmin(best, time_to_target(d, p, q));
                within += isfinite(best) && time_to_target(d, p, o) <= tau * best;
            }
            fprintf(f, " %.6g", (double)within / d->n_problems);
        }
        fputs("\n", f);
    }
    fclose(f);
    char count[16];
    snprintf(count, sizeof count, "%d", d->n_optimizers);
    char types[256] = "";
    for (int o = 0; o < d->n_optimizers; o++) palette_append(types, sizeof types, d->optimizers[o]);
    const char *const subs[][2] = {{"TITLE", "Performance profile: time to target"}, {"DATA", "profile.dat"}, {"N", count},
                                   {"LT", types}};
    para(r, "For each optimizer, the fraction of the %d problems on which the best configuration reached the target "
            "(with every seed) within tau times the fastest optimizer's time; some optimizer reached it on %d of %d %s.",
         d->n_problems, solvable, d->n_problems, plural(d->n_problems, "problem", "problems"));
    figure(r, "profile.gp", "profile", "Performance profile over problems (AlgoPerf's sense).", subs, 4);
    section_scores(r);
}

/* "lr=0.01 is the top of its grid; wd=0 is the bottom of its grid" for configuration c ("" when none). */
static void edges_text(const ReportConfig *c, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < c->n_edges && used < len; i++) {
        char one[128];
        report_edge_text(&c->edges[i], one, sizeof one);
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "; " : "", one);
    }
}

/* One paragraph per grid edge of a best configuration. */
static void section_edges(Report *r)
{
    const ReportData *d = r->d;
    int any = 0;
    for (int p = 0; p < d->n_problems; p++)
        for (int o = 0; o < d->n_optimizers; o++) {
            int b = report_best(d, p, o);
            for (int i = 0; b >= 0 && i < d->configs[b].n_edges; i++) {
                char one[128];
                if (!any++) {
                    heading(r, 2, "Grid edges");
                    para(r, "A best configuration whose hyperparameter is the lowest or highest value searched may "
                            "have its optimum outside the grid: widen the grid on that side and run again.");
                }
                report_edge_text(&d->configs[b].edges[i], one, sizeof one);
                para(r, "grid edge: %s %s on %s; widen it.", d->optimizers[o], one, d->problems[p].label);
            }
        }
}

static void section_summary(Report *r)
{
    const ReportData *d = r->d;
    char cells[4096], score[96], acc[64], tt[96], edges[512];
    heading(r, 2, "Summary: best configuration per problem and optimizer");
    para(r, "Score: held-out loss where the problem has held-out data, else the final training loss; the mean over "
            "seeds with its 95%% bootstrap interval (the seed is the unit resampled, n seeds) of the configuration "
            "with the lowest mean score among those whose seeds all finished%s.",
         d->n_studies > 1 ? " (of the median study: see Studies)" : "");
    table_start(r);
    table_row(r, 1, "problem\toptimizer\tbest configuration\tscore, mean [95% interval]\tseeds\theld-out accuracy\t"
                    "seconds to target\truns\tdiverged\tfailed\tpruned\tgrid edge");
    for (int p = 0; p < d->n_problems; p++)
        for (int o = 0; o < d->n_optimizers; o++) {
            const int b = report_best(d, p, o);
            const ReportOutcomes oc = report_outcomes(d, p, o);
            if (oc.runs == 0) continue;
            const ReportConfig *cf = b >= 0 ? &d->configs[b] : NULL;
            const Interval none = {NAN, NAN, NAN, 0};
            fmt_interval(cf ? &cf->score_iv : &none, 1, score, sizeof score);
            fmt_num(cf ? cf->acc_mean : NAN, acc, sizeof acc);
            fmt_interval(cf && cf->n_reached == cf->n_runs ? &cf->tt_iv : &none, 1, tt, sizeof tt);
            if (cf) edges_text(cf, edges, sizeof edges);
            snprintf(cells, sizeof cells, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%d\t%d\t%d\t%d\t%s", d->problems[p].label,
                     d->optimizers[o], cf ? cf->hparams : (oc.diverged == oc.runs ? "all runs diverged" : "none finished"),
                     score, cf ? cf->n_runs : 0, acc, tt, oc.runs, oc.diverged, oc.failed, oc.pruned,
                     cf && cf->n_edges ? edges : "");
            table_row(r, 0, cells);
        }
    table_end(r);
}

/* Each study's best per problem and optimizer, the median one marked (a
 * sweep with studies only). */
static void section_studies(Report *r)
{
    const ReportData *d = r->d;
    char cells[4096], score[96];
    if (d->n_studies < 2) return;
    heading(r, 2, "Studies");
    para(r, "The search ran as %d independent studies, each drawing its own points. A study's best is its "
            "configuration with the lowest mean score among those whose seeds all finished; the best configuration "
            "of every other table, plot and verdict of this report is the median study's best (AlgoPerf's rule; "
            "the studies ordered by their best's score, a study without one last; of an even count, the worse of "
            "the two in the middle).", d->n_studies);
    table_start(r);
    table_row(r, 1, "problem\toptimizer\tstudy\tits best configuration\tscore, mean [95% interval]\tmedian study");
    for (int p = 0; p < d->n_problems; p++)
        for (int o = 0; o < d->n_optimizers; o++) {
            if (any_config(d, p, o) < 0) continue;
            for (int s = 0; s < d->n_studies; s++) {
                const int b = report_study_best(d, p, o, s);
                const Interval none = {NAN, NAN, NAN, 0};
                fmt_interval(b >= 0 ? &d->configs[b].score_iv : &none, 1, score, sizeof score);
                snprintf(cells, sizeof cells, "%s\t%s\t%d\t%s\t%s\t%s", d->problems[p].label, d->optimizers[o], s + 1,
                         b >= 0 ? d->configs[b].hparams : "none finished", score,
                         b >= 0 && b == report_best(d, p, o) ? "median" : "");
                table_row(r, 0, cells);
            }
        }
    table_end(r);
}

/* One verdict cell comparing best configurations a and b (either may be
 * NULL) of optimizers A and B on `what`, lower is better: the winner only
 * when the paired 95% interval of the difference over shared seeds
 * excludes zero, else "no significant difference (n=...)". `mine` says
 * whether each side has a result at all (every seed reached the target, for
 * time to target); scale and unit dress the numbers. */
static void verdict_cell(const ReportData *d, int ca, int cb, ReportValue what, const int mine[2], double scale,
                         char *buf, size_t len)
{
    const char *A = d->optimizers[0], *B = d->optimizers[1];
    const ReportConfig *a = ca >= 0 ? &d->configs[ca] : NULL, *b = cb >= 0 ? &d->configs[cb] : NULL;
    const Interval none = {NAN, NAN, NAN, 0};
    const Interval *ia = a ? (what == VALUE_SCORE ? &a->score_iv : what == VALUE_TIME_TO_TARGET ? &a->tt_iv : &a->step_time_iv) : &none;
    const Interval *ib = b ? (what == VALUE_SCORE ? &b->score_iv : what == VALUE_TIME_TO_TARGET ? &b->tt_iv : &b->step_time_iv) : &none;
    char va[96], vb[96], head[256];
    fmt_interval(mine[0] ? ia : &none, scale, va, sizeof va);
    fmt_interval(mine[1] ? ib : &none, scale, vb, sizeof vb);
    if (!mine[0] && !mine[1]) {
        snprintf(buf, len, "%s (%s: %s; %s: %s)", what == VALUE_TIME_TO_TARGET ? "neither reached it" : "no result", A, va, B, vb);
        return;
    }
    if (!mine[0] || !mine[1]) {
        snprintf(head, sizeof head, "%s (only %s has a result)", mine[0] ? A : B, mine[0] ? A : B);
    } else {
        ReportPaired pr = report_paired(d, ca, cb, what);
        char pval[48] = "";
        if (isfinite(pr.p)) snprintf(pval, sizeof pval, ", Wilcoxon p=%.2g", pr.p);
        if (pr.diff.n == 0)
            snprintf(head, sizeof head, "no shared seeds to compare");
        else if (!stats_excludes_zero(&pr.diff))
            snprintf(head, sizeof head, "no significant difference (n=%d; %s − %s = %.3g [%.3g, %.3g]%s)", pr.diff.n, A,
                     B, scale * pr.diff.mean, scale * pr.diff.lo, scale * pr.diff.hi, pval);
        else
            snprintf(head, sizeof head, "%s (%s − %s = %.3g [%.3g, %.3g], n=%d paired%s)", pr.diff.mean < 0 ? A : B, A,
                     B, scale * pr.diff.mean, scale * pr.diff.lo, scale * pr.diff.hi, pr.diff.n, pval);
    }
    snprintf(buf, len, "%s; %s: %s; %s: %s", head, A, va, B, vb);
}

static void section_verdict(Report *r)
{
    const ReportData *d = r->d;
    const char *A = d->optimizers[0], *B = d->optimizers[1];
    char h[256], cells[8192];
    snprintf(h, sizeof h, "Verdict: %s vs %s", A, B);
    heading(r, 2, h);
    para(r, "Each cell names a winner only when the 95%% paired bootstrap interval of the difference between the two "
            "best configurations, over the seeds both ran (n), excludes zero; else it says \"no significant "
            "difference\". The Wilcoxon signed-rank p is given from %d pairs on. Each optimizer's mean and 95%% "
            "interval over its seeds follow. Lower is better throughout.", STATS_WILCOXON_MIN);
    table_start(r);
    table_row(r, 1, "problem\tfinal score\ttime to target (s)\tstate bytes/param\tstep time (ms)\tgrid edge");
    for (int p = 0; p < d->n_problems; p++) {
        int ba = report_best(d, p, 0), bb = report_best(d, p, 1);
        char col[5][1024];
        const int score_ok[2] = {ba >= 0, bb >= 0};
        verdict_cell(d, ba, bb, VALUE_SCORE, score_ok, 1, col[0], sizeof col[0]);
        /* time to target: a side counts only when every seed reached it */
        const int reached[2] = {isfinite(time_to_target(d, p, 0)), isfinite(time_to_target(d, p, 1))};
        verdict_cell(d, ba, bb, VALUE_TIME_TO_TARGET, reached, 1, col[1], sizeof col[1]);
        /* memory: exact, no spread */
        int ca = any_config(d, p, 0), cb = any_config(d, p, 1);
        double sa = ca >= 0 ? d->configs[ca].state_per_param : NAN, sb = cb >= 0 ? d->configs[cb].state_per_param : NAN;
        const char *w = !isfinite(sa) && !isfinite(sb) ? "no result" : !isfinite(sb) || sa < sb ? A : !isfinite(sa) || sb < sa ? B : "equal";
        snprintf(col[2], sizeof col[2], "%s (%s: %g; %s: %g)", w, A, sa, B, sb);
        verdict_cell(d, ba, bb, VALUE_STEP_TIME, score_ok, 1e3, col[3], sizeof col[3]);
        size_t used = 0;
        col[4][0] = 0;
        for (int o = 0; o < 2; o++) {
            int b = o ? bb : ba;
            for (int i = 0; b >= 0 && i < d->configs[b].n_edges; i++) {
                char one[128];
                report_edge_text(&d->configs[b].edges[i], one, sizeof one);
                used += (size_t)snprintf(col[4] + used, sizeof col[4] - used, "%sgrid edge: %s %s; widen it",
                                         used ? "; " : "", d->optimizers[o], one);
            }
        }
        snprintf(cells, sizeof cells, "%s\t%s\t%s\t%s\t%s\t%s", d->problems[p].label, col[0], col[1], col[2], col[3], col[4]);
        table_row(r, 0, cells);
    }
    table_end(r);
}

static void section_problem(Report *r, int p)
{
    const ReportData *d = r->d;
    const char *label = d->problems[p].label;
    char base[32], h[1200];
    snprintf(base, sizeof base, "p%d", p + 1);
    snprintf(h, sizeof h, "Problem %d: %s", p + 1, label);
    heading(r, 2, h);
    para(r, "Options %s; run settings %s; target loss %g.", d->problems[p].options, d->problems[p].settings,
         d->problems[p].target);
    for (int o = 0; o < d->n_optimizers; o++) {
        const ReportOutcomes oc = report_outcomes(d, p, o);
        if (oc.runs && report_best(d, p, o) < 0)
            para(r, "%s: no configuration finished all its seeds without diverging (%d runs: %d diverged, %d failed, "
                    "%d pruned).", d->optimizers[o], oc.runs, oc.diverged, oc.failed, oc.pruned);
    }
    section_loss(r, p, base, label);
    section_lr(r, p, base, label);
    section_heatmaps(r, p, base, label);
    heading(r, 3, "Memory, step cost and time to target");
    section_costs(r, p, base, label);
    section_memory(r, p, base, label);
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>optbench report</title>\n<style>\n"
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\n"
    "table{border-collapse:collapse;margin:1em 0;font-size:90%}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}\n"
    "th{background:#f3f3f3}figure{margin:1em 0}figure svg{max-width:100%;height:auto}\n"
    "figcaption{font-size:90%;color:#444}h2{border-bottom:1px solid #ddd;margin-top:2em}\n"
    "</style></head><body>\n";

int report_write(sqlite3 *db, const ReportData *d, const char *dir, char *err, size_t errlen)
{
    Report r = {.db = db, .d = d, .dir = dir, .err = err, .errlen = errlen};
    char path[4096], h[256];
    int total = 0, done = 0, diverged = 0, failed = 0, pruned = 0;
    err[0] = 0;
    if (store_make_parent_dirs(dir) != 0 || (mkdir(dir, 0777) != 0 && errno != EEXIST)) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    remove_stale(dir);
    snprintf(path, sizeof path, "%s/%s", dir, REPORT_MANIFEST);
    if (!(r.manifest = fopen(path, "w"))) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    const char *fixed[] = {"common.gp", "gnuplot.log", "report.html", "report.md"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) note_file(&r, fixed[i]);
    if (plot_begin(dir, err, errlen)) {
        r.failed = 1;
        goto cleanup;
    }
    snprintf(path, sizeof path, "%s/report.html", dir);
    r.html = fopen(path, "w");
    snprintf(path, sizeof path, "%s/report.md", dir);
    r.md = fopen(path, "w");
    if (!r.html || !r.md) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        r.failed = 1;
        goto cleanup;
    }
    fputs(html_head, r.html);
    snprintf(h, sizeof h, "optbench report: sweep %s", d->sweep);
    heading(&r, 1, h);
    for (long i = 0; i < d->n_runs; i++) {
        total++;
        done += !strcmp(d->runs[i].status, "done");
        diverged += !strcmp(d->runs[i].status, "diverged");
        failed += !strcmp(d->runs[i].status, "failed") || !strcmp(d->runs[i].status, "timeout");
        pruned += !strcmp(d->runs[i].status, "pruned");
    }
    char opts[16 * (REPORT_NAME_MAX + 2)] = "";
    for (int o = 0; o < d->n_optimizers; o++) strcat(strcat(opts, o ? ", " : ""), d->optimizers[o]);
    para(&r, "%d %s of %d %s on %d %s; %s %s. %d done, %d diverged, %d failed or timed out, %d pruned, %d unfinished.",
         total, plural(total, "run", "runs"), d->n_configs, plural(d->n_configs, "configuration", "configurations"),
         d->n_problems, plural(d->n_problems, "problem", "problems"), plural(d->n_optimizers, "optimizer", "optimizers"),
         opts, done, diverged, failed, pruned, total - done - diverged - failed - pruned);
    if (diverged == total) para(&r, "Every run of this sweep diverged: there is no loss to compare.");
    if (d->machine[0]) para(&r, "Machine: %s.", d->machine);
    if (d->verdict) section_verdict(&r);
    section_edges(&r);
    section_summary(&r);
    section_studies(&r);
    section_profile(&r);
    for (int p = 0; p < d->n_problems; p++) section_problem(&r, p);
    fputs("</body></html>\n", r.html);
cleanup:
    if (r.html) fclose(r.html);
    if (r.md) fclose(r.md);
    if (r.manifest && fclose(r.manifest) != 0 && !r.failed) {
        snprintf(err, errlen, "%s/%s: %s", dir, REPORT_MANIFEST, strerror(errno));
        r.failed = 1;
    }
    return r.failed ? -1 : 0;
}
