/* record.h — what a run leaves behind: its status, its metrics rows and its
 * summary. The step loop (runner.h) writes them, the worker pool streams
 * them, the store (harness/store) files them and the commands print them;
 * they depend on nothing but the configuration.
 */
#ifndef OPTBENCH_RECORD_H
#define OPTBENCH_RECORD_H

#include "harness/core/tensor.h"
#include "harness/run/config.h"

#define RUN_ERROR_MAX ERRMSG_MAX /* room for a failure reason */

typedef enum {
    RUN_PENDING,  /* registered, not started */
    RUN_RUNNING,  /* handed to a worker */
    RUN_DONE,     /* every step ran */
    RUN_DIVERGED, /* stopped at a non-finite or exploding loss */
    RUN_FAILED,   /* stopped by an error (out of memory, device, crash) */
    RUN_TIMEOUT,  /* stopped by the sweep's timeout_s */
    RUN_PRUNED,   /* stopped early by the sweep's pruning rule */
} RunStatus;

/* Status as stored in the database ("done", ...). */
const char *run_status_name(RunStatus s);

/* The diagnostics of a logged step, each an L2 norm over every parameter. */
typedef enum {
    NORM_GRAD,         /* the step's gradient, before clipping */
    NORM_GRAD_CLIPPED, /* the gradient the update used, after clipping (the same without) */
    NORM_UPDATE,       /* ||p_after - p_before|| of the step's update */
    NORM_PARAM,        /* the parameters after the update */
    N_NORMS,
} RowNorm;

/* Column name of a norm in the metrics table ("grad_norm", ...). */
const char *row_norm_name(RowNorm which);

typedef struct {
    long step;            /* 1-based step */
    double loss;          /* training loss of that step's minibatch(es) */
    double eval_loss;     /* held-out loss, NAN when not evaluated */
    double eval_accuracy; /* held-out accuracy, NAN when not evaluated or not a classifier */
    double lr;            /* scheduled learning rate of the step */
    double elapsed;       /* training seconds from the start through this step (no eval time) */
    double norm[N_NORMS]; /* the step's diagnostics (RowNorm); NAN where not taken */
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

/* Every field unknown (NAN, -1), status failed, the target filled in. */
void run_summary_start(const RunConfig *cfg, RunSummary *out);

#endif
