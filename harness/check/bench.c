/* bench.c — timing an optimizer step and its streaming reference kernel. */
#include "harness/check/bench.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/core/memory.h"
#include "harness/check/roofline.h"
#include "harness/core/timing.h"

float bench_value(size_t i, unsigned salt)
{
    unsigned h = ((unsigned)i ^ salt) * 2654435761u;
    return (float)(h >> 8) / 16777216.0f - 0.5f;
}

void bench_summarise(double *step_t, double *roof_t, int repeats, size_t n, BenchResult *out)
{
    out->bytes_per_param = 4.0 * (out->reads + out->writes);
    out->step_seconds = quantile(step_t, (size_t)repeats, 0.5);
    out->roof_seconds = quantile(roof_t, (size_t)repeats, 0.5);
    out->gbps = (double)n * out->bytes_per_param / out->step_seconds / 1e9;
    out->roof_gbps = (double)n * out->bytes_per_param / out->roof_seconds / 1e9;
    out->fraction = out->gbps / out->roof_gbps;
}

int bench_optimizer(const OptimizerDef *opt, const double *hp, size_t n, int threads, int warmup,
                    int repeats, BenchResult *out, char *err, size_t errlen)
{
    float *state[OPT_MAX_STATE] = {0}, *roof[ROOFLINE_MAX_RW] = {0};
    float *p = NULL, *g = NULL, *roof_g = NULL;
    double *step_t = NULL, *roof_t = NULL;
    int slots = opt->n_state(hp), rc = -1, missing = 0;

    optimizer_streams(opt, hp, &out->reads, &out->writes);
    p = mem_alloc(n * sizeof *p);
    g = mem_alloc(n * sizeof *g);
    roof_g = mem_alloc(n * sizeof *roof_g);
    for (int k = 0; k < slots; k++) missing |= !(state[k] = mem_alloc(n * sizeof(float)));
    for (int k = 0; k < out->writes; k++) missing |= !(roof[k] = mem_alloc(n * sizeof(float)));
    step_t = malloc((size_t)repeats * sizeof *step_t);
    roof_t = malloc((size_t)repeats * sizeof *roof_t);
    if (missing || !p || !g || !roof_g || !step_t || !roof_t) {
        snprintf(err, errlen, "%s: out of memory for %zu parameters", opt->name, n);
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        p[i] = bench_value(i, 1u);
        g[i] = roof_g[i] = bench_value(i, 2u);
    }
    if (opt->init_state) opt->init_state(hp, state, n);
    omp_set_num_threads(threads);
    for (int r = -warmup; r < repeats; r++) {
        double t0 = now_seconds();
        roofline_pass(roof, out->writes, roof_g, n);
        double t1 = now_seconds();
        opt->step_cpu(hp, state, p, g, n, (long)(r + warmup + 1), hp[0]);
        double t2 = now_seconds();
        if (r < 0) continue;
        roof_t[r] = t1 - t0;
        step_t[r] = t2 - t1;
    }
    bench_summarise(step_t, roof_t, repeats, n, out);
    rc = 0;
cleanup:
    for (int k = 0; k < OPT_MAX_STATE; k++) mem_free(state[k]);
    for (int k = 0; k < ROOFLINE_MAX_RW; k++) mem_free(roof[k]);
    mem_free(p);
    mem_free(g);
    mem_free(roof_g);
    free(step_t);
    free(roof_t);
    return rc;
}
