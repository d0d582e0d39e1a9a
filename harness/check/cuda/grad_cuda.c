/* grad_cuda.c — a problem's loss and gradient through its CUDA twin, with
 * host buffers in and out (grad_cuda.h). */
#include "harness/check/cuda/grad_cuda.h"

#include <stdio.h>

#include "problems/cuda/problem_cuda.h"
#include "harness/core/device.h"

int device_loss_and_grad(Problem *pb, const float *params, float *grads, uint64_t seed, uint64_t batch,
                         double *loss, char *err, size_t errlen)
{
    const ProblemCuda *cu = pb->def->cuda;
    const size_t bytes = pb->n_params * sizeof(float);
    float *dp = NULL, *dg = NULL;
    double *dl = NULL;
    ProblemTwin *tw = NULL;
    int rc = -1;
    if (!cu) {
        snprintf(err, errlen, "problem %s has no CUDA implementation", pb->def->name);
        return -1;
    }
    if (!(tw = cu->create(pb, err, errlen))) return -1;
    if (!(dp = dev_upload(params, bytes)) || !(dg = dev_alloc(bytes)) || !(dl = dev_alloc(sizeof(double))) ||
        cu->loss_and_grad(tw, dp, dg, dl, seed, batch) != 0 ||
        !CUDA_OK(cudaMemcpy(grads, dg, bytes, cudaMemcpyDeviceToHost)) ||
        !CUDA_OK(cudaMemcpy(loss, dl, sizeof(double), cudaMemcpyDeviceToHost))) {
        snprintf(err, errlen, "CUDA: %s", device_error());
        goto cleanup;
    }
    rc = 0;
cleanup:
    dev_free(dp);
    dev_free(dg);
    dev_free(dl);
    cu->destroy(tw);
    return rc;
}
