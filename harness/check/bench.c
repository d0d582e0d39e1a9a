/* bench.c — timing an optimizer step and its streaming reference kernel. */
#include "harness/check/bench.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/core/memory.h"
#include "harness/check/roofline.h"
#include "harness/core/timing.h"
#include "optimizers/opt_run.h"

float bench_value(size_t i, unsigned salt)
{
    unsigned h = ((unsigned)i ^ salt) * 2654435761u;
    return (float)(h >> 8) / 16777216.0f - 0.5f;
}

void bench_summarise(double *step_t, double *roof_t, int repeats, size_t n, BenchResult *out)
{
    out->bytes_per_param = out->read_bytes + out->write_bytes;
    out->step_seconds = quantile(step_t, (size_t)repeats, 0.5);
    out->roof_seconds = quantile(roof_t, (size_t)repeats, 0.5);
    out->gbps = (double)n * out->bytes_per_param / out->step_seconds / 1e9;
    out->roof_gbps = (double)n * out->bytes_per_param / out->roof_seconds / 1e9;
    out->fraction = out->gbps / out->roof_gbps;
}

int bench_optimizer(const OptimizerDef *opt, const ParamSet *hp, size_t n, int threads, int warmup,
                    int repeats, BenchResult *out, char *err, size_t errlen)
{
    float *roof[ROOFLINE_MAX_RW] = {0};
    float *p = NULL, *g = NULL, *roof_g = NULL;
    double *step_t = NULL, *roof_t = NULL, lr[N_ROLES];
    int rc = -1, missing = 0;
    /* one vector of n floats: the step the runner takes when every group shares its values */
    const TensorView view = {.name = "p", .ndim = 1, .shape = {n}, .role = ROLE_VECTOR};
    OptRun run;

    if (opt_run_plan(&run, opt, hp, &view, 1, n, err, errlen) != 0) return -1;
    optimizer_streams(opt, hp->num, n, &out->reads, &out->writes, &out->read_bytes, &out->write_bytes);
    /* the streaming kernel's slots: float32, or bytes of the stored width */
    const StatePrecision q = state_for_tensor(optimizer_state_precision(opt, hp->num), n);
    const int width = q == STATE_FP32 ? 0 : state_value_bytes(q);
    p = mem_alloc(n * sizeof *p);
    g = mem_alloc(n * sizeof *g);
    roof_g = mem_alloc(n * sizeof *roof_g);
    for (int k = 0; k < out->writes; k++)
        missing |= !(roof[k] = mem_alloc(n * (k && width ? (size_t)width : sizeof(float))));
    step_t = malloc((size_t)repeats * sizeof *step_t);
    roof_t = malloc((size_t)repeats * sizeof *roof_t);
    if (missing || !p || !g || !roof_g || !step_t || !roof_t || opt_run_alloc(&run, p) != 0) {
        snprintf(err, errlen, "%s: out of memory for %zu parameters", opt->name, n);
        goto cleanup;
    }
    unsigned char *narrow[OPT_MAX_STATE] = {0};
    for (int k = 1; k < out->writes; k++) narrow[k - 1] = (unsigned char *)roof[k];
    for (size_t i = 0; i < n; i++) {
        p[i] = bench_value(i, 1u);
        g[i] = roof_g[i] = bench_value(i, 2u);
    }
    for (int k = 0; k < N_ROLES; k++) lr[k] = run.hp[k][0];
    omp_set_num_threads(threads);
    for (int r = -warmup; r < repeats; r++) {
        double t0 = now_seconds();
        if (width) roofline_pass_narrow(roof[0], narrow, out->writes - 1, width, roof_g, n);
        else roofline_pass(roof, out->writes, roof_g, n);
        double t1 = now_seconds();
        opt_run_step(&run, p, g, (long)(r + warmup + 1), lr);
        double t2 = now_seconds();
        if (r < 0) continue;
        roof_t[r] = t1 - t0;
        step_t[r] = t2 - t1;
    }
    bench_summarise(step_t, roof_t, repeats, n, out);
    rc = 0;
cleanup:
    opt_run_free(&run);
    for (int k = 0; k < ROOFLINE_MAX_RW; k++) mem_free(roof[k]);
    mem_free(p);
    mem_free(g);
    mem_free(roof_g);
    free(step_t);
    free(roof_t);
    return rc;
}
