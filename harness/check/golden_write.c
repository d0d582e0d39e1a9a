/* golden_write.c — golden update vectors made by optbench's own steps, for
 * any optimizer configuration (`optbench golden`): synthetic gradients
 * over listed tensors, or a problem's gradients along the trajectory the
 * optimizer takes on it; and the file format written out (golden.h).
 *
 * Synthetic inputs, all from the counter-based generator (stream
 * RNG_STREAM_GOLDEN) and so the same on every machine: p0[i] = N(0,1) at
 * counter i; step t's gradient g_t[i] = N(0,1) at counter t*n + i, times
 * 0.7/sqrt(t), or 2 on every fifth step (a large gradient now and then, as
 * the torch-generated files of tests/golden/ have).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/check/golden.h"
#include "harness/core/memory.h"
#include "harness/core/rng.h"

#define GOLDEN_NUMBER_BYTES 17 /* most bytes of one %.9g number and its space ("-1.23456789e-38 ") */

/* The scale of step t's synthetic gradient. */
static double synthetic_scale(long t)
{
    return t % 5 == 0 ? 2.0 : 0.7 / sqrt((double)t);
}

/* The first index of v (n floats) that is not finite, or n. */
static size_t first_not_finite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return i;
    return n;
}

/* Copies a problem's tensors into g; 0, or -1 when it has too many. */
static int take_views(Golden *g, const Problem *pb, char *err, size_t errlen)
{
    if (pb->n_views > GOLDEN_MAX_TENSORS) {
        snprintf(err, errlen, "%s has %d tensors; a golden file holds at most %d", pb->def->name, pb->n_views,
                 GOLDEN_MAX_TENSORS);
        return -1;
    }
    memcpy(g->tensors, pb->views, (size_t)pb->n_views * sizeof pb->views[0]);
    g->n_tensors = pb->n_views;
    g->n = pb->n_params;
    g->flat = 0;
    return 0;
}

int golden_make(Golden *g, const GoldenSource *src, char *err, size_t errlen)
{
    Problem *pb = NULL;
    OptRun run = {0};
    double lr[N_ROLES];
    float *p = NULL;
    int rc = -1;
    char where[96];
    snprintf(g->optimizer, sizeof g->optimizer, "%s", g->opt->name);
    if (params_spec_text(&g->hp, g->hparams, sizeof g->hparams) != 0) {
        snprintf(err, errlen, "the hyperparameters take more than %zu characters", sizeof g->hparams - 1);
        return -1;
    }
    if (src->problem) {
        if (!(pb = src->problem->create(src->problem_opts, err, errlen))) return -1;
        if (take_views(g, pb, err, errlen) != 0) goto cleanup;
    }
    const size_t n = g->n;
    const double bytes = (double)(2 * g->steps + 1) * ((double)n * GOLDEN_NUMBER_BYTES + 8);
    if (bytes > (double)GOLDEN_MAX_BYTES) {
        snprintf(err, errlen, "%zu parameters x %ld steps take up to %.0f MiB, more than the %zu MiB a golden file "
                 "may hold: fewer steps or parameters", n, g->steps, bytes / (1 << 20), GOLDEN_MAX_BYTES >> 20);
        goto cleanup;
    }
    g->p0 = malloc(n * sizeof(float));
    g->grads = malloc((size_t)g->steps * n * sizeof(float));
    g->params = malloc((size_t)g->steps * n * sizeof(float));
    p = mem_alloc(n * sizeof(float));
    if (!g->p0 || !g->grads || !g->params || !p) {
        snprintf(err, errlen, "out of memory for %zu parameters x %ld steps", n, g->steps);
        goto cleanup;
    }
    if (pb) src->problem->init(pb, g->p0, src->seed);
    else
        for (size_t i = 0; i < n; i++) g->p0[i] = (float)rng_normal(src->seed, RNG_STREAM_GOLDEN, i);
    memcpy(p, g->p0, n * sizeof(float));
    if (golden_plan(g, &run, lr, err, errlen) != 0) goto cleanup;
    if (opt_run_alloc(&run, p) != 0) {
        snprintf(err, errlen, "out of memory for the optimizer state");
        goto cleanup;
    }
    for (long s = 1; s <= g->steps; s++) {
        float *gs = g->grads + (size_t)(s - 1) * n;
        if (pb) {
            src->problem->loss_and_grad(pb, p, gs, src->seed, (uint64_t)(s - 1));
        } else {
            const double scale = synthetic_scale(s);
            for (size_t i = 0; i < n; i++)
                gs[i] = (float)(rng_normal(src->seed, RNG_STREAM_GOLDEN, (uint64_t)s * n + i) * scale);
        }
        size_t bad = first_not_finite(gs, n);
        const char *what = "gradient";
        if (bad == n) {
            opt_run_step(&run, p, gs, s, lr);
            bad = first_not_finite(p, n);
            what = "parameter";
        }
        if (bad < n) {
            golden_locate(g, bad, where, sizeof where);
            snprintf(err, errlen, "step %ld: %s %zu (%s) is not finite: this configuration diverges, and a golden "
                     "file holds finite numbers only", s, what, bad, where);
            goto cleanup;
        }
        memcpy(g->params + (size_t)(s - 1) * n, p, n * sizeof(float));
    }
    rc = 0;
cleanup:
    mem_free(p);
    opt_run_free(&run);
    if (pb) src->problem->destroy(pb);
    return rc;
}

