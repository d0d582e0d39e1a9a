/* transformer_batch.h — the per-row and per-token rules of the transformer's
 * training minibatches (the tasks are described in transformer_tasks.c), as
 * inline functions that compile for the host and, under nvcc, for the
 * device: transformer_tasks.c fills batches with them on the host and the
 * CUDA twin (cuda/transformer_cuda.cu) on the device, so both see the same
 * tokens for a (seed, batch). Legend in transformer.h.
 */
#ifndef OPTBENCH_TRANSFORMER_BATCH_H
#define OPTBENCH_TRANSFORMER_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "harness/core/rng.h"
#include "harness/core/rng_impl.h"

/* The random bits that pick row r of minibatch `batch` (B rows each). */
RNG_FN uint64_t tf_row_bits(uint64_t seed, uint64_t batch, int B, int r)
{
    return rng_bits_at(seed, RNG_STREAM_BATCH, batch * (uint64_t)B + (uint64_t)r);
}

/* chars: where in the training text (train_len bytes) the window of T
 * inputs of a row drawn with bits starts. */
RNG_FN size_t tf_window_start(uint64_t bits, size_t train_len, int T)
{
    return (size_t)(bits % (uint64_t)(train_len - (size_t)T));
}

/* modadd: the input at position t (0, 1, 2) of the sequence "a b =" of pair
 * k = a*p + b, with its target in *target: (a + b) mod p at the last
 * position, -1 (no loss) before it. */
RNG_FN int32_t tf_pair_token(uint32_t k, int p, int t, int32_t *target)
{
    const int32_t a = (int32_t)(k / (uint32_t)p), b = (int32_t)(k % (uint32_t)p);
    *target = t == 2 ? (a + b) % p : -1;
    return t == 0 ? a : t == 1 ? b : p;
}

#endif
