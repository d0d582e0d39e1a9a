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

void golden_set_flat(Golden *g, size_t n)
{
    memset(g->tensors, 0, sizeof g->tensors[0]);
    snprintf(g->tensors[0].name, sizeof g->tensors[0].name, "p");
    g->tensors[0].ndim = 1;
    g->tensors[0].shape[0] = n;
    g->tensors[0].role = ROLE_VECTOR;
    g->n_tensors = 1;
    g->n = n;
    g->flat = 1;
}

int golden_read(const char *path, Golden *g, char *err, size_t errlen)
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
    long lineno = 0, vectors = 0; /* vectors read: p0, g1, p1, g2, ... */
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
            g->opt_line = lineno;
            continue;
        }
        if (h == 1) {
            const char *v = line + strlen(header[1]);
            v += strspn(v, " \t");
            const size_t l = strcspn(v, " \t\r\n");
            if (l == 0 || l >= sizeof g->hparams) {
                snprintf(err, errlen, "%s:%ld: 'hparams' needs 1 to %zu characters of k=v,... (or -)", path, lineno,
                         sizeof g->hparams - 1);
                rc = -1;
                break;
            }
            snprintf(g->hparams, sizeof g->hparams, "%.*s", (int)l, v);
            if (!strcmp(g->hparams, "-")) g->hparams[0] = 0;
            g->hp_line = lineno;
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
        if (h == 2 && sscanf(line, "n %ld", &n) == 1 && n >= 1 && n <= GOLDEN_MAX_N) {
            g->n = (size_t)n;
            continue;
        }
        if (sscanf(line, "steps %ld", &g->steps) == 1) {
            if (!g->n || g->steps < 1 || g->steps > GOLDEN_MAX_STEPS || g->p0) {
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
    if (rc == 0 && !g->n_tensors) golden_set_flat(g, g->n);
    free(line);
    fclose(f);
    if (rc != 0) golden_free(g);
    return rc;
}

/* Applies the file's hyperparameters to g->hp of g->opt (another optimizer
 * than the file's when other): each key g->opt lacks is left out when the
 * file's optimizer `own` has it at its default (named in note), else an
 * error. */
static int apply_file_hparams(Golden *g, const OptimizerDef *own, int other, char *note, size_t notelen, char *msg,
                              size_t len)
{
    char text[GOLDEN_HPARAMS_MAX + 8];
    Spec file;
    ParamSet own_hp;
    snprintf(text, sizeof text, "x%s%s", g->hparams[0] ? "," : "", g->hparams);
    if (spec_parse(text, &file, msg, len) != 0) return -1;
    if (!other) return spec_apply(&file, &g->hp, msg, len);
    if (own) optimizer_defaults(own, &own_hp);
    for (int k = 0; k < file.n; k++) {
        const char *key = file.key[k], *dot = strchr(key, '.');
        if (params_def(&g->hp, key)) {
            if (params_set(&g->hp, key, file.value[k], msg, len) != 0) return -1;
            continue;
        }
        /* a key of the file's optimizer that the replaying one lacks (lr_scale is every optimizer's) */
        const char *sub = dot ? dot + 1 : key;
        const int i = own ? params_index(&own_hp, sub) : -1;
        int at_default = 0;
        if (i >= 0) {
            ParamSet probe = own_hp;
            if (params_set(&probe, sub, file.value[k], msg, len) == 0)
                at_default = probe.num[i] == own_hp.num[i] && !strcmp(probe.text[i], own_hp.text[i]);
        }
        if (!at_default) {
            snprintf(msg, len, "%s=%s: %s has no key '%s', and the value is not %s's default: %s cannot replay this "
                     "configuration", key, file.value[k], g->opt->name, key, own ? own->name : g->optimizer,
                     g->opt->name);
            return -1;
        }
        const size_t used = strlen(note);
        snprintf(note + used, notelen - used, "%s%s=%s", used ? "," : "", key, file.value[k]);
    }
    return 0;
}
int golden_configure(Golden *g, const char *path, const char *spec, char *note, size_t notelen, char *err,
                     size_t errlen)
{
    const OptimizerDef *own = optimizer_find(g->optimizer);
    char msg[ERRMSG_MAX];
    Spec sp;
    int rc = -1;
    long line = g->hp_line;
    if (note) note[0] = 0;
    if (spec && spec_parse(spec, &sp, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "--optimizer: %s", msg);
        return -1;
    }
    g->opt = spec ? optimizer_find(sp.name) : own;
    if (!g->opt) {
        if (spec) snprintf(err, errlen, "--optimizer: unknown optimizer '%s' (known: %s)", sp.name, optimizer_names());
        else snprintf(err, errlen, "%s:%ld: unknown optimizer '%s' (known: %s)", path, g->opt_line, g->optimizer,
                      optimizer_names());
        return -1;
    }
    optimizer_defaults(g->opt, &g->hp);
    char dropped[GOLDEN_HPARAMS_MAX] = "";
    if (apply_file_hparams(g, own, g->opt != own, dropped, sizeof dropped, msg, sizeof msg) != 0) goto done;
    if (spec) line = 0; /* from here on a message is about the spec's values */
    if (spec && spec_apply(&sp, &g->hp, msg, sizeof msg) != 0) goto done;
    if (optimizer_check(g->opt, &g->hp, msg, sizeof msg) != 0) goto done;
    if (note && dropped[0])
        snprintf(note, notelen, "keys %s lacks, left out at %s's defaults: %s", g->opt->name, own->name, dropped);
    rc = 0;
done:
    if (rc != 0 && line) snprintf(err, errlen, "%s:%ld: %s", path, line, msg);
    else if (rc != 0) snprintf(err, errlen, "%s: --optimizer %s: %s", path, spec ? spec : "", msg);
    return rc;
}

int golden_load(const char *path, Golden *g, char *err, size_t errlen)
{
    if (golden_read(path, g, err, errlen) != 0) return -1;
    if (golden_configure(g, path, NULL, NULL, 0, err, errlen) == 0) return 0;
    golden_free(g);
    return -1;
}

void golden_compare_step(GoldenResult *res, long s, const float *p, const float *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)p[i] - want[i]) / (1 + fabs((double)want[i]));
        if (isnan(e)) e = INFINITY;
        if (!(e <= res->worst_err)) {
            res->worst_err = e;
            res->worst_step = s;
            res->worst_index = i;
            res->got = p[i];
            res->expected = want[i];
        }
        if (e <= GOLDEN_TOL) continue;
        res->n_bad++;
        if (res->first_step) continue;
        res->first_step = s;
        res->first_index = i;
        res->first_err = e;
        res->first_got = p[i];
        res->first_expected = want[i];
    }
}

