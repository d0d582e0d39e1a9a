/* golden.c — loading and replaying golden update vectors. */
#include "harness/check/golden.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "optimizers/opt_run.h"
#include "harness/core/file.h"
#include "harness/core/memory.h"
#include "harness/core/number.h"
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
        const char *end;
        double v;
        p += strspn(p, " \t");
        const NumberStatus st = number_scan(p, &end, &v); /* decimal only, finite */
        if ((st != NUMBER_OK && st != NUMBER_TINY) || (*end && !strchr(" \t\r\n", *end)) || fabs(v) > FLT_MAX)
            return -1;
        dst[i] = (float)v;
        p = (char *)end;
    }
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return *p ? -1 : 0;
}

/* Reads a `tensor NAME ROLE D1 [D2 ...]` line into v; 0, or -1 with what is wrong in msg. */
static int read_tensor(const char *line, TensorView *v, char *msg, size_t len)
{
    char role[32];
    int used = 0;
    memset(v, 0, sizeof *v);
    if (sscanf(line, "tensor %47s %31s%n", v->name, role, &used) != 2) {
        snprintf(msg, len, "expected 'tensor NAME ROLE D1 [D2 ...]'");
        return -1;
    }
    int r = role_parse(role);
    if (r < 0) {
        snprintf(msg, len, "unknown role '%s' (known: %s, %s, %s)", role, role_name(ROLE_MATRIX),
                 role_name(ROLE_EMBEDDING), role_name(ROLE_VECTOR));
        return -1;
    }
    v->role = (TensorRole)r;
    for (const char *p = line + used;;) {
        char *end;
        while (*p == ' ' || *p == '\t') p++;
        if (!*p || *p == '\n' || *p == '\r') break;
        long d = strtol(p, &end, 10);
        if (end == p || d < 1 || d > 100000000 || v->ndim == TENSOR_MAX_DIMS) {
            snprintf(msg, len, "tensor %s: a shape of 1 to %d sizes >= 1 was expected", v->name, TENSOR_MAX_DIMS);
            return -1;
        }
        v->shape[v->ndim++] = (size_t)d;
        p = end;
    }
    if (!v->ndim) {
        snprintf(msg, len, "tensor %s: no shape", v->name);
        return -1;
    }
    return 0;
}

/* Checks the optimizer and hyperparameters read so far into g->hp. */
static int configure(Golden *g, char *msg, size_t len)
{
    const OptimizerDef *opt = optimizer_find(g->optimizer);
    char spec_text[PARAM_TEXT_MAX + 80];
    Spec spec;
    if (!opt) {
        snprintf(msg, len, "unknown optimizer '%s' (known: %s)", g->optimizer, optimizer_names());
        return -1;
    }
    snprintf(spec_text, sizeof spec_text, "%s%s%s", g->optimizer, g->hparams[0] ? "," : "", g->hparams);
    if (spec_parse(spec_text, &spec, msg, len) != 0 || optimizer_configure(opt, &spec, &g->hp, msg, len) != 0)
        return -1;
    return 0;
}

