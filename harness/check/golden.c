/* golden.c — loading and replaying golden update vectors. */
#include "harness/check/golden.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optimizers/optimizer.h"
#include "harness/core/device.h"
#include "harness/core/memory.h"
#include "harness/core/spec.h"

void golden_free(Golden *g)
{
    free(g->p0);
    free(g->grads);
    free(g->params);
    memset(g, 0, sizeof *g);
}

/* Reads n floats after the tag of a `tag v1 ... vn` line into dst. */
static int read_vector(char *line, const char *tag, float *dst, size_t n)
{
    char *p = line;
    size_t tl = strlen(tag);
    if (strncmp(p, tag, tl) != 0 || (p[tl] != ' ' && p[tl] != '\t')) return -1;
    p += tl;
    for (size_t i = 0; i < n; i++) {
        char *end;
        dst[i] = strtof(p, &end);
        if (end == p) return -1;
        p = end;
    }
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return *p ? -1 : 0;
}

int golden_load(const char *path, Golden *g, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return -1;
    }
    size_t cap = 0;
    char *line = NULL;
    long lineno = 0, vectors = 0; /* vectors read: p0, g1, p1, g2, ... */
    int rc = 0;
    while (rc == 0 && getline(&line, &cap, f) > 0) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n') continue;
        if (sscanf(line, "optimizer %63s", g->optimizer) == 1) continue;
        if (sscanf(line, "hparams %255s", g->hparams) == 1) continue;
        if (sscanf(line, "n %zu", &g->n) == 1) continue;
        if (sscanf(line, "steps %ld", &g->steps) == 1) {
            if (!g->n || g->steps < 1 || g->n > 100000000 || g->steps > 100000 || g->p0) {
                snprintf(err, errlen, "%s:%ld: 'steps' needs a positive n before it, once", path, lineno);
                rc = -1;
                break;
            }
            g->p0 = malloc(g->n * sizeof(float));
            g->grads = malloc((size_t)g->steps * g->n * sizeof(float));
            g->params = malloc((size_t)g->steps * g->n * sizeof(float));
            if (!g->p0 || !g->grads || !g->params) {
                snprintf(err, errlen, "%s: out of memory", path);
                rc = -1;
            }
            continue;
        }
        if (!g->p0 || vectors > 2 * g->steps) {
            snprintf(err, errlen, "%s:%ld: a vector %s", path, lineno,
                     g->p0 ? "beyond the last step" : "before the 'n' and 'steps' lines");
            rc = -1;
            break;
        }
        char tag[32];
        long s = (vectors + 1) / 2; /* step of this vector */
        snprintf(tag, sizeof tag, "%c%ld", vectors == 0 ? 'p' : (vectors % 2 ? 'g' : 'p'), s);
        float *dst = vectors == 0 ? g->p0
                     : vectors % 2 ? g->grads + (size_t)(s - 1) * g->n
                                   : g->params + (size_t)(s - 1) * g->n;
        rc = read_vector(line, tag, dst, g->n);
        if (rc != 0) snprintf(err, errlen, "%s:%ld: expected '%s' and %zu numbers", path, lineno, tag, g->n);
        vectors++;
    }
    if (rc == 0 && (!g->optimizer[0] || vectors != 2 * g->steps + 1)) {
        snprintf(err, errlen, "%s:%ld: incomplete: needs optimizer, n, steps, p0 and %ld g/p pairs", path,
                 lineno, g->steps);
        rc = -1;
    }
    free(line);
    fclose(f);
    if (rc != 0) golden_free(g);
    return rc;
}

/* Folds the parameters after step s into res's worst error. */
static void compare_step(GoldenResult *res, long s, const float *p, const float *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)p[i] - want[i]) / (1 + fabs((double)want[i]));
        if (!(e <= res->worst_err)) {
            res->worst_err = isnan(e) ? INFINITY : e;
            res->worst_step = s;
            res->worst_index = i;
            res->got = p[i];
            res->expected = want[i];
        }
    }
}

