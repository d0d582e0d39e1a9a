/* problem_cuda.h — the device twin of a problem (ProblemDef.cuda).
 *
 * A twin is made from a created host problem, whose options, views and data
 * it reads: it copies the data it needs to the device once and allocates its
 * scratch there (dev_alloc), so that a step moves nothing between host and
 * device. Its loss_and_grad computes what the host problem's does, on
 * device buffers, and leaves the loss on the device; only eval returns
 * numbers to the host. The host problem outlives its twin.
 *
 * Legend: params, grads = n_params floats in device memory; loss = one
 * double in device memory; seed and batch as in problem.h.
 */
#ifndef OPTBENCH_PROBLEM_CUDA_H
#define OPTBENCH_PROBLEM_CUDA_H

#include <stddef.h>
#include <stdint.h>

#include "problems/problem.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ProblemTwin ProblemTwin; /* a twin's own state, private to its file */

struct ProblemCuda {
    /* The twin of pb: data on the device, scratch allocated. NULL with a
     * message in err. */
    ProblemTwin *(*create)(Problem *pb, char *err, size_t errlen);
    /* The mean loss of minibatch `batch` at params into *loss and
     * d loss / d params into grads, all on the device; asynchronous on the
     * default stream. Returns 0, or -1 with the reason in device_error(). */
    int (*loss_and_grad)(ProblemTwin *tw, const float *params, float *grads, double *loss, uint64_t seed,
                         uint64_t batch);
    /* Held-out loss and accuracy at params into host doubles (waits for the
     * device). Returns 0, 1 when the problem has no held-out data, or -1 with
     * the reason in device_error(). */
    int (*eval)(ProblemTwin *tw, const float *params, double *loss, double *accuracy);
    /* Frees the twin (NULL is ignored). */
    void (*destroy)(ProblemTwin *tw);
};

#ifdef __cplusplus
}
#endif

#endif
