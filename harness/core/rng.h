/* rng.h — one seeded, counter-based random number generator.
 *
 * Every random number is a pure function of (seed, stream, counter), so a
 * parameter initialisation or a noise draw does not depend on the order in
 * which threads or devices ask for it. Streams keep independent uses apart.
 */
#ifndef OPTBENCH_RNG_H
#define OPTBENCH_RNG_H

#include <stdint.h>

/* Streams: one per use, so that adding a use never shifts another's draws. */
enum {
    RNG_STREAM_INIT = 1,     /* parameter initialisation */
    RNG_STREAM_NOISE = 2,    /* gradient noise (rosenbrock) */
    RNG_STREAM_BATCH = 3,    /* minibatch order */
    RNG_STREAM_SAMPLE = 4,   /* sampling for checks and searches */
    RNG_STREAM_SPLIT = 5,    /* the fixed train/test split of a dataset */
    RNG_STREAM_SCRAMBLE = 6, /* digit permutations of a scrambled Halton search */
    RNG_STREAM_BOOTSTRAP = 7, /* bootstrap resamples of a report's seed statistics */
    RNG_STREAM_ORDER = 8,    /* the order in which a pruned sweep runs its configurations */
    RNG_STREAM_GOLDEN = 9,   /* synthetic parameters and gradients of `optbench golden` */
    RNG_STREAM_ROUNDING = 10, /* stochastic rounding of optimizer state (state=bf16_sr) */
    RNG_STREAM_STUDY = 11,   /* the search seed of each study after the first */
};

/* 64 random bits for (seed, stream, counter). */
uint64_t rng_bits(uint64_t seed, uint64_t stream, uint64_t counter);

/* Uniform double in (0, 1). */
double rng_uniform(uint64_t seed, uint64_t stream, uint64_t counter);

/* Standard normal (Box–Muller over counters 2c and 2c+1). */
double rng_normal(uint64_t seed, uint64_t stream, uint64_t counter);

#endif
