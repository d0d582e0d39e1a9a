/* optimizer.h — the optimizer interface and registry.
 *
 * An optimizer is a table entry: its hyperparameters (name, default, range),
 * its state, a CPU step and, in a CUDA build, a CUDA step computing the same
 * formulas (optimizers/cuda/). The runner owns every buffer, the schedule,
 * clipping and accumulation; optimizers/opt_run.h resolves the parameter
 * groups, lays out the state and calls the steps. Two kinds of step:
 *
 * Elementwise (step_cpu): a pure function of (hyperparameters, state slots,
 * params, grads, t, scheduled lr) making one fused pass over flat arrays of
 * n floats, each slot n floats beside the parameters. When every parameter
 * group shares one set of values the pass covers the whole buffer at once;
 * else each tensor is passed with its group's values and its own slots.
 *
 * Tensor-aware (step_tensors): one call per parameter group and step with
 * the group's tensors (pointer, shape, role), its values, its scheduled lr
 * and its scalars (a plugin's low-precision tensor: one call per tile of
 * it, opt_run.c); each tensor has a state block of any size
 * (state_floats), e.g. adafactor's row and column factors. Its CUDA twin
 * (step_tensors_cuda) takes the same arguments in device memory; the
 * arithmetic both share is in optimizers/tensor_impl.h.
 *
 * Low-precision state: an elementwise optimizer with state puts the
 * `state` hyperparameter (OPT_STATE_PARAM of state.h) last in its table;
 * its step writes its loop with OPT_STATE_LOOP, which reads and stores
 * bf16 and bf16_sr slots in the pass itself; int8 slots (a block's absmax
 * needs the block's new values first) reach the step as float32 tiles that
 * opt_run.c widens and stores around it.
 *
 * Memory traffic: an elementwise step reads p, g and every state slot and
 * writes p and every state slot, once each (AdamW: 4 reads, 3 writes = 28
 * bytes per parameter in float32). optimizer_streams counts the bytes from
 * n_state and the state precision.
 *
 * Legend: n = number of parameters; t = step index, starting at 1;
 * lr = learning rate after the schedule (and the group's lr_scale);
 * hp = hyperparameter values in the order of the optimizer's own table
 * (ParamSet.num), a group's values where groups differ.
 */
#ifndef OPTBENCH_OPTIMIZER_H
#define OPTBENCH_OPTIMIZER_H

#include <assert.h>
#include <stddef.h>

#include "harness/core/clones.h"
#include "harness/core/params.h"
#include "harness/core/spec.h"
#include "harness/core/tensor.h"
#include "optimizers/state.h"

#define OPT_MAX_STATE STATE_MAX_SLOTS /* most state slots of any optimizer (3) */
#define OPT_MAX_SCALARS 4        /* most per-group scalars of any optimizer */
#define OPT_PARALLEL_MIN 32768   /* below this many floats a step stays on one thread */
#define OPT_MAX_ADDED 8          /* most optimizers added at run time (plugins, optimizers/plugin.h) */

/* The instruction sets of the CPU steps' loops (gcc's target_clones: the
 * loader picks AVX2 where the CPU has it; the build targets generic
 * x86-64). Never FMA: a contracted a*b+c rounds once, and every optimizer
 * value rounds as the float32 rule of update_impl.h (test_precision
 * compares the two compiles). One plain copy where clones are not allowed
 * (harness/core/clones.h). */
#define OPT_CLONES "avx2", "default"
#if CLONES_ALLOWED
#define OPT_CLONED __attribute__((target_clones(OPT_CLONES)))
#else
#define OPT_CLONED
#endif

/* One parallel, vectorised pass over i in [0, n). */
#define OPT_FOR_EACH(i, n) \
    _Pragma("omp parallel for simd schedule(static) if (parallel: (n) >= OPT_PARALLEL_MIN)") \
    for (size_t i = 0; i < (n); i++)

/* The same pass with a private copy of c (a step's constants, coef.h) in each
 * thread, so that the loop body keeps its fields in registers. */