void golden_locate(const Golden *g, size_t index, char *buf, size_t len)
{
    int k = 0;
    while (k + 1 < g->n_tensors && index >= g->tensors[k + 1].offset) k++;
    const TensorView *v = &g->tensors[k];
    size_t rest = index - v->offset, at[TENSOR_MAX_DIMS];
    for (int d = v->ndim - 1; d >= 0; d--) {
        at[d] = rest % v->shape[d];
        rest /= v->shape[d];
    }
    size_t used = (size_t)snprintf(buf, len, "%s[", v->name);
    for (int d = 0; d < v->ndim && used < len; d++)
        used += (size_t)snprintf(buf + used, len - used, "%s%zu", d ? "," : "", at[d]);
    if (used < len) snprintf(buf + used, len - used, "]");
}

int golden_plan(const Golden *g, OptRun *run, double *lr, char *err, size_t errlen)
{
    if (opt_run_plan(run, g->opt, &g->hp, g->tensors, g->n_tensors, g->n, err, errlen) != 0) return -1;
    for (int r = 0; r < N_ROLES; r++) lr[r] = run->hp[r][0]; /* constant: no schedule */
    return 0;
}

int golden_check(const Golden *g, Device dev, GoldenResult *res, char *err, size_t errlen)
{
    const OptimizerDef *opt = g->opt;
    OptRun run;
    double lr[N_ROLES];
    float *p = NULL;
    int rc = -1;
    if (dev == DEVICE_CUDA && !optimizer_has_cuda(opt)) {
        snprintf(err, errlen, "no CUDA kernel for %s", opt->name);
        return -1;
    }
    if (golden_plan(g, &run, lr, err, errlen) != 0) return -1;
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
