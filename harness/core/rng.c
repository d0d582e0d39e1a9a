/* rng.c — the counter-based generator of rng.h (bodies in rng_impl.h). */
#include "harness/core/rng.h"

#include "harness/core/rng_impl.h"

uint64_t rng_bits(uint64_t seed, uint64_t stream, uint64_t counter) { return rng_bits_at(seed, stream, counter); }

double rng_uniform(uint64_t seed, uint64_t stream, uint64_t counter)
{
    return rng_uniform_at(seed, stream, counter);
}

double rng_normal(uint64_t seed, uint64_t stream, uint64_t counter)
{
    return rng_normal_at(seed, stream, counter);
}
