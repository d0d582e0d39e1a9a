/* bench_cuda.c — timing a fused CUDA optimizer step against the device's
 * streaming kernel of the same traffic (bench.h); CPU twin:
 * bench_optimizer in harness/check/bench.c. */
#include <stdio.h>
#include <stdlib.h>

#include "harness/check/bench.h"
#include "harness/core/device.h"
#include "harness/core/memory.h"
#include "harness/check/roofline.h"
#include "harness/core/timing.h"
#include "harness/core/cuda/harness_kernels.h"
#include "optimizers/opt_run.h"

/* Fills the device buffer dst (n floats) with bench_value(i, salt) through
 * host memory. */
static int upload_values(float *dst, size_t n, unsigned salt)
{
    int rc = -1;
    float *host = mem_alloc(n * sizeof(float));
    if (!host) goto cleanup;
    for (size_t i = 0; i < n; i++) host[i] = bench_value(i, salt);
    if (dev_upload_to(dst, host, n * sizeof(float)) != 0) goto cleanup;
    rc = 0;
cleanup:
    mem_free(host);
    return rc;
}

int bench_optimizer_cuda(const OptimizerDef *opt, const ParamSet *hp, size_t n, int warmup, int repeats,
                         BenchResult *out, char *err, size_t errlen)
{
    float *roof[ROOFLINE_MAX_RW] = {0}, *p = NULL, *g = NULL, *roof_g = NULL, *host = NULL;
    unsigned char *narrow[OPT_MAX_STATE] = {0};
    void *state = NULL;
    double *step_t = NULL, *roof_t = NULL, lr[N_ROLES];
    cudaEvent_t ev[3] = {0};
    int rc = -1, ok = 1, n_ev = 0;
    /* one vector of n floats, as bench_optimizer */
    const TensorView view = {.name = "p", .ndim = 1, .shape = {n}, .role = ROLE_VECTOR};
    OptRun run;

    if (opt_run_plan(&run, opt, hp, &view, 1, n, err, errlen) != 0) return -1;
    optimizer_streams(opt, hp->num, n, &out->reads, &out->writes, &out->read_bytes, &out->write_bytes);
    const StatePrecision q = state_for_tensor(optimizer_state_precision(opt, hp->num), n);
    const int width = q == STATE_FP32 ? 0 : state_value_bytes(q); /* the streaming kernel's slot bytes */
    for (int k = 0; k < N_ROLES; k++) lr[k] = run.hp[k][0];
    step_t = malloc((size_t)repeats * sizeof *step_t);
    roof_t = malloc((size_t)repeats * sizeof *roof_t);
    ok = step_t && roof_t && (host = mem_alloc(n * sizeof *host)) && (p = dev_alloc(n * sizeof *p)) &&
         (g = dev_alloc(n * sizeof *g)) && (roof_g = dev_alloc(n * sizeof *roof_g));
    for (int k = 0; ok && k < out->writes; k++)
        ok = (roof[k] = dev_alloc(n * (k && width ? (size_t)width : sizeof(float)))) != NULL;
    for (int k = 1; k < out->writes; k++) narrow[k - 1] = (unsigned char *)roof[k];
    for (; ok && n_ev < 3; n_ev++) ok = CUDA_OK(cudaEventCreate(&ev[n_ev]));
    ok = ok && upload_values(p, n, 1u) == 0 && upload_values(g, n, 2u) == 0 && upload_values(roof_g, n, 2u) == 0;
    if (ok) { /* the initial state, made on the host as a run's */
        for (size_t i = 0; i < n; i++) host[i] = bench_value(i, 1u);
        ok = opt_run_alloc(&run, host) == 0 && (!run.state_size || (state = dev_upload(run.state, run.state_size)));
    }
    for (int r = -warmup; ok && r < repeats; r++) {
        float roof_ms = 0, step_ms = 0;
        ok = CUDA_OK(cudaEventRecord(ev[0], 0)) &&
             (width ? roofline_pass_narrow_cuda(roof[0], narrow, out->writes - 1, width, roof_g, n)
                    : roofline_pass_cuda(roof, out->writes, roof_g, n)) == 0 &&
             CUDA_OK(cudaEventRecord(ev[1], 0)) &&
             opt_run_step_cuda(&run, state, p, g, (long)(r + warmup + 1), lr) == 0 &&
             CUDA_OK(cudaEventRecord(ev[2], 0)) && CUDA_OK(cudaEventSynchronize(ev[2])) &&
             CUDA_OK(cudaEventElapsedTime(&roof_ms, ev[0], ev[1])) &&
             CUDA_OK(cudaEventElapsedTime(&step_ms, ev[1], ev[2]));
        if (r < 0) continue;
        roof_t[r] = 1e-3 * roof_ms;
        step_t[r] = 1e-3 * step_ms;
    }
    if (!ok) {
        snprintf(err, errlen, "%s on %zu parameters: %s", opt->name, n,
                 step_t && roof_t && host ? device_error() : "out of memory");
        goto cleanup;
    }
    bench_summarise(step_t, roof_t, repeats, n, out);
    rc = 0;
cleanup:
    for (int i = 0; i < n_ev; i++) cudaEventDestroy(ev[i]);
    for (int k = 0; k < ROOFLINE_MAX_RW; k++) dev_free(roof[k]);
    dev_free(state);
    dev_free(p);
    dev_free(g);
    dev_free(roof_g);
    mem_free(host);
    opt_run_free(&run);
    free(step_t);
    free(roof_t);
    return rc;
}