#define OPT_PRAGMA(text) _Pragma(#text)
#define OPT_FOR_EACH_WITH(c, i, n) \
    OPT_PRAGMA(omp parallel for simd schedule(static) firstprivate(c) if (parallel: (n) >= OPT_PARALLEL_MIN)) \
    for (size_t i = 0; i < (n); i++)

/* A step's loop over i in [0, n) on the state slots st (OptStepFn): body
 * runs with S[k] the float32 value of the element's slot k, k < ns (a
 * constant: the slots this loop uses), read from the slot before body and
 * stored after it in the slot's precision (bf16_nearest, or bf16_stochastic
 * with the element's draws: state_impl.h), so that a low-precision step
 * reads and writes each stored value once, in the pass itself. One loop per
 * precision, each vectorised; the fp32 one is the loop over the float
 * slots themselves, bit for bit. */
#define OPT_STATE_LOOP(st, c, i, n, ns, body)                                                        \
    do {                                                                                             \
        void *const *opt_d_ = (st)->data;                                                            \
        if ((st)->prec == STATE_FP32) {                                                              \
            float *restrict opt_f0_ = opt_d_[0], *restrict opt_f1_ = opt_d_[1];                      \
            float *restrict opt_f2_ = opt_d_[2];                                                     \
            OPT_FOR_EACH_WITH(c, i, n) {                                                             \
                float S[OPT_MAX_STATE];                                                              \
                OPT_SLOTS_(ns, S[0] = opt_f0_[i], S[1] = opt_f1_[i], S[2] = opt_f2_[i]);             \
                body;                                                                                \
                OPT_SLOTS_(ns, opt_f0_[i] = S[0], opt_f1_[i] = S[1], opt_f2_[i] = S[2]);             \
            }                                                                                        \
            break;                                                                                   \
        }                                                                                            \
        uint16_t *restrict opt_h0_ = opt_d_[0], *restrict opt_h1_ = opt_d_[1];                       \
        uint16_t *restrict opt_h2_ = opt_d_[2];                                                      \
        if ((st)->prec == STATE_BF16) {                                                              \
            OPT_FOR_EACH_WITH(c, i, n) {                                                             \
                float S[OPT_MAX_STATE];                                                              \
                OPT_BF16_IN_(ns, i);                                                             \
                body;                                                                                \
                OPT_SLOTS_(ns, opt_h0_[i] = bf16_nearest(S[0]), opt_h1_[i] = bf16_nearest(S[1]),     \
                           opt_h2_[i] = bf16_nearest(S[2]));                                         \
            }                                                                                        \
            break;                                                                                   \
        }                                                                                            \
        assert((st)->prec == STATE_BF16_SR); /* int8 reaches a step as float32 tiles */              \
        const uint64_t opt_key_ = (st)->key;                                                         \
        const long opt_t_ = (st)->t;                                                                 \
        const size_t opt_first_ = (st)->first;                                                       \
        OPT_FOR_EACH_WITH(c, i, n) {                                                                 \
            float S[OPT_MAX_STATE];                                                                  \
            OPT_BF16_IN_(ns, i);                                                                 \
            body;                                                                                    \
            const uint64_t opt_r_ = state_round_bits(opt_key_, opt_t_, opt_first_ + i);              \
            OPT_SLOTS_(ns, opt_h0_[i] = bf16_stochastic(S[0], (uint32_t)opt_r_),                     \
                       opt_h1_[i] = bf16_stochastic(S[1], (uint32_t)(opt_r_ >> 16)),                 \
                       opt_h2_[i] = bf16_stochastic(S[2], (uint32_t)(opt_r_ >> 32)));                \
        }                                                                                            \
    } while (0)

/* S[k] of OPT_STATE_LOOP from bf16 slot k, k < ns (bf16 and bf16_sr alike). */
#define OPT_BF16_IN_(ns, i) \
    OPT_SLOTS_(ns, S[0] = bf16_widen(opt_h0_[i]), S[1] = bf16_widen(opt_h1_[i]), S[2] = bf16_widen(opt_h2_[i]))

