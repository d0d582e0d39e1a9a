/* bench.h — one optimizer step against the roofline: the fused CPU step of
 * an optimizer on n floats and, interleaved with it on buffers of its own,
 * the streaming kernel with the same read/write streams (roofline.h). */
#ifndef OPTBENCH_BENCH_H
#define OPTBENCH_BENCH_H

#include <stddef.h>

#include "optimizers/optimizer.h"

typedef struct {
    int reads;               /* arrays read per step (p, g, slots) */
    int writes;              /* arrays written per step (p, slots) */
    double read_bytes;       /* bytes read per parameter (slots in their precision, int8 absmax included) */
    double write_bytes;      /* bytes written per parameter */
    double bytes_per_param;  /* useful traffic: read_bytes + write_bytes */
    double step_seconds;     /* median seconds of one optimizer step */
    double roof_seconds;     /* median seconds of one streaming-kernel pass */
    double gbps;             /* n * bytes_per_param / step_seconds, in 1e9 B/s */
    double roof_gbps;        /* the same traffic / roof_seconds */
    double fraction;         /* gbps / roof_gbps */
} BenchResult;

/* Deterministic values in [-0.5, 0.5) from an index (a multiplicative
 * hash): the parameters (salt 1) and gradients (salt 2) of a measurement. */
float bench_value(size_t i, unsigned salt);

/* Measures opt at hyperparameters hp (lr is hp[0]) on n floats with
 * `threads` OpenMP threads: warmup untimed rounds, then `repeats` timed
 * rounds of one roofline pass and one step each; medians. Every buffer is
 * allocated and touched before timing. Returns 0, or -1 with a message. */
/* Fills out's times (medians of the repeats; reorders the arrays), useful
 * traffic and fraction of the streaming kernel from out->read_bytes and
 * write_bytes. */
void bench_summarise(double *step_t, double *roof_t, int repeats, size_t n, BenchResult *out);

int bench_optimizer(const OptimizerDef *opt, const ParamSet *hp, size_t n, int threads, int warmup,
                    int repeats, BenchResult *out, char *err, size_t errlen);

#ifdef OPTBENCH_CUDA
/* The same measurement on the GPU (harness/check/cuda/bench_cuda.c): the fused
 * CUDA step and the streaming kernel with the same streams
 * (roofline_pass_cuda), timed alternately with CUDA events on device
 * buffers; no thread count. */
int bench_optimizer_cuda(const OptimizerDef *opt, const ParamSet *hp, size_t n, int warmup, int repeats,
                         BenchResult *out, char *err, size_t errlen);
#endif

#endif