int golden_load(const char *path, Golden *g, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    struct stat st;
    const int fd = file_open_input(path, GOLDEN_MAX_BYTES, err, errlen);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!f || fstat(fd, &st) != 0) {
        if (fd >= 0) snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        if (f) fclose(f);
        else if (fd >= 0) close(fd);
        return -1;
    }
    size_t cap = 0;
    char *line = NULL, msg[ERRMSG_MAX];
    long lineno = 0, vectors = 0, hp_line = 0, opt_line = 0; /* vectors read: p0, g1, p1, g2, ... */
    int rc = 0, declared = -1;                              /* declared: the `tensors K` count */
    int seen = 0;                                           /* bit h: header line h read */
    while (rc == 0 && getline(&line, &cap, f) > 0) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n') continue;
        /* the header lines, each once and before the vectors: a second n
         * after steps would size the vectors differently from their buffers */
        static const char *const header[] = {"optimizer ", "hparams ", "n ", "steps "};
        int h = 0;
        while (h < 4 && strncmp(line, header[h], strlen(header[h]))) h++;
        if (h < 4 && (seen & (1 << h) || g->p0)) {
            snprintf(err, errlen, "%s:%ld: '%.*s' given twice or after 'steps'", path, lineno,
                     (int)strlen(header[h]) - 1, header[h]);
            rc = -1;
            break;
        }
        if (h < 4) seen |= 1 << h;
        long n = 0;
        if (sscanf(line, "optimizer %63s", g->optimizer) == 1) {
            opt_line = lineno;
            continue;
        }
        if (sscanf(line, "hparams %255s", g->hparams) == 1) {
            if (!strcmp(g->hparams, "-")) g->hparams[0] = 0;
            hp_line = lineno;
            continue;
        }
        if (sscanf(line, "tensors %d", &declared) == 1) {
            if (declared < 1 || declared > GOLDEN_MAX_TENSORS || g->n_tensors) {
                snprintf(err, errlen, "%s:%ld: 'tensors' needs a count in [1, %d], once, before its tensor lines",
                         path, lineno, GOLDEN_MAX_TENSORS);
                rc = -1;
            }
            continue;
        }
        if (!strncmp(line, "tensor ", 7)) {
            if (g->n_tensors == declared || g->p0) {
                snprintf(err, errlen, "%s:%ld: a tensor line %s", path, lineno,
                         g->p0 ? "after the vectors" : "beyond the 'tensors' count");
                rc = -1;
            } else if (read_tensor(line, &g->tensors[g->n_tensors], msg, sizeof msg) != 0) {
                snprintf(err, errlen, "%s:%ld: %s", path, lineno, msg);
                rc = -1;
            } else {
                TensorView *v = &g->tensors[g->n_tensors];
                v->offset = g->n_tensors ? g->tensors[g->n_tensors - 1].offset + tensor_numel(&g->tensors[g->n_tensors - 1]) : 0;
                g->n_tensors++;
            }
            continue;
        }
        if (h == 2 && sscanf(line, "n %ld", &n) == 1 && n >= 1 && n <= 100000000) {
            g->n = (size_t)n;
            continue;
        }
        if (sscanf(line, "steps %ld", &g->steps) == 1) {
            if (!g->n || g->steps < 1 || g->n > 100000000 || g->steps > 100000 || g->p0) {
                snprintf(err, errlen, "%s:%ld: 'steps' needs a positive n before it, once", path, lineno);
                rc = -1;
                break;
            }
            /* each of the (2 steps + 1) x n numbers takes two bytes at least */
            if ((double)(2 * g->steps + 1) * (double)g->n * 2 > (double)st.st_size) {
                snprintf(err, errlen, "%s:%ld: n %zu and steps %ld need %.0f numbers; the file's %jd bytes cannot hold them",
                         path, lineno, g->n, g->steps, (double)(2 * g->steps + 1) * (double)g->n, (intmax_t)st.st_size);
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
    if (rc == 0 && g->n_tensors != (declared < 0 ? 0 : declared)) {
        snprintf(err, errlen, "%s: 'tensors %d' but %d tensor lines", path, declared, g->n_tensors);
        rc = -1;
    }
    if (rc == 0 && g->n_tensors &&
        g->tensors[g->n_tensors - 1].offset + tensor_numel(&g->tensors[g->n_tensors - 1]) != g->n) {
        snprintf(err, errlen, "%s: the tensors hold %zu floats, n is %zu", path,
                 g->tensors[g->n_tensors - 1].offset + tensor_numel(&g->tensors[g->n_tensors - 1]), g->n);
        rc = -1;
    }
    if (rc == 0 && !g->n_tensors) { /* one vector of n floats */
        snprintf(g->tensors[0].name, sizeof g->tensors[0].name, "p");
        g->tensors[0].ndim = 1;
        g->tensors[0].shape[0] = g->n;
        g->tensors[0].role = ROLE_VECTOR;
        g->n_tensors = 1;
    }
    if (rc == 0 && configure(g, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "%s:%ld: %s", path, optimizer_find(g->optimizer) ? hp_line : opt_line, msg);
        rc = -1;
    }
    free(line);
    fclose(f);
    if (rc != 0) golden_free(g);
    return rc;
}

void golden_compare_step(GoldenResult *res, long s, const float *p, const float *want, size_t n)
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


int golden_check(const Golden *g, Device dev, GoldenResult *res, char *err, size_t errlen)
{
    const OptimizerDef *opt = optimizer_find(g->optimizer);
    OptRun run;
    double lr[N_ROLES];
    float *p = NULL;
    int rc = -1;
    if (dev == DEVICE_CUDA && !optimizer_has_cuda(opt)) {
        snprintf(err, errlen, "no CUDA kernel for %s", opt->name);
        return -1;
    }
    if (opt_run_plan(&run, opt, &g->hp, g->tensors, g->n_tensors, g->n, err, errlen) != 0) return -1;
    for (int r = 0; r < N_ROLES; r++) lr[r] = run.hp[r][0]; /* constant: no schedule */
    if (!(p = mem_alloc(g->n * sizeof(float)))) {
        snprintf(err, errlen, "out of memory");
        goto cleanup;
    }
    memcpy(p, g->p0, g->n * sizeof(float));
    if (opt_run_alloc(&run, p) != 0) {
        snprintf(err, errlen, "out of memory");
        goto cleanup;
    }
    memset(res, 0, sizeof *res);
    rc = 0;
#ifdef OPTBENCH_CUDA
    if (dev == DEVICE_CUDA) rc = golden_replay_cuda(&run, g, lr, p, res, err, errlen);
    else
#endif
        for (long s = 1; s <= g->steps; s++) {
            opt_run_step(&run, p, g->grads + (size_t)(s - 1) * g->n, s, lr);
            golden_compare_step(res, s, p, g->params + (size_t)(s - 1) * g->n, g->n);
        }
    res->ok = rc == 0 && res->worst_err <= GOLDEN_TOL;
cleanup:
    mem_free(p);
    opt_run_free(&run);
    return rc;
}
