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

/* A problem instance made once by a command for all its runs of that
 * problem and options, so that its data is read once: the command finds a
 * file it cannot load as an input error before anything is written, and
 * its runs (in workers forked after, which share the instance's pages) do
 * not read the file again. Each run writes its own initial parameters, and
 * a problem's loss depends only on the parameters, seed and batch, so a
 * shared instance gives the bits a fresh one gives. */
struct LoadedProblem {
    const ProblemDef *def; /* what it was made from */
    Problem *pb;           /* the instance */
    size_t bytes;          /* what it holds through mem_alloc, counted in each run's peak */
    size_t load_peak;      /* the most its create held while loading (buffers it freed included): a
                              run's peak is at least this, as when the run made it itself */
};

/* Makes def with opts into *out: 0, or -1 with create's message in err. */
int loaded_problem_make(const ProblemDef *def, const ParamSet *opts, LoadedProblem *out, char *err, size_t errlen);

/* Frees the instance (a zeroed lp is fine). */
void loaded_problem_free(LoadedProblem *lp);

/* Runs cfg on its device, on cfg->loaded's instance when set (else on one
 * it makes and frees). Returns 0 with the outcome in out (done, diverged or
 * failed with a reason); never exits. out->peak_bytes counts the most bytes
 * the run held beyond what its caller held when it started, its problem's
 * included (and, for a loaded one, at least its load_peak). */
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
