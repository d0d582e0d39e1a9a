/* golden.h — golden update vectors: reading the files of tests/golden/ and
 * replaying them through an optimizer's CPU or CUDA step.
 *
 * File format (see tests/golden/README.md): `optimizer NAME`, `hparams
 * k=v,...` (GROUP.KEY for a parameter group), optionally `tensors K` and K
 * `tensor NAME ROLE D1 [D2 ...]` lines (absent: one vector of N floats),
 * `n N`, `steps S`, then `p0`, and per step `gS` and `pS` lines of N
 * numbers. A check passes when every parameter after every step is within
 * 1e-5 * (1 + |p|) of the file.
 */
#ifndef OPTBENCH_GOLDEN_H
#define OPTBENCH_GOLDEN_H

#include <stddef.h>

#include "harness/run/config.h"
#include "optimizers/opt_run.h"
#include "harness/core/params.h"

#define GOLDEN_TOL 1e-5
#define GOLDEN_MAX_TENSORS 64 /* most tensor lines of one file */
#define GOLDEN_MAX_BYTES ((size_t)64 << 20) /* largest golden file */

typedef struct {
    char optimizer[64];             /* optimizer name */
    char hparams[PARAM_TEXT_MAX];   /* "k=v,..." as written */
    ParamSet hp;                    /* the hyperparameters, checked at load */
    int n_tensors;                  /* tensors: the listed ones, else one vector of n */
    TensorView tensors[GOLDEN_MAX_TENSORS]; /* their names, shapes, roles and offsets */
    size_t n;                       /* parameters */
    long steps;                     /* steps recorded */
    float *p0;                      /* n initial parameters */
    float *grads;                   /* steps x n gradients, step-major */
    float *params;                  /* steps x n parameters after each step */
} Golden;

typedef struct {
    int ok;            /* 1 when every value is within tolerance */
    long worst_step;   /* step of the largest scaled error (1-based) */
    size_t worst_index; /* parameter index of it */
    double worst_err;  /* |got - expected| / (1 + |expected|) there */
    float got;         /* value computed there */
    float expected;    /* value in the file */
} GoldenResult;

/* Reads a golden file and checks its optimizer, hyperparameters and
 * tensors; returns 0, or -1 with "file:line: ..." in err (an unknown
 * optimizer, key, group or role, a value out of range). */
int golden_load(const char *path, Golden *g, char *err, size_t errlen);

void golden_free(Golden *g);

/* Replays g through its optimizer's step on dev (cuda: the step runs on the
 * device; gradients go over and parameters come back each step), each group
 * at its own constant lr (lr x lr_scale). Returns 0 with the outcome in res,
 * or -1 with a message (no CUDA kernel, a CUDA error). */
int golden_check(const Golden *g, Device dev, GoldenResult *res, char *err, size_t errlen);

/* Folds the parameters p after step s (n floats; want: the file's) into
 * res's worst error. */
void golden_compare_step(GoldenResult *res, long s, const float *p, const float *want, size_t n);

#ifdef OPTBENCH_CUDA
/* golden_check's replay on the device (cuda/golden_cuda.c), from the host
 * parameters p and run's initialised host state, each group at its lr;
 * p holds the last step's parameters after it. 0, or -1 with the CUDA
 * error in err. */
int golden_replay_cuda(OptRun *run, const Golden *g, const double *lr, float *p, GoldenResult *res, char *err,
                       size_t errlen);
#endif

#endif
