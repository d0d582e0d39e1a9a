/* opt_run.h — one optimizer over the tensors of one parameter buffer: each
 * parameter group's values, the state laid out for them, and the step that
 * calls the optimizer's elementwise or tensor-aware step (optimizer.h). The
 * CPU and CUDA runners, the golden-vector check and bench share it.
 *
 * State layout, one block of state_size bytes, each slot's region padded
 * to 16 bytes:
 *   flat (an elementwise optimizer whose non-empty groups share one set of
 *   values, with a state precision other than int8): slot s of the whole
 *   buffer from byte s x stride, and a step is one pass over the buffer, as
 *   without groups;
 *   elementwise otherwise: tensor k holds its own n_state(its group) slots
 *   of numel values each from byte state_at[k];
 *   tensor-aware: tensor k's block of state_floats(its group, k) floats
 *   from byte state_at[k]; a plugin's low-precision tensor, n_state slots
 *   as an elementwise optimizer's (include/optbench/plugin.h).
 * A slot holds float32, bf16 or int8 values (prec, state.h); an int8 slot's
 * bytes are followed by one float32 absmax per block. The run's exact state
 * bytes are the sum of the slots' bytes without the padding (the few
 * per-group scalars, such as schedule-free's lr_max, are per run, like a
 * step count).
 */
#ifndef OPTBENCH_OPT_RUN_H
#define OPTBENCH_OPT_RUN_H

#include <stdint.h>

#include "optimizers/optimizer.h"

typedef struct {
    const OptimizerDef *opt;        /* the optimizer */
    const TensorView *views;        /* the tensors, covering the buffer in order */
    int n_views;                    /* entries in views */
    size_t n;                       /* floats in the buffer */
    double hp[N_ROLES][PARAMS_MAX]; /* each group's values, in table order */
    double lr_scale[N_ROLES];       /* each group's lr multiplier */
    int has[N_ROLES];               /* tensors in each group */
    int flat;                       /* 1: one elementwise pass over the buffer with group flat_group */
    int flat_group;                 /* the group whose values the flat pass uses */
    int *order;                     /* view indices grouped by role, in view order within a group */
    size_t *state_at;               /* per view: first byte of its state in the block */
    unsigned char *prec;            /* per view: the StatePrecision its slots are stored in */
    int flat_prec;                  /* the flat pass's StatePrecision */
    size_t state_size;              /* bytes of the state block, padding included */
    size_t scratch_floats;          /* scratch floats of the largest tensor */
    double scalars[N_ROLES][OPT_MAX_SCALARS]; /* each group's per-run scalars */
    uint64_t round_key;             /* rng_key(seed, RNG_STREAM_ROUNDING): bf16_sr's draws */
    float code[2][STATE_CODES];     /* int8 dynamic maps: [0] unsigned, [1] signed */
    unsigned char zero_code[2];     /* the index of 0 in each map */
    uint32_t *table;                /* int8: the CPU's search tables of map 0 then map 1 (state_int8_table),
                                       STATE_TABLE words each; NULL without int8 */
    OptTensor *tensors;             /* per view, in `order`: what a tensor-aware step is handed */
    unsigned char *state;           /* host state block (opt_run_alloc), NULL when none */
    float *scratch;                 /* host scratch (opt_run_alloc), NULL when none */
    float *dev_scratch;             /* device scratch of a CUDA run (opt_run_alloc_cuda), NULL when none */
    double *dev_sums;               /* device sums of a tensor-aware CUDA step (OptGroup.sums), or NULL */
} OptRun;

/* Resolves the groups of hp over views and lays out the state; allocates
 * only the small index tables. Returns 0, or -1 with a message in err (the
 * views do not cover the buffer in order). */
int opt_run_plan(OptRun *r, const OptimizerDef *opt, const ParamSet *hp, const TensorView *views, int n_views,
                 size_t n, char *err, size_t errlen);

/* Keys bf16_sr's rounding with the run's seed (plan: seed 0). */
void opt_run_seed(OptRun *r, uint64_t seed);

/* Allocates the host state block and scratch (counted allocator) and
 * initialises the state from the initial parameters p0. 0, or -1 when out
 * of memory. */
int opt_run_alloc(OptRun *r, const float *p0);

/* The CPU step t: lr[g] is group g's scheduled lr before its lr_scale
 * (the schedule applied to the group's own lr). */
void opt_run_step(OptRun *r, float *p, const float *g, long t, const double *lr);

/* Exchanges the parameters with the point evaluation is taken at, for an
 * optimizer that has one (twice restores them); else nothing. */
void opt_run_swap_eval(OptRun *r, float *p);

/* Exact state bytes of the run, and of group g's tensors. */
size_t opt_run_state_bytes(const OptRun *r);
size_t opt_run_group_state_bytes(const OptRun *r, int g);

#ifdef OPTBENCH_CUDA
/* Allocates what a tensor-aware CUDA step needs beside the state block:
 * the device scratch and sums (nothing for an elementwise optimizer). 0,
 * or -1 with the reason in device_error(), also when a plugin keeps
 * low-precision state (which runs on the CPU only). */
int opt_run_alloc_cuda(OptRun *r);

/* The CUDA step t with a device state block (state_size bytes, copied
 * from the host block after opt_run_alloc) and device p, g; 0, or -1 with
 * the reason in device_error(). A tensor-aware step updates the groups'
 * scalars on the host. */
int opt_run_step_cuda(OptRun *r, void *state, float *p, const float *g, long t, const double *lr);

/* opt_run_swap_eval on the device state block and device p; 0, or -1. */
int opt_run_swap_eval_cuda(OptRun *r, void *state, float *p);
#endif

/* Frees every buffer (a zeroed or freed OptRun is ignored). */
void opt_run_free(OptRun *r);

#endif
