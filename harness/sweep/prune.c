/* prune.c — ASHA rungs and the median rule over streamed losses, each
 * decision read from the runs before it in the sweep's order (prune.h). */
#include "harness/sweep/prune.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PRUNE_RUNGS 40 /* rungs at most (min_steps * 2^40 is past any budget) */

/* One run's part in the decisions. */
typedef struct {
    int ended;                      /* it ended: it gets no further */
    int next_rung;                  /* asha: rungs its rows have passed (prune_checkpoint's count) */
    int decided;                    /* asha: rungs it has been let past */
    int reported;                   /* asha: rungs whose value is in rung_value */
    double rung_value[PRUNE_RUNGS]; /* asha: its value at each rung it reached */
    long pending_step;              /* the checkpoint awaiting a verdict, 0 when none */
    double pending;                 /* its value there */
    long last_step;                 /* median: the last step observed */
    long *steps;                    /* median: its checkpoint steps, increasing */
    double *values;                 /* median: its values there */
    long n, cap;                    /* median: checkpoints held, room */
} Task;

struct Pruner {
    PruneSpec spec;  /* the rule */
    long n_tasks;    /* runs */
    Task *tasks;     /* per run */
    const int *group_of; /* per run: its group (the caller's array) */
    long *members;   /* the runs of each group in order, groups one after another */
    long *first;     /* per group: where its runs start in members (n_groups + 1 entries) */
    double *scratch; /* room for one value per run */
};

Pruner *pruner_new(const PruneSpec *spec, long n_tasks, const int *group)
{
    Pruner *p = calloc(1, sizeof *p);
    const size_t room = (size_t)(n_tasks > 0 ? n_tasks : 1);
    int n_groups = 0;
    if (!p) return NULL;
    for (long t = 0; t < n_tasks; t++)
        if (group[t] + 1 > n_groups) n_groups = group[t] + 1;
    p->spec = *spec;
    p->n_tasks = n_tasks;
    p->group_of = group;
    p->tasks = calloc(room, sizeof *p->tasks);
    p->members = malloc(room * sizeof *p->members);
    p->first = calloc((size_t)n_groups + 2, sizeof *p->first);
    p->scratch = malloc(room * sizeof *p->scratch);
    if (!p->tasks || !p->members || !p->first || !p->scratch) {
        pruner_free(p);
        return NULL;
    }
    /* counting sort of the runs by group, keeping their order */
    for (long t = 0; t < n_tasks; t++) p->first[group[t] + 2]++;
    for (int g = 0; g < n_groups; g++) p->first[g + 2] += p->first[g + 1];
    for (long t = 0; t < n_tasks; t++) p->members[p->first[group[t] + 1]++] = t;
    return p;
}

void pruner_free(Pruner *p)
{
    if (!p) return;
    for (long t = 0; p->tasks && t < p->n_tasks; t++) {
        free(p->tasks[t].steps);
        free(p->tasks[t].values);
    }
    free(p->tasks);
    free(p->members);
    free(p->first);
    free(p->scratch);
    free(p);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Whether loss, one of the n rung values v, is among the best 1/reduction
 * of them (the best one while there are fewer than reduction). A non-finite
 * loss never is. Sorts v. */
static int promotable(double *v, long n, double loss, int reduction)
{
    long k = 0;
    if (!isfinite(loss)) return 0;
    for (long i = 0; i < n; i++)
        if (isfinite(v[i])) v[k++] = v[i];
    qsort(v, (size_t)k, sizeof *v, cmp_double);
    long keep = n / reduction;
    keep = keep < 1 ? 1 : keep > k ? k : keep;
    return loss <= v[keep - 1];
}

/* Task t's value at `step`, or NAN where it logged none there. */
static double value_at(const Task *t, long step)
{
    long lo = 0, hi = t->n - 1;
    while (lo <= hi) {
        long mid = (lo + hi) / 2;
        if (t->steps[mid] == step) return t->values[mid];
        if (t->steps[mid] < step) lo = mid + 1;
        else hi = mid - 1;
    }
    return NAN;
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

int pruner_observe(Pruner *p, long task, long steps, const MetricRow *row)
{
    Task *t = &p->tasks[task];
    if (!prune_checkpoint(&p->spec, steps, row->step, &t->next_rung)) return 0;
    t->pending_step = row->step;
    t->pending = row_value(row);
    /* the first rung's value is known to the runs after it at once; a
     * further rung passed by the same row only once this one is let past */
    if (p->spec.method == PRUNE_ASHA && t->reported == t->decided) t->rung_value[t->reported++] = t->pending;
    if (p->spec.method != PRUNE_MEDIAN) return 0;
    t->last_step = row->step;
    if (t->n == t->cap) {
        long cap = t->cap ? 2 * t->cap : 64;
        long *steps_grown = realloc(t->steps, sizeof *steps_grown * (size_t)cap);
        if (steps_grown) t->steps = steps_grown;
        double *values_grown = steps_grown ? realloc(t->values, sizeof *values_grown * (size_t)cap) : NULL;
        if (!values_grown) return -1;
        t->values = values_grown;
        t->cap = cap;
    }
    t->steps[t->n] = row->step;
    t->values[t->n++] = t->pending;
    return 0;
}

/* ASHA: the verdicts at the rungs task has passed and not yet been let past. */
static PruneVerdict asha_decide(Pruner *p, long task, const long *before, long n_before)
{
    Task *t = &p->tasks[task];
    for (; t->decided < t->next_rung; t->decided++) {
        const int r = t->decided;
        long k = 0;
        if (t->reported == r) t->rung_value[t->reported++] = t->pending;
        for (long i = 0; i < n_before; i++) {
            const Task *u = &p->tasks[before[i]];
            if (u->reported > r) p->scratch[k++] = u->rung_value[r];
            else if (!u->ended) return PRUNE_WAIT;
        }
        p->scratch[k++] = t->pending;
        if (!promotable(p->scratch, k, t->pending, p->spec.reduction)) return PRUNE_STOP;
    }
    return PRUNE_GO;
}

/* The median rule at task's pending step. */
static PruneVerdict median_decide(Pruner *p, long task, const long *before, long n_before)
{
    const Task *t = &p->tasks[task];
    long k = 0;
    for (long i = 0; i < n_before; i++) {
        const Task *u = &p->tasks[before[i]];
        if (u->last_step < t->pending_step && !u->ended) return PRUNE_WAIT;
        const double x = value_at(u, t->pending_step);
        if (isfinite(x)) p->scratch[k++] = x;
    }
    if (k == 0) return PRUNE_GO;
    qsort(p->scratch, (size_t)k, sizeof *p->scratch, cmp_double);
    const double median = k % 2 ? p->scratch[k / 2] : 0.5 * (p->scratch[k / 2 - 1] + p->scratch[k / 2]);
    return t->pending <= median ? PRUNE_GO : PRUNE_STOP;
}

PruneVerdict pruner_decide(Pruner *p, long task)
{
    Task *t = &p->tasks[task];
    const int g = p->group_of[task];
    const long *before = p->members + p->first[g];
    long n_before = 0;
    if (!t->pending_step) return PRUNE_GO;
    while (p->first[g] + n_before < p->first[g + 1] && before[n_before] < task) n_before++;
    const PruneVerdict v = p->spec.method == PRUNE_ASHA ? asha_decide(p, task, before, n_before)
                                                         : median_decide(p, task, before, n_before);
    if (v == PRUNE_GO) t->pending_step = 0;
    return v;
}

void pruner_end(Pruner *p, long task) { p->tasks[task].ended = 1; }
