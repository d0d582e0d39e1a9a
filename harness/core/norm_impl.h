/* norm_impl.h — the per-element terms of the L2 norms the step loop takes
 * of gradients, parameters and updates, as inline functions that compile
 * for the host and, under nvcc, for the device too, so that the CPU sums
 * (clip_grad_norm, step_norms in harness/run/runner.h) and their CUDA twins
 * (harness/core/cuda/harness_kernels.h) add the same terms. Each term is
 * taken in double from float inputs; only the order of the sum differs
 * between the devices. */
#ifndef OPTBENCH_NORM_IMPL_H
#define OPTBENCH_NORM_IMPL_H

#ifdef __CUDACC__
#define NORM_FN static inline __host__ __device__
#else
#define NORM_FN static inline
#endif

/* x^2: a term of ||x||^2. */
NORM_FN double norm_term(float x) { return (double)x * x; }

/* (a - b)^2, the difference taken in double: a term of ||a - b||^2. */
NORM_FN double norm_diff_term(float a, float b)
{
    const double d = (double)a - (double)b;
    return d * d;
}

#endif
