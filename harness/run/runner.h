/* runner.h — one run from its config to its records.
 *
 * Step s (1-based) computes the loss and gradient at the parameters left by
 * s-1 updates, then clips, schedules the lr and applies update s. A metrics
 * row holds step s's loss; rows are written for steps 1, 1+k, 1+2k, ... and
 * the last, plus every evaluation step. Records (record.h) go to a sink as
 * they are made, so a worker can stream them to its parent.
 *
 * The loop is runner.c's alone; where the steps compute is a backend
 * (backend.h, private to this layer): backend_cpu.c, and cuda/runner_cuda.c
 * in a CUDA build.
 */
#ifndef OPTBENCH_RUNNER_H
#define OPTBENCH_RUNNER_H

#include <stddef.h>

#include "harness/run/config.h"
#include "harness/run/record.h"
#include "optimizers/opt_run.h"

/* Runs cfg on its device. Returns 0 with the outcome in out (done, diverged
 * or failed with a reason); never exits. */
int runner_run(const RunConfig *cfg, MetricSink sink, void *ctx, RunSummary *out);

/* Each group's scheduled lr of step s (the schedule applied to the group's
 * own lr, before its lr_scale) into lr[N_ROLES]. */
void run_group_lrs(const RunConfig *cfg, const OptRun *r, long s, double *lr);

/* The held-out loss and accuracy into row, taken at the optimizer's
 * evaluation point (schedule-free: x) on the CPU; the problem's eval's
 * return. */
int run_eval(const RunConfig *cfg, Problem *pb, OptRun *r, float *params, MetricRow *row);

/* Scales g to global L2 norm max_norm when it is larger (torch's
 * clip_grad_norm_: coef = max_norm / (norm + 1e-6)); returns the norm before.
 * The sum of norm_term (harness/core/norm_impl.h) is taken in double in
 * fixed chunks, each in index order, so that it does not depend on the
 * thread count. The CPU backend's clip; device twin: clip_grad_norm_cuda. */
double clip_grad_norm(float *g, size_t n, double max_norm);

/* A diagnosed step's norms (RowNorm) over n floats, in one pass: ||g|| into
 * norms[NORM_GRAD_CLIPPED], ||p - before|| into norms[NORM_UPDATE] and ||p||
 * into norms[NORM_PARAM], from the terms of harness/core/norm_impl.h. Each
 * sum is taken in double in fixed chunks, each chunk in NORM_LANES
 * interleaved partial sums added in lane order: the same bits on any thread
 * count, at about a third of the time of three passes in index order
 * (BENCHMARKS.md). Device twin: l2_norm_cuda. */
void step_norms(const float *g, const float *p, const float *before, size_t n, double *norms);

#endif