#ifdef OPTBENCH_CUDA
/* Replays g on the device from p and the slots (host, initialised): both
 * are copied over, each step's gradient goes over and its parameters come
 * back into p for the comparison. */
static int replay_cuda(const OptimizerDef *opt, const double *hp, const Golden *g, float *p,
                       float *const *state, int n_state, GoldenResult *res, char *err, size_t errlen)
{
    const size_t bytes = g->n * sizeof(float);
    float *dp = (float *)dev_upload(p, bytes), *dg = (float *)dev_alloc(bytes), *ds[OPT_MAX_STATE] = {0};
    int rc = -1, ok = dp && dg;
    for (int i = 0; ok && i < n_state; i++) ok = (ds[i] = (float *)dev_upload(state[i], bytes)) != NULL;
    for (long s = 1; ok && s <= g->steps; s++) {
        ok = dev_upload_to(dg, g->grads + (size_t)(s - 1) * g->n, bytes) == 0 &&
             opt->step_cuda(hp, ds, dp, dg, g->n, s, hp[0]) == 0 &&
             CUDA_OK(cudaMemcpy(p, dp, bytes, cudaMemcpyDeviceToHost));
        if (ok) compare_step(res, s, p, g->params + (size_t)(s - 1) * g->n, g->n);
    }
    if (!ok) {
        snprintf(err, errlen, "CUDA: %s", device_error());
        goto cleanup;
    }
    rc = 0;
cleanup:
    dev_free(dp);
    dev_free(dg);
    for (int i = 0; i < OPT_MAX_STATE; i++) dev_free(ds[i]);
    return rc;
}
#endif

int golden_check(const Golden *g, Device dev, GoldenResult *res, char *err, size_t errlen)
{
    const OptimizerDef *opt = optimizer_find(g->optimizer);
    ParamSet hp;
    Spec spec;
    char spec_text[PARAM_TEXT_MAX + 80], msg[ERRMSG_MAX];
    if (!opt) {
        snprintf(err, errlen, "unknown optimizer '%s'", g->optimizer);
        return -1;
    }
    snprintf(spec_text, sizeof spec_text, "%s%s%s", g->optimizer, g->hparams[0] ? "," : "", g->hparams);
    if (spec_parse(spec_text, &spec, msg, sizeof msg) != 0 ||
        optimizer_configure(opt, &spec, &hp, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "hparams: %s", msg);
        return -1;
    }
    if (dev == DEVICE_CUDA && !opt->step_cuda) {
        snprintf(err, errlen, "optimizer %s has no CUDA step", opt->name);
        return -1;
    }
    float *p = mem_alloc(g->n * sizeof(float));
    float *state[OPT_MAX_STATE] = {0};
    int n_state = opt->n_state(hp.num), rc = 0;
    for (int i = 0; i < n_state; i++) rc |= !(state[i] = mem_alloc(g->n * sizeof(float)));
    if (!p || rc) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
        goto cleanup;
    }
    memcpy(p, g->p0, g->n * sizeof(float));
    if (opt->init_state) opt->init_state(hp.num, state, g->n);
    memset(res, 0, sizeof *res);
#ifdef OPTBENCH_CUDA
    if (dev == DEVICE_CUDA) rc = replay_cuda(opt, hp.num, g, p, state, n_state, res, err, errlen);
    else
#endif
        for (long s = 1; s <= g->steps; s++) {
            opt->step_cpu(hp.num, state, p, g->grads + (size_t)(s - 1) * g->n, g->n, s, hp.num[0]);
            compare_step(res, s, p, g->params + (size_t)(s - 1) * g->n, g->n);
        }
    res->ok = rc == 0 && res->worst_err <= GOLDEN_TOL;
cleanup:
    mem_free(p);
    for (int i = 0; i < OPT_MAX_STATE; i++) mem_free(state[i]);
    return rc;
}