/* Writes one `tag v1 ... vn` line. */
static void write_vector(FILE *f, const char *tag, long s, const float *v, size_t n)
{
    fprintf(f, "%s%ld", tag, s);
    for (size_t i = 0; i < n; i++) fprintf(f, " %.9g", (double)v[i]);
    fputc('\n', f);
}

int golden_write(FILE *f, const Golden *g, const char *comment)
{
    fprintf(f, "#%s\noptimizer %s\nhparams %s\n", comment, g->optimizer, g->hparams[0] ? g->hparams : "-");
    if (!g->flat) {
        fprintf(f, "tensors %d\n", g->n_tensors);
        for (int k = 0; k < g->n_tensors; k++) {
            const TensorView *v = &g->tensors[k];
            fprintf(f, "tensor %s %s", v->name, role_name(v->role));
            for (int d = 0; d < v->ndim; d++) fprintf(f, " %zu", v->shape[d]);
            fputc('\n', f);
        }
    }
    fprintf(f, "n %zu\nsteps %ld\n", g->n, g->steps);
    write_vector(f, "p", 0, g->p0, g->n);
    for (long s = 1; s <= g->steps; s++) {
        write_vector(f, "g", s, g->grads + (size_t)(s - 1) * g->n, g->n);
        write_vector(f, "p", s, g->params + (size_t)(s - 1) * g->n, g->n);
    }
    return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

/* Reads one "NAME:ROLE:D1xD2..." item of a --tensors list into v; 0, or -1
 * with the rule it breaks in msg. */
static int parse_tensor_item(const char *item, TensorView *v, char *msg, size_t len)
{
    const char *c1 = strchr(item, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    char role[32];
    memset(v, 0, sizeof *v);
    if (!c2) {
        snprintf(msg, len, "expected NAME:ROLE:SHAPE, e.g. w:matrix:8x6");
        return -1;
    }
    const size_t nl = (size_t)(c1 - item), rl = (size_t)(c2 - c1 - 1);
    if (nl == 0 || nl >= sizeof v->name) {
        snprintf(msg, len, "the name needs 1 to %zu characters", sizeof v->name - 1);
        return -1;
    }
    for (size_t i = 0; i < nl; i++)
        if (!isalnum((unsigned char)item[i]) && !strchr("_.-", item[i])) {
            snprintf(msg, len, "the name may hold letters, digits, '_', '.' and '-' only");
            return -1;
        }
    memcpy(v->name, item, nl);
    snprintf(role, sizeof role, "%.*s", (int)(rl < sizeof role ? rl : sizeof role - 1), c1 + 1);
    const int r = rl < sizeof role ? role_parse(role) : -1;
    if (r < 0) {
        snprintf(msg, len, "unknown role '%s' (known: %s, %s, %s)", role, role_name(ROLE_MATRIX),
                 role_name(ROLE_EMBEDDING), role_name(ROLE_VECTOR));
        return -1;
    }
    v->role = (TensorRole)r;
    double numel = 1;
    for (const char *p = c2 + 1;; p++) {
        char *end = (char *)p;
        const long d = isdigit((unsigned char)*p) ? strtol(p, &end, 10) : 0;
        numel *= (double)d;
        if (d < 1 || numel > GOLDEN_MAX_N || v->ndim == TENSOR_MAX_DIMS || (*end && *end != 'x')) {
            snprintf(msg, len, "the shape needs 1 to %d sizes >= 1 joined by 'x' (e.g. 8x6), at most %ld floats",
                     TENSOR_MAX_DIMS, GOLDEN_MAX_N);
            return -1;
        }
        v->shape[v->ndim++] = (size_t)d;
        if (!*end) break;
        p = end;
    }
    return 0;
}

int golden_parse_tensors(const char *text, Golden *g, char *err, size_t errlen)
{
    char msg[ERRMSG_MAX], item[256];
    size_t n = 0;
    int k = 0;
    for (const char *p = text;; k++) {
        const size_t l = strcspn(p, ",");
        snprintf(item, sizeof item, "%.*s", (int)(l < sizeof item ? l : sizeof item - 1), p);
        if (k == GOLDEN_MAX_TENSORS) {
            snprintf(err, errlen, "more than %d tensors", GOLDEN_MAX_TENSORS);
            return -1;
        }
        TensorView *v = &g->tensors[k];
        if (l >= sizeof item || parse_tensor_item(item, v, msg, sizeof msg) != 0) {
            snprintf(err, errlen, "tensor %d '%s': %s", k + 1, item, l >= sizeof item ? "too long" : msg);
            return -1;
        }
        for (int j = 0; j < k; j++)
            if (!strcmp(g->tensors[j].name, v->name)) {
                snprintf(err, errlen, "tensor %d '%s': the name %s is given twice", k + 1, item, v->name);
                return -1;
            }
        v->offset = n;
        n += tensor_numel(v);
        if (n > (size_t)GOLDEN_MAX_N) {
            snprintf(err, errlen, "the tensors hold more than %ld floats", GOLDEN_MAX_N);
            return -1;
        }
        if (!p[l]) break;
        p += l + 1;
    }
    g->n_tensors = k + 1;
    g->n = n;
    g->flat = 0;
    return 0;
}
