/* rng_impl.h — the bodies of rng.h's generator as inline functions that
 * compile for the host and, under nvcc, for the device too, so that a CUDA
 * twin draws exactly the numbers its CPU problem draws. rng.c wraps them;
 * other C code calls rng.h. */
#ifndef OPTBENCH_RNG_IMPL_H
#define OPTBENCH_RNG_IMPL_H

#include <math.h>
#include <stdint.h>

#ifdef __CUDACC__
#define RNG_FN static inline __host__ __device__
#else
#define RNG_FN static inline
#endif

/* The splitmix64 output function: a bijective 64-bit mixer. */
RNG_FN uint64_t rng_mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* The key of (seed, stream): the part of rng_bits_at that a pass over many
 * counters computes once. */
RNG_FN uint64_t rng_key(uint64_t seed, uint64_t stream) { return rng_mix64(rng_mix64(seed) ^ stream); }

/* rng_bits_at(seed, stream, counter) from key = rng_key(seed, stream). */
RNG_FN uint64_t rng_bits_keyed(uint64_t key, uint64_t counter) { return rng_mix64(key ^ counter); }

RNG_FN uint64_t rng_bits_at(uint64_t seed, uint64_t stream, uint64_t counter)
{
    return rng_bits_keyed(rng_key(seed, stream), counter);
}

RNG_FN double rng_uniform_at(uint64_t seed, uint64_t stream, uint64_t counter)
{
    return ((double)(rng_bits_at(seed, stream, counter) >> 11) + 0.5) * 0x1.0p-53;
}

RNG_FN double rng_normal_at(uint64_t seed, uint64_t stream, uint64_t counter)
{
    const double u1 = rng_uniform_at(seed, stream, 2 * counter);
    const double u2 = rng_uniform_at(seed, stream, 2 * counter + 1);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

#endif
