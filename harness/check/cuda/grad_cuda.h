/* grad_cuda.h — one minibatch's loss and analytic gradient computed by a
 * problem's CUDA twin and brought back to the host: what `gradcheck
 * --device cuda` checks against central differences, and what the CUDA
 * tests set beside the CPU's loss_and_grad. */
#ifndef OPTBENCH_GRAD_CUDA_H
#define OPTBENCH_GRAD_CUDA_H

#include <stdint.h>

#include "problems/problem.h"

/* Like pb->def->loss_and_grad(pb, params, grads, seed, batch) with host
 * params and grads (n_params floats), run on the device. Returns 0 with the
 * loss in *loss, or -1 with the reason in err. */
int device_loss_and_grad(Problem *pb, const float *params, float *grads, uint64_t seed, uint64_t batch,
                         double *loss, char *err, size_t errlen);

#endif