/* The first ns of three statements (ns a constant). */
#define OPT_SLOTS_(ns, a, b, c) \
    do {                        \
        if ((ns) > 0) a;        \
        if ((ns) > 1) b;        \
        if ((ns) > 2) c;        \
    } while (0)

/* The CPU step: one fused pass over n values of p, g and the state slots
 * st (host pointers): float32, bf16 or bf16_sr as stored, each value
 * widened and rounded back in the step's own loop (OPT_STATE_LOOP); never
 * int8, whose slots reach it as float32 tiles (opt_run.c). */
typedef void (*OptStepFn)(const double *hp, const StateSlots *st, float *restrict p, const float *restrict g,
                          size_t n, long t, double lr);

/* The CUDA step: the same arguments, with the slots (in float32 or a low
 * precision: StateSlots of state_impl.h), p and g in device memory (hp
 * stays on the host). It launches one fused kernel on the default stream
 * and returns 0, or -1 with the reason in device_error(). */
typedef int (*OptStepCudaFn)(const double *hp, const StateSlots *st, float *p, const float *g, size_t n,
                             long t, double lr);

/* One tensor as a tensor-aware step sees it. */
typedef struct {
    const TensorView *view; /* name, shape and role */
    float *p;               /* its parameters (tensor_numel floats) */
    const float *g;         /* its gradient */
    float *state;           /* its state block: state_floats(hp, view) floats */
} OptTensor;

/* One parameter group as a tensor-aware step sees it. */
typedef struct {
    const double *hp; /* the group's values, in the order of the optimizer's table */
    double lr;        /* the group's scheduled lr, its lr_scale applied */
    double *scalars;  /* the group's per-run scalars: n_scalars doubles, zero at the start */
    float *scratch;   /* room for scratch_floats of the group's largest tensor */
    double *sums;     /* CUDA steps: OPT_SUMS result doubles (optimizers/cuda/tensor_steps.h),
                         then REDUCE_SCRATCH doubles of reduction scratch
                         (harness/core/cuda/harness_kernels.h), device memory; NULL on the CPU */
} OptGroup;

/* The tensor-aware CPU step of one group: its n tensors at step t. */
typedef void (*OptTensorStepFn)(const OptGroup *grp, OptTensor *tensors, int n, long t);

/* Its CUDA twin: the same arguments, with each tensor's p, g and state and
 * grp->scratch and grp->sums in device memory (grp->hp and grp->scalars
 * stay on the host). It queues its kernels and cuBLAS calls on the default
 * stream, copies nothing between host and device, and returns 0, or -1
 * with the reason in device_error(). */
typedef int (*OptTensorStepCudaFn)(const OptGroup *grp, OptTensor *tensors, int n, long t);

typedef struct {
    const char *name;          /* registry name, as in specs and sweep files */
    const char *summary;       /* one line for `optbench optimizers` */
    const ParamDef *hparams;   /* hyperparameter table; the first entry is lr */
    int n_hparams;             /* entries in hparams */
    const char *state_doc;     /* the state as a formula of the tensors and hyperparameters */
    double flops_per_param;    /* arithmetic of one step per parameter, as its update formula
                                  computes it (weight decay and momentum counted) */
    /* Optional: FLOPs of one step on tensor v beyond flops_per_param (the
     * matrix products of a tensor-aware step); NULL: none. */
    double (*tensor_flops)(const double *hp, const TensorView *v);
    int (*check)(const double *hp, char *err, size_t errlen); /* cross-key rules, or NULL */
    /* ---- elementwise optimizers ---- */
    int (*n_state)(const double *hp);      /* state slots for these values */
    unsigned unsigned_slots;   /* bit s set: slot s is never negative (int8 state takes the unsigned map);
                                  a plugin's unsigned_streams */
    void (*init_state)(const double *hp, float *const *state, size_t n); /* NULL: zeros */
    OptStepFn step_cpu;        /* the CPU step; NULL for a tensor-aware optimizer */
    OptStepCudaFn step_cuda;   /* the CUDA step; NULL when built without CUDA or without a kernel */
    /* ---- tensor-aware optimizers ---- */
    size_t (*state_floats)(const double *hp, const TensorView *v);   /* state of one tensor */
    size_t (*scratch_floats)(const double *hp, const TensorView *v); /* NULL: no scratch */
    void (*init_tensor)(const double *hp, const OptTensor *t);      /* NULL: zeros */
    int n_scalars;                /* per-group scalars (at most OPT_MAX_SCALARS) */
    OptTensorStepFn step_tensors; /* the CPU step of one group */
    OptTensorStepCudaFn step_tensors_cuda; /* its CUDA twin; NULL when built without CUDA */
    /* NULL: held-out evaluation is taken at the parameters. Else it
     * exchanges each tensor's parameters with the point evaluation is taken
     * at (schedule-free: x, while training runs at y); called once before
     * an evaluation and once after, it restores the parameters exactly. */
    void (*swap_eval)(const double *hp, const OptTensor *t);
    /* Its CUDA twin on device p and state (with swap_eval; NULL without
     * CUDA): queued on the default stream; 0, or -1 (device_error()). */
    int (*swap_eval_cuda)(const double *hp, const OptTensor *t);
    /* Where an optimizer added at run time comes from ("plugin PATH"); NULL for a built-in. */
    const char *origin;
} OptimizerDef;

