/* problem.h — the problem interface and registry.
 *
 * A problem owns its data and scratch buffers; the runner owns parameters and
 * gradients: one contiguous float32 buffer each, which the problem describes
 * as named tensor views with roles (harness/core/tensor.h). Losses are
 * reduced in double.
 *
 * Legend: n_params = floats in the parameter buffer; batch = a counter that
 * names one minibatch (0, 1, 2, ...; step s with accumulation k uses
 * (s-1)*k .. (s-1)*k + k-1), so the data a step sees depends only on the seed.
 */
#ifndef OPTBENCH_PROBLEM_H
#define OPTBENCH_PROBLEM_H

#include <stddef.h>
#include <stdint.h>

#include "harness/core/params.h"
#include "problems/gemm.h"
#include "harness/core/tensor.h"

typedef struct Problem Problem;

/* The device twin of a problem (problems/cuda/problem_cuda.h). */
typedef struct ProblemCuda ProblemCuda;

typedef struct {
    const char *name;        /* registry name, as in specs and sweep files */
    const char *summary;     /* one line for `optbench problems` */
    const ParamDef *options; /* option table */
    int n_options;           /* entries in options */
    double default_target;   /* training loss that counts as reaching the target */
    double gradcheck_tol;    /* largest relative error gradcheck accepts */
    double gradcheck_step;   /* finite-difference step, relative to max(1, |p|) */
    /* Builds an instance from validated options; NULL with a message in err
     * when the options cannot be used (a missing file, say). */
    Problem *(*create)(const ParamSet *opts, char *err, size_t errlen);
    /* Writes the initial parameters for seed. */
    void (*init)(Problem *pb, float *params, uint64_t seed);
    /* Loss of minibatch `batch` at params; writes d loss / d params. */
    double (*loss_and_grad)(Problem *pb, const float *params, float *grads, uint64_t seed,
                            uint64_t batch);
    /* Optional (NULL: the loss loss_and_grad returns): the loss of minibatch
     * `batch` computed in double throughout, for gradcheck's differences. */
    double (*loss_ref)(Problem *pb, const float *params, uint64_t seed, uint64_t batch);
    /* Held-out loss and accuracy (NAN where it does not apply); returns 0,
     * or -1 when the problem has no held-out data. */
    int (*eval)(Problem *pb, const float *params, double *loss, double *accuracy);
    void (*destroy)(Problem *pb);
    /* ---- device ---- */
    const ProblemCuda *cuda;  /* the CUDA twin; NULL without one or built without CUDA */
    const char *no_cuda_why;  /* where cuda is NULL in a CUDA build: why (a problem without a
                                 twin and without a reason fails the CUDA tests) */
} ProblemDef;

/* The common head of every problem instance. */
#define PROBLEM_MAX_GEMMS 96 /* distinct matrix-product shapes of a problem (a classifier of
                                CLASSIFIER_MAX_LAYERS layers declares at most 94) */

/* A problem's arithmetic, counted from its shapes when it is created
 * (formulas in README.md, "FLOP accounting"): matrix products count
 * 2*M*N*K each, forward and backward as computed (a backward is twice the
 * forward, less the input gradient a first layer does not need). */
typedef struct {
    double forward;                       /* FLOPs of the forward pass of one minibatch */
    double backward;                      /* of its backward pass */
    double eval;                          /* of one held-out evaluation; 0 where none */
    int n_gemms;                          /* shapes in gemms */
    GemmShape gemms[PROBLEM_MAX_GEMMS];   /* the products of one forward and backward */
} ProblemFlops;

struct Problem {
    const ProblemDef *def;   /* the definition it was made from */
    size_t n_params;         /* floats in the parameter buffer */
    TensorView *views;       /* named tensors covering the buffer */
    int n_views;             /* entries in views */
    size_t activation_bytes; /* scratch held for forward/backward */
    ProblemFlops flops;      /* its arithmetic, filled by create */
};

/* Every problem, in listing order; NULL-terminated. */
extern const ProblemDef *const problem_registry[];

/* Looks up by name; NULL when unknown. */
const ProblemDef *problem_find(const char *name);

/* Comma-separated list of every name, for error messages. */
const char *problem_names(void);

#endif
