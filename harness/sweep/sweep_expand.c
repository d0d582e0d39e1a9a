/* sweep_expand.c — from a validated SweepSpec to the list of run configs:
 * grid products, spaced axes, random draws, seeds, duplicate removal. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/rng.h"
#include "harness/sweep/sweep.h"

/* Growable list of ParamSets: the points of one entry. */
typedef struct {
    ParamSet *sets; /* points */
    int *study;     /* each point's study (1..studies; 0 in a sweep without studies) */
    long n, cap;    /* used, room */
} Points;

static int points_push(Points *pts, const ParamSet *ps, int study)
{
    if (pts->n == pts->cap) {
        long cap = pts->cap ? 2 * pts->cap : 16;
        ParamSet *p = realloc(pts->sets, (size_t)cap * sizeof *p);
        if (!p) return -1;
        pts->sets = p;
        int *s = realloc(pts->study, (size_t)cap * sizeof *s);
        if (!s) return -1;
        pts->study = s;
        pts->cap = cap;
    }
    pts->study[pts->n] = study;
    pts->sets[pts->n++] = *ps;
    return 0;
}


/* Point i of a spaced axis (or a draw u in [0, 1) of a random one), as text. */
static void axis_number(const Axis *a, const ParamDef *def, double pos, char *buf, size_t len)
{
    const int logscale = a->kind == AXIS_LOG || a->kind == AXIS_LOG_UNIFORM;
    /* in powers of ten, so that {log: [1e-4, 1e-2], num: 3} gives exactly 1e-4, 0.001, 0.01 */
    double v = logscale ? pow(10, log10(a->lo) + (log10(a->hi) - log10(a->lo)) * pos)
                        : a->lo + (a->hi - a->lo) * pos;
    if (def->kind == PARAM_INT) v = round(v);
    v = fmin(fmax(v, a->lo), a->hi); /* no rounding past the bounds */
    format_number(v, buf, len);
}

/* Number of grid points of an axis. */
static int axis_size(const Axis *a) { return a->kind == AXIS_VALUES ? a->n_values : a->num; }

/* Grid point i of an axis, as text. */
static void axis_point(const Axis *a, const ParamDef *def, int i, char *buf, size_t len)
{
    if (a->kind == AXIS_VALUES) {
        snprintf(buf, len, "%s", a->values[i]);
        return;
    }
    axis_number(a, def, a->num > 1 ? (double)i / (a->num - 1) : 0.0, buf, len);
}

/* Applies the text value to ps, with the axis's location in a message. */
static int set_at(const char *path, const char *entry, const Axis *a, ParamSet *ps, const char *text, char *err,
                  size_t errlen)
{
    char msg[ERRMSG_MAX];
    if (params_set(ps, a->key, text, msg, sizeof msg) == 0) return 0;
    snprintf(err, errlen, "%s:%d:%d: %s.%s: %s", path, a->line, a->column, entry, a->key, msg);
    return -1;
}

/* Grid product of an entry's axes into pts, from the defaults tmpl. */
static int expand_grid(const SweepSpec *spec, const SweepEntry *e, const ParamSet *tmpl, const char *entry,
                       Points *pts, char *err, size_t errlen)
{
    int idx[PARAMS_MAX] = {0};
    for (;;) {
        ParamSet ps = *tmpl;
        char text[PARAM_TEXT_MAX];
        for (int a = 0; a < e->n_axes; a++) {
            axis_point(&e->axes[a], params_def(tmpl, e->axes[a].key), idx[a], text, sizeof text);
            if (set_at(spec->path, entry, &e->axes[a], &ps, text, err, errlen)) return -1;
        }
        if (points_push(pts, &ps, 0)) goto oom;
        int a = 0;
        while (a < e->n_axes && ++idx[a] == axis_size(&e->axes[a])) idx[a++] = 0;
        if (a == e->n_axes) return 0;
    }
oom:
    snprintf(err, errlen, "%s: out of memory expanding %s", spec->path, entry);
    return -1;
}

/* The first primes: the Halton base of each axis of an entry. */
static const unsigned halton_primes[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53};
_Static_assert(sizeof halton_primes / sizeof halton_primes[0] >= PARAMS_MAX, "a Halton base for every axis");
#define HALTON_DIGITS 24 /* base-b digits of an index read (2^24 samples and more in any base) */

#define HALTON_BASE_MAX 53 /* the largest of them */

/* Halton digit permutations of one axis: perm[digit][d]. */
typedef unsigned char HaltonPerm[HALTON_DIGITS][HALTON_BASE_MAX];

/* Draws axis a of optimizer entry o's permutations of 0..b-1, one per digit
 * position (Fisher-Yates on counters of search_seed, o, a, position). */
