/* fastmath.h — what the layers' hot loops share: the instruction sets they
 * are cloned for, a vectorisable e^x for x <= 0, the normal CDF and GELU.
 * The functions compile for the host and, under nvcc, for the device too,
 * so that the CUDA layers (problems/cuda/) round as the CPU layers do. */
#ifndef OPTBENCH_FASTMATH_H
#define OPTBENCH_FASTMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "harness/core/clones.h"

/* Instruction sets of the clones of the hot loops (gcc's target_clones: the
 * loader picks the widest the CPU supports), and the attribute that clones
 * a function for them; one plain copy where clones are not allowed
 * (harness/core/clones.h). */
#define SIMD_CLONES "avx512f", "avx2", "default"
#if CLONES_ALLOWED
#define SIMD_CLONED __attribute__((target_clones(SIMD_CLONES)))
#else
#define SIMD_CLONED
#endif

#ifdef __CUDACC__
#define FASTMATH_FN static __forceinline__ __host__ __device__
#else
#define FASTMATH_FN static inline __attribute__((always_inline))
#endif

/* e^x for x <= 0 in a form gcc vectorises (no float compares, which may
 * trap and so stay branches): x = n ln2 + r, Cephes' expf polynomial for e^r
 * (about 1 ulp), 2^n built in the exponent bits; 0 where 2^n is below the
 * normal floats (x < -87) or x is not finite. */
FASTMATH_FN float exp_nonpos(float x)
{
    const float y = x * 1.44269504f + 12582912.0f; /* 1.5 * 2^23 + x / ln2, rounded to an integer */
    const float n = y - 12582912.0f;
    const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    uint32_t ybits, rbits;
    memcpy(&ybits, &y, sizeof ybits);
    const int32_t ni = (int32_t)(ybits - 0x4B400000u); /* n, from y's low mantissa bits */
    const uint32_t keep = -(uint32_t)(ni >= -126 && ni <= 0); /* all ones where 2^n is a normal float <= 1 */
    const uint32_t sbits = ((uint32_t)(ni + 127) << 23) & keep;
    float scale, res;
    memcpy(&scale, &sbits, sizeof scale);
    res = p * scale;
    memcpy(&rbits, &res, sizeof rbits);
    rbits &= keep;
    memcpy(&res, &rbits, sizeof res);
    return res;
}

/* The standard normal CDF at x, and its density in *pdf. erf is
 * Abramowitz-Stegun 7.1.26 (absolute error below 1.5e-7, the form torch's
 * vectorised CPU erf uses). */
FASTMATH_FN float normal_cdf(float x, float *pdf)
{
    const float e = exp_nonpos(-0.5f * x * x), z = fabsf(x) * 0.70710678118654752f;
    const float t = 1.0f / (1.0f + 0.3275911f * z);
    const float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t +
                        0.254829592f) * t;
    *pdf = 0.3989422804014327f * e;
    return 0.5f + 0.5f * copysignf(1.0f - poly * e, x);
}

/* GELU at x, x * CDF(x) (the erf form, torch's default), and its derivative
 * CDF(x) + x * pdf(x) in *dgelu: the element math of every GELU loop, CPU
 * (layers.c) and CUDA (cuda/layers_cuda.cu). What a caller leaves unused is
 * dropped when it is inlined, so loops that want one of the two pay for
 * that one alone. */
FASTMATH_FN float gelu(float x, float *dgelu)
{
    float pdf;
    const float cdf = normal_cdf(x, &pdf);
    *dgelu = cdf + x * pdf;
    return x * cdf;
}

#endif
