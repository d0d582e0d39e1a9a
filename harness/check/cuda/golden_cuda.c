/* golden_cuda.c — replaying a golden file through an optimizer's CUDA step
 * (golden.h); CPU twin: the replay loop of golden_check in
 * harness/check/golden.c. */
#include <stdio.h>

#include "harness/check/golden.h"
#include "harness/core/device.h"

/* Replays g on the device from p and the run's host state block: both are
 * copied over (with the device scratch of a tensor-aware step, freed with
 * run), each step's gradient goes over and its parameters come back into p
 * for the comparison. */
int golden_replay_cuda(OptRun *run, const Golden *g, const double *lr, float *p, GoldenResult *res, char *err,
                       size_t errlen)
{
    const size_t bytes = g->n * sizeof(float), sbytes = run->state_size;
    float *dp = (float *)dev_upload(p, bytes), *dg = (float *)dev_alloc(bytes);
    void *ds = sbytes ? dev_upload(run->state, sbytes) : NULL;
    int rc = -1, ok = dp && dg && (!sbytes || ds) && opt_run_alloc_cuda(run) == 0;
    for (long s = 1; ok && s <= g->steps; s++) {
        ok = dev_upload_to(dg, g->grads + (size_t)(s - 1) * g->n, bytes) == 0 &&
             opt_run_step_cuda(run, ds, dp, dg, s, lr) == 0 &&
             CUDA_OK(cudaMemcpy(p, dp, bytes, cudaMemcpyDeviceToHost));
        if (ok) golden_compare_step(res, s, p, g->params + (size_t)(s - 1) * g->n, g->n);
    }
    if (!ok) {
        snprintf(err, errlen, "CUDA: %s", device_error());
        goto cleanup;
    }
    rc = 0;
cleanup:
    dev_free(dp);
    dev_free(dg);
    dev_free(ds);
    return rc;
}
