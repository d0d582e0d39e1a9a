/* runner.h — one run from its config to its records.
 *
 * Step s (1-based) computes the loss and gradient at the parameters left by
 * s-1 updates, then clips, schedules the lr and applies update s. A metrics
 * row holds step s's loss; rows are written for steps 1, 1+k, 1+2k, ... and
 * the last, plus every evaluation step. Records go to a sink as they are
 * made, so a worker can stream them to its parent.
 */
#ifndef OPTBENCH_RUNNER_H
#define OPTBENCH_RUNNER_H

#include "harness/run/config.h"
#include "optimizers/opt_run.h"

#define RUN_ERROR_MAX ERRMSG_MAX /* room for a failure reason */

typedef enum {
    RUN_PENDING,
    RUN_RUNNING,
    RUN_DONE,
    RUN_DIVERGED,
    RUN_FAILED,
    RUN_TIMEOUT,
} RunStatus;

/* Status as stored in the database ("done", ...). */
const char *run_status_name(RunStatus s);

typedef struct {
    long step;            /* 1-based step */
    double loss;          /* training loss of that step's minibatch(es) */
    double eval_loss;     /* held-out loss, NAN when not evaluated */
    double eval_accuracy; /* held-out accuracy, NAN when not evaluated or not a classifier */
    double lr;            /* scheduled learning rate of the step */
    double elapsed;       /* training seconds from the start through this step (no eval time) */
} MetricRow;

typedef struct {
    RunStatus status;          /* done, diverged or failed */
    char error[RUN_ERROR_MAX]; /* why it failed or diverged; empty when done */
    long steps_done;           /* steps whose loss was computed */
    double first_loss;         /* loss of step 1 */
    double final_loss;         /* loss of the last step computed (an optimizer with an evaluation
                                  point, on a problem without held-out data: that loss at the point) */
    double best_loss;          /* lowest finite training loss */
    double eval_loss;          /* held-out loss at the end, NAN where none */
    double eval_accuracy;      /* held-out accuracy at the end, NAN where none */
    double target;             /* target loss used */
    long steps_to_target;      /* first step with loss <= target, -1 if never */
    double seconds_to_target;  /* training seconds to that step, NAN if never */
    long n_params;             /* floats in the parameter buffer */
    long param_bytes;          /* parameter buffer */
    long grad_bytes;           /* gradient buffer(s), accumulation scratch included */
    long state_bytes;          /* optimizer state, exact (the sum over tensors) */
    long group_params[N_ROLES];      /* floats of each parameter group */
    long group_state_bytes[N_ROLES]; /* optimizer state of each group's tensors */
    long activation_bytes;     /* problem scratch for forward/backward */
    long peak_bytes;           /* most bytes held through the harness allocator */
    long device_peak_bytes;    /* most bytes held through the device allocator; -1 on the CPU */
    long device_used_bytes;    /* most device memory in use (cudaMemGetInfo, every process); -1 on the CPU */
    long peak_rss;             /* peak resident set of the process, bytes */
    double fb_median, fb_p90;  /* forward+backward seconds per step */
    double opt_median, opt_p90; /* optimizer-step seconds per step */
    double step_median, step_p90; /* whole step (fb + clip + optimizer) */
    double wall_seconds;       /* from start of setup to the end */
    int threads;               /* OpenMP threads of a CPU run; 0 on a device */
    double flops_per_step;     /* FLOPs of one step: accum x (forward + backward) + the optimizer's */
    double flops_per_eval;     /* of one held-out evaluation; 0 where none */
    double gflops;             /* achieved: flops_per_step / step_median / 1e9 */
    double sgemm_gflops;       /* the machine's sgemm rate on the problem's own product shapes, on
                                  the run's threads, measured in the same process; NAN where the
                                  problem has no products or on a device */
} RunSummary;

/* Receives each metrics row as soon as it is made. */
typedef void (*MetricSink)(void *ctx, const MetricRow *row);

/* Runs cfg on its device. Returns 0 with the outcome in out (done, diverged
 * or failed with a reason); never exits. */
int runner_run(const RunConfig *cfg, MetricSink sink, void *ctx, RunSummary *out);

#ifdef OPTBENCH_CUDA
/* runner_run on the GPU (harness/cuda/runner_cuda.c). */
int runner_run_cuda(const RunConfig *cfg, MetricSink sink, void *ctx, RunSummary *out);
#endif

/* ---- bookkeeping shared by the CPU and CUDA step loops ---- */

/* Every field unknown (NAN, -1), status failed, the target filled in. */
void run_summary_start(const RunConfig *cfg, RunSummary *out);

/* The start shared by the CPU and device step loops: a fresh summary, the
 * memory peaks reset, and the problem built; NULL (with out->error set and
 * out->status failed) when it cannot be. */
Problem *runner_begin(const RunConfig *cfg, RunSummary *out);
/* Buffer sizes of a run of pb with the optimizer state of r. */
void run_summary_sizes(const RunConfig *cfg, const Problem *pb, const OptRun *r, RunSummary *out);
/* Each group's scheduled lr of step s (the schedule applied to the group's
 * own lr, before its lr_scale) into lr[N_ROLES]. */
void run_group_lrs(const RunConfig *cfg, const OptRun *r, long s, double *lr);
/* The held-out loss and accuracy into row, taken at the optimizer's
 * evaluation point (schedule-free: x); the problem's eval's return. */
int run_eval(const RunConfig *cfg, Problem *pb, OptRun *r, float *params, MetricRow *row);
/* Whether step s's loss ends the run (not finite, or above divergence_factor
 * x the first loss); step 1's loss becomes the first loss. */
int run_diverged(const RunConfig *cfg, RunSummary *out, long s, double loss);
/* Records step s's loss: steps done, final and best loss, time to target. */
void run_note_loss(RunSummary *out, long s, double loss, double elapsed);
/* Whether step s gets a metrics row, and whether it is evaluated. */
int run_row_due(const RunConfig *cfg, long s, int diverged);
int run_eval_due(const RunConfig *cfg, long s, int diverged);
/* Marks the run diverged at step s with the reason. */
void run_set_diverged(RunSummary *out, long s, double loss);
/* Medians and 90th percentiles of the steps done (reorders the arrays). */
void run_summary_times(RunSummary *out, double *fb, double *opt, double *step);

/* Scales g to global L2 norm max_norm when it is larger (torch's
 * clip_grad_norm_: coef = max_norm / (norm + 1e-6)); returns the norm before.
 * The sum is taken in fixed chunks in double, so it does not depend on the
 * thread count. */
double clip_grad_norm(float *g, size_t n, double max_norm);

#endif