static void halton_scramble(uint64_t search_seed, int o, int a, HaltonPerm perm)
{
    const unsigned b = halton_primes[a];
    for (int digit = 0; digit < HALTON_DIGITS; digit++) {
        unsigned char *p = perm[digit];
        for (unsigned i = 0; i < b; i++) p[i] = (unsigned char)i;
        for (unsigned i = b - 1; i > 0; i--) {
            uint64_t counter = (((uint64_t)o * PARAMS_MAX + (uint64_t)a) * HALTON_DIGITS + (uint64_t)digit) * 256u + i;
            unsigned j = (unsigned)(rng_uniform(search_seed, RNG_STREAM_SCRAMBLE, counter) * (i + 1));
            unsigned char t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
    }
}

/* Point k in [0, 1) of a scrambled Halton sequence in base b: the radical
 * inverse of k with each digit passed through its position's permutation.
 * The permutations keep the sequence's stratification: the first b^m points
 * fill the b^m intervals of width b^-m one each. */
static double halton_point(const HaltonPerm perm, unsigned b, long k)
{
    double scale = 1.0 / b, u = 0;
    unsigned long rest = (unsigned long)k;
    for (int digit = 0; digit < HALTON_DIGITS; digit++, scale /= b) {
        u += perm[digit][rest % b] * scale;
        rest /= b;
    }
    return u;
}

/* spec->samples random or quasirandom points of an optimizer entry, for
 * each of spec->studies studies. A random draw k of axis a of entry o comes
 * from counter (o, k, a); a quasirandom one is point k of entry o's
 * scrambled Halton sequence along axis a; either way the same points serve
 * every problem. Study 1 draws with search_seed itself (so that adding
 * studies keeps the first one's points), each later study with a seed of
 * its own drawn from it. */
static int expand_random(const SweepSpec *spec, int o, const SweepEntry *e, const ParamSet *tmpl, const char *entry,
                         Points *pts, char *err, size_t errlen)
{
    HaltonPerm *perm = spec->quasirandom ? malloc(sizeof *perm * (size_t)(e->n_axes ? e->n_axes : 1)) : NULL;
    int rc = -1;
    if (spec->quasirandom && !perm) goto oom;
    for (int study = 0; study < spec->studies; study++) {
        const uint64_t seed = study ? rng_bits(spec->search_seed, RNG_STREAM_STUDY, (uint64_t)study) : spec->search_seed;
        for (int a = 0; a < e->n_axes && perm; a++) halton_scramble(seed, o, a, perm[a]);
        for (long k = 0; k < spec->samples; k++) {
            ParamSet ps = *tmpl;
            char text[PARAM_TEXT_MAX];
            for (int a = 0; a < e->n_axes; a++) {
                const Axis *ax = &e->axes[a];
                uint64_t counter = ((uint64_t)o * 1000003u + (uint64_t)k) * PARAMS_MAX + (uint64_t)a;
                double u = perm ? halton_point(perm[a], halton_primes[a], k) : rng_uniform(seed, RNG_STREAM_SAMPLE, counter);
                if (ax->kind == AXIS_LOG_UNIFORM || ax->kind == AXIS_UNIFORM)
                    axis_number(ax, params_def(tmpl, ax->key), u, text, sizeof text);
                else
                    axis_point(ax, params_def(tmpl, ax->key), (int)(u * axis_size(ax)), text, sizeof text);
                if (set_at(spec->path, entry, ax, &ps, text, err, errlen)) goto cleanup;
            }
            if (points_push(pts, &ps, spec->studies > 1 ? study + 1 : 0)) goto oom;
        }
    }
    rc = 0;
    goto cleanup;
oom:
    snprintf(err, errlen, "%s: out of memory expanding %s", spec->path, entry);
cleanup:
    free(perm);
    return rc;
}

/* Orders run indices by key, then by position, to find duplicates. */
typedef struct {
    char key[KEY_TEXT_MAX]; /* run key */
    long index;             /* position in the expansion */
} KeyIndex;

static int cmp_key_index(const void *a, const void *b)
{
    const KeyIndex *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Removes later runs whose key repeats an earlier one, keeping order. */
static int dedupe(RunConfig *runs, long *n)
{
    KeyIndex *ki = malloc((size_t)(*n ? *n : 1) * sizeof *ki);
    unsigned char *drop = calloc((size_t)(*n ? *n : 1), 1);
    char text[CONFIG_TEXT_MAX];
    int rc = -1;
    if (!ki || !drop) goto cleanup;
    for (long i = 0; i < *n; i++) {
        if (config_canonical(&runs[i], text, sizeof text)) goto cleanup;
        config_key(text, ki[i].key);
        ki[i].index = i;
    }
    qsort(ki, (size_t)*n, sizeof *ki, cmp_key_index);
    for (long i = 1; i < *n; i++)
        if (!strcmp(ki[i].key, ki[i - 1].key)) drop[ki[i].index] = 1;
    long kept = 0;
    for (long i = 0; i < *n; i++)
        if (!drop[i]) runs[kept++] = runs[i];
    *n = kept;
    rc = 0;
cleanup:
    free(ki);
    free(drop);
    return rc;
}

/* Points of an entry before it is expanded: the product of its axis sizes
 * (samples times studies for a random search of optimizers), in a double so that no
 * product can wrap. */
static double entry_points(const SweepSpec *spec, const SweepEntry *e, int random)
{
    double n = 1;
    if (random) return (double)spec->samples * spec->studies;
    for (int a = 0; a < e->n_axes; a++) n *= axis_size(&e->axes[a]);
    return n;
}

/* Refuses, before anything is allocated, a sweep of more than
 * SWEEP_MAX_RUNS runs: problem points x optimizer points x seeds. */
static int check_size(const SweepSpec *spec, char *err, size_t errlen)
{
    double probs = 0, opts = 0;
    for (int p = 0; p < spec->n_problems; p++) probs += entry_points(spec, &spec->problems[p], 0);
    for (int o = 0; o < spec->n_optimizers; o++) opts += entry_points(spec, &spec->optimizers[o], spec->random);
    const double runs = probs * opts * spec->n_seeds;
    if (runs <= SWEEP_MAX_RUNS) return 0;
    snprintf(err, errlen, "%s: %.0f runs (%.0f problem points x %.0f optimizer points x %d seeds), more than the %d "
             "one sweep may hold", spec->path, runs, probs, opts, spec->n_seeds, SWEEP_MAX_RUNS);
    return -1;
}

int sweep_expand(const SweepSpec *spec, RunConfig **out, long *n_out, char *err, size_t errlen)
{
    Points probs[SWEEP_MAX_ENTRIES] = {0}, opts[SWEEP_MAX_ENTRIES] = {0};
    RunConfig *runs = NULL;
    long n = 0, total = 0;
    int rc = -1;
    *out = NULL;
    *n_out = 0;
    if (check_size(spec, err, errlen) != 0) return -1;
    for (int p = 0; p < spec->n_problems; p++) {
        const SweepEntry *e = &spec->problems[p];
        char entry[96];
        ParamSet tmpl;
        snprintf(entry, sizeof entry, "problems.%s", e->problem->name);
        params_init(&tmpl, e->problem->options, e->problem->n_options);
        if (expand_grid(spec, e, &tmpl, entry, &probs[p], err, errlen)) goto cleanup;
    }
    for (int o = 0; o < spec->n_optimizers; o++) {
        const SweepEntry *e = &spec->optimizers[o];
        const OptimizerDef *def = e->optimizer;
        char entry[96], msg[ERRMSG_MAX];
        ParamSet tmpl;
        snprintf(entry, sizeof entry, "optimizers.%s", def->name);
        optimizer_defaults(def, &tmpl);
        if ((spec->random ? expand_random(spec, o, e, &tmpl, entry, &opts[o], err, errlen)
                          : expand_grid(spec, e, &tmpl, entry, &opts[o], err, errlen)))
            goto cleanup;
        for (long k = 0; k < opts[o].n; k++)
            if (optimizer_check(def, &opts[o].sets[k], msg, sizeof msg)) {
                snprintf(err, errlen, "%s:%d:%d: %s: %s", spec->path, e->line, e->column, entry, msg);
                goto cleanup;
            }
    }
    for (int p = 0; p < spec->n_problems; p++)
        for (int o = 0; o < spec->n_optimizers; o++) total += probs[p].n * opts[o].n * spec->n_seeds;
    runs = malloc((size_t)(total ? total : 1) * sizeof *runs);
    if (!runs) {
        snprintf(err, errlen, "%s: out of memory for %ld runs", spec->path, total);
        goto cleanup;
    }
    for (int p = 0; p < spec->n_problems; p++)
        for (int o = 0; o < spec->n_optimizers; o++)
            for (long i = 0; i < probs[p].n; i++)
                for (long k = 0; k < opts[o].n; k++)
                    for (int s = 0; s < spec->n_seeds; s++) {
                        RunConfig *r = &runs[n++];
                        *r = spec->problems[p].base;
                        r->problem = spec->problems[p].problem;
                        r->problem_opts = probs[p].sets[i];
                        r->optimizer = spec->optimizers[o].optimizer;
                        r->hparams = opts[o].sets[k];
                        r->study = opts[o].study[k];
                        r->seed = (uint64_t)spec->seeds[s];
                    }
    if (dedupe(runs, &n)) {
        snprintf(err, errlen, "%s: cannot compute run keys", spec->path);
        goto cleanup;
    }
    *out = runs;
    *n_out = n;
    runs = NULL;
    rc = 0;
cleanup:
    for (int i = 0; i < SWEEP_MAX_ENTRIES; i++) {
        free(probs[i].sets);
        free(opts[i].sets);
        free(probs[i].study);
        free(opts[i].study);
    }
    free(runs);
    return rc;
}
