/* prune.c — ASHA rungs and the median rule over streamed losses. */
#include "harness/sweep/prune.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PRUNE_RUNGS 40 /* rungs at most (min_steps * 2^40 is past any budget) */

/* A growable list of doubles. */
typedef struct {
    double *v;    /* values */
    long n, cap;  /* held, room */
} Values;

/* A done run's logged losses, for the median rule. */
typedef struct {
    long *steps;  /* logged steps, increasing */
    double *loss; /* their losses */
    long n;       /* rows */
} Curve;

/* One group's state. */
typedef struct {
    Values rung[PRUNE_RUNGS]; /* asha: the losses each rung has seen */
    Curve *done;              /* median: the curves of its done runs */
    long n_done, cap_done;    /* held, room */
} Group;

struct Pruner {
    PruneSpec spec;  /* the rule */
    int *next_rung;  /* asha: per task, the rung it has yet to pass */
    Group *groups;   /* per group */
    int n_groups;    /* how many */
};

Pruner *pruner_new(const PruneSpec *spec, long n_tasks, int n_groups)
{
    Pruner *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->spec = *spec;
    p->n_groups = n_groups;
    p->next_rung = calloc((size_t)(n_tasks > 0 ? n_tasks : 1), sizeof *p->next_rung);
    p->groups = calloc((size_t)(n_groups > 0 ? n_groups : 1), sizeof *p->groups);
    if (!p->next_rung || !p->groups) {
        pruner_free(p);
        return NULL;
    }
    return p;
}

void pruner_free(Pruner *p)
{
    if (!p) return;
    for (int g = 0; p->groups && g < p->n_groups; g++) {
        for (int r = 0; r < PRUNE_RUNGS; r++) free(p->groups[g].rung[r].v);
        for (long i = 0; i < p->groups[g].n_done; i++) {
            free(p->groups[g].done[i].steps);
            free(p->groups[g].done[i].loss);
        }
        free(p->groups[g].done);
    }
    free(p->groups);
    free(p->next_rung);
    free(p);
}

static int push(Values *v, double x)
{
    if (v->n == v->cap) {
        long cap = v->cap ? 2 * v->cap : 16;
        double *grown = realloc(v->v, sizeof *grown * (size_t)cap);
        if (!grown) return -1;
        v->v = grown;
        v->cap = cap;
    }
    v->v[v->n++] = x;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Whether loss, just added to rung values v, is among the best 1/reduction
 * of them (the best one while there are fewer than reduction). A non-finite
 * loss never is. */
static int promotable(const Values *v, double loss, int reduction)
{
    if (!isfinite(loss)) return 0;
    double *sorted = malloc(sizeof *sorted * (size_t)v->n);
    if (!sorted) return 1;
    long k = 0;
    for (long i = 0; i < v->n; i++)
        if (isfinite(v->v[i])) sorted[k++] = v->v[i];
    qsort(sorted, (size_t)k, sizeof *sorted, cmp_double);
    long keep = v->n / reduction;
    keep = keep < 1 ? 1 : keep > k ? k : keep;
    double bound = sorted[keep - 1];
    free(sorted);
    return loss <= bound;
}

/* The loss curve c logged at `step`, or NAN. */
static double curve_at(const Curve *c, long step)
{
    long lo = 0, hi = c->n - 1;
    while (lo <= hi) {
        long mid = (lo + hi) / 2;
        if (c->steps[mid] == step) return c->loss[mid];
        if (c->steps[mid] < step) lo = mid + 1;
        else hi = mid - 1;
    }
    return NAN;
}

/* The median rule at one logged step. */
static int median_prunes(const Group *g, long step, double loss)
{
    double *at = malloc(sizeof *at * (size_t)(g->n_done ? g->n_done : 1));
    long k = 0;
    int prune = 0;
    if (!at) return 0;
    for (long i = 0; i < g->n_done; i++) {
        double x = curve_at(&g->done[i], step);
        if (isfinite(x)) at[k++] = x;
    }
    if (k > 0) {
        qsort(at, (size_t)k, sizeof *at, cmp_double);
        double median = k % 2 ? at[k / 2] : 0.5 * (at[k / 2 - 1] + at[k / 2]);
        prune = !(loss <= median);
    }
    free(at);
    return prune;
}

/* What a row says of its run: held-out loss where evaluated, else training loss. */
static double row_value(const MetricRow *row) { return isfinite(row->eval_loss) ? row->eval_loss : row->loss; }

int prune_checkpoint(const PruneSpec *spec, long steps, long step, int *next_rung)
{
    if (spec->method == PRUNE_MEDIAN) return step >= spec->after && step < steps;
    if (spec->method != PRUNE_ASHA) return 0;
    int passed = 0;
    for (double rung = spec->min_steps * pow(spec->reduction, *next_rung);
         *next_rung < PRUNE_RUNGS && rung < steps && rung <= step; rung *= spec->reduction)
        ++*next_rung, passed++;
    return passed;
}

int pruner_observe(Pruner *p, long task, int group, long steps, const MetricRow *row)
{
    Group *g = &p->groups[group];
    const double loss = row_value(row);
    const int first = p->next_rung[task], passed = prune_checkpoint(&p->spec, steps, row->step, &p->next_rung[task]);
    if (p->spec.method == PRUNE_MEDIAN) return passed && median_prunes(g, row->step, loss);
    for (int r = first; r < first + passed; r++) {
        if (push(&g->rung[r], loss)) return 0;
        if (!promotable(&g->rung[r], loss, p->spec.reduction)) return 1;
    }
    return 0;
}

void pruner_done(Pruner *p, int group, const MetricRow *rows, long n)
{
    Group *g = &p->groups[group];
    if (p->spec.method != PRUNE_MEDIAN || n == 0) return;
    if (g->n_done == g->cap_done) {
        long cap = g->cap_done ? 2 * g->cap_done : 16;
        Curve *grown = realloc(g->done, sizeof *grown * (size_t)cap);
        if (!grown) return;
        g->done = grown;
        g->cap_done = cap;
    }
    Curve *c = &g->done[g->n_done];
    c->steps = malloc(sizeof *c->steps * (size_t)n);
    c->loss = malloc(sizeof *c->loss * (size_t)n);
    if (!c->steps || !c->loss) {
        free(c->steps);
        free(c->loss);
        return;
    }
    for (long i = 0; i < n; i++) c->steps[i] = rows[i].step, c->loss[i] = row_value(&rows[i]);
    c->n = n;
    g->n_done++;
}
