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

/* The optimizer's initial state (init_state on the host) copied over. */
static int upload_state(const OptimizerDef *opt, const double *hp, float *const *state, int slots, size_t n)
{
    int rc = -1;
    float *host[OPT_MAX_STATE] = {0};
    if (!opt->init_state) return 0;
    for (int k = 0; k < slots; k++)
        if (!(host[k] = mem_alloc(n * sizeof(float)))) goto cleanup;
    opt->init_state(hp, host, n);
    for (int k = 0; k < slots; k++)
        if (dev_upload_to(state[k], host[k], n * sizeof(float)) != 0) goto cleanup;
    rc = 0;
cleanup:
    for (int k = 0; k < OPT_MAX_STATE; k++) mem_free(host[k]);
    return rc;
}

int bench_optimizer_cuda(const OptimizerDef *opt, const double *hp, size_t n, int warmup, int repeats,
                         BenchResult *out, char *err, size_t errlen)
{
    float *state[OPT_MAX_STATE] = {0}, *roof[ROOFLINE_MAX_RW] = {0};
    float *p = NULL, *g = NULL, *roof_g = NULL;
    double *step_t = NULL, *roof_t = NULL;
    cudaEvent_t ev[3] = {0};
    int slots = opt->n_state(hp), rc = -1, ok = 1, n_ev = 0;

    optimizer_streams(opt, hp, n, &out->reads, &out->writes, &out->read_bytes, &out->write_bytes);
    step_t = malloc((size_t)repeats * sizeof *step_t);
    roof_t = malloc((size_t)repeats * sizeof *roof_t);
    ok = step_t && roof_t && (p = dev_alloc(n * sizeof *p)) && (g = dev_alloc(n * sizeof *g)) &&
         (roof_g = dev_alloc(n * sizeof *roof_g));
    for (int k = 0; ok && k < slots; k++) ok = (state[k] = dev_alloc(n * sizeof(float))) != NULL;
    for (int k = 0; ok && k < out->writes; k++) ok = (roof[k] = dev_alloc(n * sizeof(float))) != NULL;
    for (; ok && n_ev < 3; n_ev++) ok = CUDA_OK(cudaEventCreate(&ev[n_ev]));
    ok = ok && upload_values(p, n, 1u) == 0 && upload_values(g, n, 2u) == 0 && upload_values(roof_g, n, 2u) == 0 &&
         upload_state(opt, hp, state, slots, n) == 0;
    for (int r = -warmup; ok && r < repeats; r++) {
        float roof_ms = 0, step_ms = 0;
        ok = CUDA_OK(cudaEventRecord(ev[0], 0)) && roofline_pass_cuda(roof, out->writes, roof_g, n) == 0 &&
             CUDA_OK(cudaEventRecord(ev[1], 0)) &&
             opt->step_cuda(hp, state, p, g, n, (long)(r + warmup + 1), hp[0]) == 0 &&
             CUDA_OK(cudaEventRecord(ev[2], 0)) && CUDA_OK(cudaEventSynchronize(ev[2])) &&
             CUDA_OK(cudaEventElapsedTime(&roof_ms, ev[0], ev[1])) &&
             CUDA_OK(cudaEventElapsedTime(&step_ms, ev[1], ev[2]));
        if (r < 0) continue;
        roof_t[r] = 1e-3 * roof_ms;
        step_t[r] = 1e-3 * step_ms;
    }
    if (!ok) {
        snprintf(err, errlen, "%s on %zu parameters: %s", opt->name, n,
                 step_t && roof_t ? device_error() : "out of memory");
        goto cleanup;
    }
    bench_summarise(step_t, roof_t, repeats, n, out);
    rc = 0;
cleanup:
    for (int i = 0; i < n_ev; i++) cudaEventDestroy(ev[i]);
    for (int k = 0; k < OPT_MAX_STATE; k++) dev_free(state[k]);
    for (int k = 0; k < ROOFLINE_MAX_RW; k++) dev_free(roof[k]);
    dev_free(p);
    dev_free(g);
    dev_free(roof_g);
    free(step_t);
    free(roof_t);
    return rc;
}
