/* rng.c — counter-based generator built from the splitmix64 finaliser. */
#include "rng.h"

#include <math.h>

/* The splitmix64 output function: a bijective 64-bit mixer. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

uint64_t rng_bits(uint64_t seed, uint64_t stream, uint64_t counter)
{
    return mix64(mix64(mix64(seed) ^ stream) ^ counter);
}

double rng_uniform(uint64_t seed, uint64_t stream, uint64_t counter)
{
    return ((double)(rng_bits(seed, stream, counter) >> 11) + 0.5) * 0x1.0p-53;
}

double rng_normal(uint64_t seed, uint64_t stream, uint64_t counter)
{
    double u1 = rng_uniform(seed, stream, 2 * counter);
    double u2 = rng_uniform(seed, stream, 2 * counter + 1);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
