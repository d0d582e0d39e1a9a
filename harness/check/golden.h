/* golden.h — golden update vectors: reading the files of tests/golden/,
 * replaying them through an optimizer's CPU or CUDA step, and writing new
 * ones from optbench's own steps (golden_write.c).
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
#include <stdint.h>
#include <stdio.h>

#include "harness/run/config.h"
#include "problems/problem.h"
#include "optimizers/opt_run.h"
#include "harness/core/params.h"

#define GOLDEN_TOL 1e-5
#define GOLDEN_MAX_TENSORS 64 /* most tensor lines of one file */
#define GOLDEN_MAX_BYTES ((size_t)64 << 20) /* largest golden file */
#define GOLDEN_MAX_N 100000000L    /* most parameters of a file */
#define GOLDEN_MAX_STEPS 100000L   /* most steps of a file */
#define GOLDEN_HPARAMS_MAX 1024    /* longest hparams text (every key of a table and group overrides) */

typedef struct {
    char optimizer[64];             /* optimizer name, as written */
    char hparams[GOLDEN_HPARAMS_MAX]; /* "k=v,..." as written */
    long opt_line, hp_line;         /* lines of the optimizer and hparams records (0: none) */
    const OptimizerDef *opt;        /* the optimizer that replays it: the file's, or another
                                       (golden_configure); NULL until configured */
    ParamSet hp;                    /* opt's hyperparameters, checked when configured */
    int flat;                       /* 1: no tensor lines (one vector "p" of n floats) */
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
    size_t n_bad;      /* values beyond GOLDEN_TOL (a NaN counts) */
    long first_step;   /* the first step with a value beyond GOLDEN_TOL (0: none) */
    size_t first_index; /* the lowest parameter index beyond it at that step */
    double first_err;  /* its scaled error */
    float first_got;   /* value computed there */
    float first_expected; /* value in the file */
} GoldenResult;

/* Reads a golden file and checks its optimizer, hyperparameters and
 * tensors; returns 0, or -1 with "file:line: ..." in err (an unknown
 * optimizer, key, group or role, a value out of range). golden_read and
 * golden_configure(g, NULL, ...). */
int golden_load(const char *path, Golden *g, char *err, size_t errlen);

/* Reads a golden file's records and tensors without looking up its
 * optimizer or hyperparameters; 0, or -1 with "file:line: ..." in err. */
int golden_read(const char *path, Golden *g, char *err, size_t errlen);

/* Sets the optimizer that replays g (path names the file in messages).
 * spec NULL: the file's own, with its hyperparameters. Else the optimizer
 * named by the spec "NAME[,key=value...]", with the file's hyperparameters
 * and then the spec's keys over them: a file key that NAME lacks is left
 * out when the file's optimizer is a known one and the value is that
 * optimizer's default (said in note, else note is ""); any other is an
 * error, as NAME cannot express the configuration. 0, or -1 with
 * "file:line: ..." in err. */
int golden_configure(Golden *g, const char *path, const char *spec, char *note, size_t notelen, char *err,
                     size_t errlen);

void golden_free(Golden *g);

/* Replays g through its optimizer's step on dev (cuda: the step runs on the
 * device; gradients go over and parameters come back each step), each group
 * at its own constant lr (lr x lr_scale). Returns 0 with the outcome in res,
 * or -1 with a message (no CUDA kernel, a CUDA error). */
int golden_check(const Golden *g, Device dev, GoldenResult *res, char *err, size_t errlen);

/* Folds the parameters p after step s (n floats; want: the file's) into
 * res: the worst error, the first value beyond the tolerance, the count. */
void golden_compare_step(GoldenResult *res, long s, const float *p, const float *want, size_t n);

/* Makes g one vector "p" of n floats, as a file without tensor lines. */
void golden_set_flat(Golden *g, size_t n);

/* Writes where parameter `index` of g lies, "w[2,5]" (tensor and position
 * in it), into buf. */
void golden_locate(const Golden *g, size_t index, char *buf, size_t len);

/* Plans the replay of opt at hp over g's tensors: the groups and state
 * layout in run and each group's constant lr (lr x lr_scale is applied by
 * the step) in lr[N_ROLES]. The one setup of the checker and the writer.
 * 0, or -1 with a message. */
int golden_plan(const Golden *g, OptRun *run, double *lr, char *err, size_t errlen);

/* Where the gradients of a written file come from. */
typedef struct {
    const ProblemDef *problem; /* NULL: synthetic gradients over the tensors of the Golden */
    const ParamSet *problem_opts; /* the problem's options */
    uint64_t seed;             /* seeds p0 and the synthetic gradients, or the problem's init and batches */
} GoldenSource;

/* Fills g's p0, gradients and parameters over g->steps steps of g->opt at
 * g->hp from src: synthetic (g's tensors and n set by the caller) or along
 * the problem's trajectory under that optimizer (its tensors replace g's):
 * step s's gradient is the problem's at the parameters after step s-1, on
 * minibatch s-1 of the seed. 0, or -1 with a message (the problem cannot be
 * made, a value is not finite, out of memory). */
int golden_make(Golden *g, const GoldenSource *src, char *err, size_t errlen);

/* Writes g in the file format (numbers %.9g), after a comment line of
 * `comment` (without its '#'); 0, or -1 when a write fails. */
int golden_write(FILE *f, const Golden *g, const char *comment);

/* Reads a --tensors list "NAME:ROLE:D1xD2,...", e.g.
 * "w:matrix:8x6,b:vector:6", into g's tensors and n; 0, or -1 with what
 * is wrong (the item and the rule) in err. */
int golden_parse_tensors(const char *text, Golden *g, char *err, size_t errlen);

#ifdef OPTBENCH_CUDA
/* golden_check's replay on the device (cuda/golden_cuda.c), from the host
 * parameters p and run's initialised host state, each group at its lr;
 * p holds the last step's parameters after it. 0, or -1 with the CUDA
 * error in err. */
int golden_replay_cuda(OptRun *run, const Golden *g, const double *lr, float *p, GoldenResult *res, char *err,
                       size_t errlen);
#endif

#endif
