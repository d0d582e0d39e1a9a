/* backend.h — where the steps of a run compute: the interface between the
 * one step loop (runner.c) and a device. Private to harness/run.
 *
 * The loop owns the order of a step and all its bookkeeping (divergence,
 * best loss, target, rows, evaluations, times); a backend owns the buffers
 * and the arithmetic. A step is queued as
 *     [snapshot] mark(START) loss_and_grad mark(GRAD) [clip] mark(CLIP) step mark(STEP) [diagnose]
 * into one of `ring` slots (snapshot and diagnose on the steps that get a
 * metrics row, outside the timed marks); the loop reads the losses of the queued steps
 * back (which waits for the device) when a step writes a row or evaluates,
 * and when the ring is full. The CPU backend computes each call at once
 * and has a ring of one; the CUDA backend queues on the default stream.
 * Neither calls back into the loop.
 *
 * Every call returns 0, or -1 with the reason in the backend's error().
 */
#ifndef OPTBENCH_BACKEND_H
#define OPTBENCH_BACKEND_H

#include "harness/run/record.h"
#include "optimizers/opt_run.h"

enum { MARK_START, MARK_GRAD, MARK_CLIP, MARK_STEP, N_MARKS }; /* instants of one step, in order */

typedef struct Backend Backend; /* one run's buffers on one device, private to its file */

typedef struct {
    const char *name; /* prefix of its failure messages ("CUDA"); NULL: the message alone */
    int ring;         /* steps that may be queued before their losses are read back */
    /* Allocates the buffers of a run of pb whose optimizer is planned in opt
     * (its state block not yet allocated; the loop owns and frees it). NULL
     * with the reason in err. */
    Backend *(*create)(const RunConfig *cfg, Problem *pb, OptRun *opt, char *err, size_t errlen);
    /* The seed's initial parameters and optimizer state, made on the host
     * (problem->init, opt_run_alloc) and put where the steps run. */
    int (*upload)(Backend *b);
    /* Notes the instant `which` (MARK_*) of the step in ring slot k. */
    int (*mark)(Backend *b, int k, int which);
    /* Loss and gradient of step s at the current parameters, averaged over
     * cfg->accum minibatches; its accum minibatch losses into slot k. */
    int (*loss_and_grad)(Backend *b, long s, int k);
    /* Scales the gradient to global norm max_norm when it is larger; the
     * norm before into slot k's NORM_GRAD. */
    int (*clip)(Backend *b, int k, double max_norm);
    /* Optimizer update s with each group's scheduled lr (lr[N_ROLES]). */
    int (*step)(Backend *b, long s, const double *lr);
    /* Keeps a copy of the parameters, before a step that diagnose follows. */
    int (*snapshot)(Backend *b);
    /* After that step's update, into slot k: the norms of the gradient it
     * used (NORM_GRAD_CLIPPED), of the parameters' change since snapshot
     * (NORM_UPDATE) and of the parameters (NORM_PARAM), each from the
     * shared terms of harness/core/norm_impl.h. */
    int (*diagnose)(Backend *b, int k);
    /* Waits for the steps queued in slots k0 .. k0+count-1 and copies their
     * minibatch losses (accum each) into losses[0 .. count*accum) and their
     * norms (N_NORMS each, RowNorm; what clip and diagnose left, else
     * anything) into norms[0 .. count*N_NORMS) unless norms is NULL. */
    int (*read_losses)(Backend *b, int k0, int count, double *losses, double *norms);
    /* Seconds between instants from and to of the step in slot k (after read_losses). */
    double (*seconds)(Backend *b, int k, int from, int to);
    /* Held-out loss and accuracy at the optimizer's evaluation point: 0, 1
     * when the problem has none, -1 on error. */
    int (*eval)(Backend *b, double *loss, double *accuracy);
    /* Folds the device memory figures into out (nothing on the CPU). */
    void (*memory)(Backend *b, RunSummary *out);
    /* After the last step of a run that did not fail: the backend's closing
     * figures into out (the CPU: its threads, the sgemm rate on the
     * problem's products and, for an optimizer with an evaluation point on
     * a problem without held-out data, the final loss at that point). */
    void (*finish)(Backend *b, RunSummary *out);
    /* The reason of the last failed call. */
    const char *(*error)(Backend *b);
    /* Frees every buffer (NULL is ignored). */
    void (*destroy)(Backend *b);
} RunBackend;

extern const RunBackend backend_cpu;  /* backend_cpu.c */
#ifdef OPTBENCH_CUDA
extern const RunBackend backend_cuda; /* cuda/runner_cuda.c */
#endif

#endif