/* Every built-in optimizer, in listing order; NULL-terminated. */
extern const OptimizerDef *const optimizer_registry[];

/* Optimizer i of the built-ins followed by those added (optimizer_add), in
 * listing order; NULL past the last. */
const OptimizerDef *optimizer_at(int i);

/* Looks up a built-in or added optimizer by name; NULL when unknown. */
const OptimizerDef *optimizer_find(const char *name);

/* 1 when opt has a CUDA step in this build (elementwise or tensor-aware). */
int optimizer_has_cuda(const OptimizerDef *opt);
/* Adds opt (which must outlive every use) to the optimizers that
 * optimizer_find and optimizer_at see. 0, or -1 with a message when its
 * name is taken or OPT_MAX_ADDED are added. */
int optimizer_add(const OptimizerDef *opt, char *err, size_t errlen);

/* The defaults of opt in a grouped set (GROUP.KEY accepted). */
void optimizer_defaults(const OptimizerDef *opt, ParamSet *out);

/* Checks the cross-key rules for the set-wide values and each group's;
 * 0, or -1 with a message naming the group. */
int optimizer_check(const OptimizerDef *opt, const ParamSet *hp, char *err, size_t errlen);

/* The state precision of values hp (STATE_FP32 for a table without the
 * `state` key). */
StatePrecision optimizer_state_precision(const OptimizerDef *opt, const double *hp);

/* Whether values hp keep state that only the CPU steps: a tensor-aware
 * optimizer's (a plugin's) state arrays in a precision other than fp32
 * (include/optbench/plugin.h; none kept at 0 arrays). */
int optimizer_state_cpu_only(const OptimizerDef *opt, const double *hp);

/* Traffic of one step on n values of one tensor at hyperparameters hp:
 * *reads arrays read (p, g, every slot), *writes arrays written in place
 * (p, every slot), and the bytes per parameter read and written (int8
 * slots with their absmax per block). */
void optimizer_streams(const OptimizerDef *opt, const double *hp, size_t n, int *reads, int *writes,
                       double *read_bytes, double *write_bytes);

/* FLOPs of one step over the tensors: flops_per_param for each parameter,
 * plus tensor_flops where the optimizer has it. */
double optimizer_step_flops(const OptimizerDef *opt, const double *hp, const TensorView *views, int n_views);

/* Comma-separated list of every name (built-in and added), for error
 * messages; valid until the next call. */
const char *optimizer_names(void);

/* Fills out with the defaults of opt, then sets the given key=value pairs
 * of spec (its name is not looked at; GROUP.KEY for a group) and checks the
 * cross-key rules. Returns 0, or -1 with a one-line message in err naming
 * the key and what is allowed. */
int optimizer_configure(const OptimizerDef *opt, const Spec *spec, ParamSet *out, char *err,
                        size_t errlen);

#endif
