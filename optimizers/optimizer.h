/* optimizer.h — the optimizer interface and registry.
 *
 * An optimizer is a table entry: its hyperparameters (name, default, range),
 * how many float32 state slots it keeps, a CPU step and, in a CUDA build, a
 * CUDA step computing the same formulas (optimizers/cuda/). A step is a pure
 * function of (hyperparameters, state, params, grads, t, scheduled lr): it
 * makes one fused pass over flat arrays of n floats and touches nothing else.
 * The runner owns every buffer, the schedule, clipping and accumulation.
 *
 * Memory traffic: a step reads p, g and every state slot and writes p and
 * every state slot, once each (AdamW: 4 reads, 3 writes = 28 bytes per
 * parameter). optimizer_streams derives the counts from n_state; a new
 * optimizer that keeps to one fused pass needs no table entry for it.
 *
 * Legend: n = number of parameters; t = step index, starting at 1;
 * lr = learning rate after the schedule; hp = hyperparameter values in the
 * order of the optimizer's own table (ParamSet.num).
 */
#ifndef OPTBENCH_OPTIMIZER_H
#define OPTBENCH_OPTIMIZER_H

#include <stddef.h>

#include "harness/core/params.h"
#include "harness/core/spec.h"

#define OPT_MAX_STATE 3          /* most state slots of any optimizer */
#define OPT_PARALLEL_MIN 32768   /* below this many floats a step stays on one thread */

/* One parallel, vectorised pass over i in [0, n). */
#define OPT_FOR_EACH(i, n) \
    _Pragma("omp parallel for simd schedule(static) if ((n) >= OPT_PARALLEL_MIN)") \
    for (size_t i = 0; i < (n); i++)

/* The same pass with a private copy of c (a step's constants, coef.h) in each
 * thread, so that the loop body keeps its fields in registers. */
#define OPT_PRAGMA(text) _Pragma(#text)
#define OPT_FOR_EACH_WITH(c, i, n) \
    OPT_PRAGMA(omp parallel for simd schedule(static) firstprivate(c) if ((n) >= OPT_PARALLEL_MIN)) \
    for (size_t i = 0; i < (n); i++)

typedef void (*OptStepFn)(const double *hp, float *const *state, float *restrict p,
                          const float *restrict g, size_t n, long t, double lr);

/* The CUDA step: the same arguments, with state, p and g in device memory
 * (hp stays on the host). It launches one fused kernel on the default
 * stream and returns 0, or -1 with the reason in device_error(). */
typedef int (*OptStepCudaFn)(const double *hp, float *const *state, float *p, const float *g, size_t n,
                             long t, double lr);

typedef struct {
    const char *name;          /* registry name, as in specs and sweep files */
    const char *summary;       /* one line for `optbench optimizers` */
    const ParamDef *hparams;   /* hyperparameter table; the first entry is lr */
    int n_hparams;             /* entries in hparams */
    const char *state_doc;     /* how the slot count depends on hyperparameters */
    int (*n_state)(const double *hp);      /* state slots for these values */
    int (*check)(const double *hp, char *err, size_t errlen); /* cross-key rules, or NULL */
    void (*init_state)(const double *hp, float *const *state, size_t n); /* NULL: zeros */
    OptStepFn step_cpu;        /* the CPU step */
    OptStepCudaFn step_cuda;   /* the CUDA step; NULL when built without CUDA */
} OptimizerDef;

/* Every optimizer, in listing order; NULL-terminated. */
extern const OptimizerDef *const optimizer_registry[];

/* Looks up by name; NULL when unknown. */
const OptimizerDef *optimizer_find(const char *name);

/* Float32 streams of one step at hyperparameters hp: *reads arrays read
 * (p, g, every slot), *writes arrays written in place (p, every slot). */
void optimizer_streams(const OptimizerDef *opt, const double *hp, int *reads, int *writes);

/* Comma-separated list of every name, for error messages. */
const char *optimizer_names(void);

/* Fills out with the defaults of opt, then sets the given key=value pairs
 * of spec (its name is not looked at) and checks the cross-key rules. Returns 0, or -1 with a
 * one-line message in err naming the key and what is allowed. */
int optimizer_configure(const OptimizerDef *opt, const Spec *spec, ParamSet *out, char *err,
                        size_t errlen);

#endif
