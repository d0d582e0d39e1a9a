/* opt_run.c — groups, state layout and dispatch of one optimizer over a
 * parameter buffer (opt_run.h). */
#include "optimizers/opt_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/device.h"
#include "harness/core/memory.h"
#include "harness/core/rng.h"
#include "optimizers/state.h"
#ifdef OPTBENCH_CUDA
#include "harness/core/cuda/harness_kernels.h"
#include "optimizers/cuda/tensor_steps.h"
#endif

/* Values of one low-precision tile (32 int8 blocks): its float32 slots stay
 * in L2, and a step's cost per call (its constants, its parallel region)
 * is spread over 8192 values. */
#define OPT_TILE (32 * STATE_BLOCK)

/* Bytes rounded up to a multiple of 16 (a slot region's alignment). */
static size_t pad16(size_t bytes) { return (bytes + 15) & ~(size_t)15; }

/* Bytes from one slot of n values in precision q to the next: the values,
 * then under int8 the absmax of each block. */
static size_t slot_stride(StatePrecision q, size_t n)
{
    return q == STATE_INT8 ? pad16(n) + pad16(sizeof(float) * state_blocks(n))
                           : pad16(state_slot_bytes(q, n));
}

/* Whether groups a and b have the same values and lr_scale. */
static int same_group(const OptRun *r, int a, int b)
{
    return r->lr_scale[a] == r->lr_scale[b] &&
           memcmp(r->hp[a], r->hp[b], (size_t)r->opt->n_hparams * sizeof(double)) == 0;
}

int opt_run_plan(OptRun *r, const OptimizerDef *opt, const ParamSet *hp, const TensorView *views, int n_views,
                 size_t n, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->opt = opt;
    r->views = views;
    r->n_views = n_views;
    r->n = n;
    size_t at = 0;
    if (opt->n_scalars > OPT_MAX_SCALARS) {
        snprintf(err, errlen, "%s keeps %d scalars per group, more than %d", opt->name, opt->n_scalars,
                 OPT_MAX_SCALARS);
        return -1;
    }
    for (int k = 0; k < n_views; k++) {
        if (views[k].offset != at) {
            snprintf(err, errlen, "tensor %s starts at %zu, not at %zu: the tensors must cover the buffer in order",
                     views[k].name, views[k].offset, at);
            return -1;
        }
        at += tensor_numel(&views[k]);
        r->has[views[k].role]++;
    }
    if (at != n) {
        snprintf(err, errlen, "the tensors hold %zu floats, the buffer %zu", at, n);
        return -1;
    }
    for (int g = 0; g < N_ROLES; g++) {
        params_group_values(hp, g, r->hp[g]);
        r->lr_scale[g] = params_group_num(hp, g, PARAM_LR_SCALE);
    }
    r->order = malloc((size_t)(n_views ? n_views : 1) * sizeof *r->order);
    r->state_at = malloc((size_t)(n_views ? n_views : 1) * sizeof *r->state_at);
    r->prec = malloc((size_t)(n_views ? n_views : 1) * sizeof *r->prec);
    r->tensors = malloc((size_t)(n_views ? n_views : 1) * sizeof *r->tensors);
    if (!r->order || !r->state_at || !r->prec || !r->tensors) {
        snprintf(err, errlen, "out of memory");
        opt_run_free(r);
        return -1;
    }
    int m = 0;
    for (int g = 0; g < N_ROLES; g++)
        for (int k = 0; k < n_views; k++)
            if ((int)views[k].role == g) r->order[m++] = k;
    if (opt->step_cpu) {
        r->flat = 1;
        r->flat_group = -1;
        for (int g = 0; g < N_ROLES; g++) {
            if (!r->has[g]) continue;
            if (r->flat_group < 0) r->flat_group = g;
            else if (!same_group(r, r->flat_group, g)) r->flat = 0;
        }
        if (r->flat_group < 0) r->flat_group = ROLE_VECTOR;
        r->flat_prec = optimizer_state_precision(opt, r->hp[r->flat_group]);
        if (r->flat_prec == STATE_INT8) r->flat = 0; /* each tensor chooses int8 or float32 by its size */
    }
    for (int k = 0; k < n_views; k++) {
        const TensorView *v = &views[k];
        const double *vh = r->hp[v->role];
        const size_t numel = tensor_numel(v);
        r->prec[k] = (unsigned char)state_for_tensor(optimizer_state_precision(opt, vh), numel);
        if (!opt->step_cpu && opt->n_state && opt->n_state(vh) == 0) r->prec[k] = STATE_FP32; /* nothing to store */
        r->state_at[k] = r->state_size;
        if (!opt->step_cpu && r->prec[k] != STATE_FP32) { /* a plugin's low-precision state: slots, as elementwise */
            const int ns = opt->n_state(vh);
            const size_t floats = opt->state_floats(vh, v);
            if (ns < 1 || ns > OPT_MAX_STATE || floats != (size_t)ns * numel) {
                char word[32];
                params_choice_word(STATE_CHOICES, r->prec[k], word, sizeof word);
                snprintf(err, errlen, "%s: state=%s needs state_streams arrays of numel floats (1 to %d): tensor %s "
                         "has %zu state floats for %d streams of %zu", opt->name, word, OPT_MAX_STATE, v->name, floats,
                         ns, numel);
                opt_run_free(r);
                return -1;
            }
        }
        if (!r->flat)
            r->state_size += opt->step_cpu || r->prec[k] != STATE_FP32
                                 ? (size_t)opt->n_state(vh) * slot_stride(r->prec[k], numel)
                                 : pad16(sizeof(float) * opt->state_floats(vh, v));
        if (opt->scratch_floats) {
            size_t s = opt->scratch_floats(vh, v);
            if (s > r->scratch_floats) r->scratch_floats = s;
        }
    }
    if (r->flat) r->state_size = (size_t)opt->n_state(r->hp[r->flat_group]) * slot_stride(r->flat_prec, n);
    int int8 = 0;
    for (int k = 0; k < n_views; k++) int8 |= r->prec[k] == STATE_INT8;
    if (int8 && !(r->table = malloc(2 * STATE_TABLE * sizeof *r->table))) {
        snprintf(err, errlen, "out of memory");
        opt_run_free(r);
        return -1;
    }
    for (int sign = 0; sign < 2; sign++) {
        r->zero_code[sign] = (unsigned char)state_int8_map(sign, r->code[sign]);
        if (int8) state_int8_table(r->code[sign], r->table + sign * STATE_TABLE);
    }
    opt_run_seed(r, 0);
    return 0;
}

void opt_run_seed(OptRun *r, uint64_t seed) { r->round_key = rng_key(seed, RNG_STREAM_ROUNDING); }

/* One run of stored state: the flat pass's whole buffer, or one tensor's slots. */
typedef struct {
    const TensorView *view; /* its tensor; NULL for the flat pass */
    StatePrecision prec; /* how its slots are stored */
    size_t n;            /* values per slot */
    size_t first;        /* the buffer index of its first value (bf16_sr's counter) */
    unsigned char *base; /* its first slot */
    int n_state;         /* its slots */
    int group;           /* the group whose values it steps with */
} Span;

/* The spans of an elementwise optimizer's state: the whole buffer when
 * the pass is flat, else one per tensor. */
static int n_spans(const OptRun *r) { return r->flat ? 1 : r->n_views; }

/* Span k of the n_spans(r) of the state at state. */
static Span span_of(const OptRun *r, unsigned char *state, int k)
{
    const TensorView *v = r->flat ? NULL : &r->views[k];
    const int g = v ? (int)v->role : r->flat_group;
    return (Span){
        .view = v,
        .prec = v ? (StatePrecision)r->prec[k] : (StatePrecision)r->flat_prec,
        .n = v ? tensor_numel(v) : r->n,
        .first = v ? v->offset : 0,
        .base = state + (v ? r->state_at[k] : 0),
        .n_state = r->opt->n_state(r->hp[g]),
        .group = g,
    };
}

/* Slot s of a span: its stored values, and under int8 its absmax per block. */
static unsigned char *slot_data(const Span *sp, int s) { return sp->base + (size_t)s * slot_stride(sp->prec, sp->n); }
static float *slot_absmax(const Span *sp, int s) { return (float *)(slot_data(sp, s) + pad16(sp->n)); }

/* The float32 slot pointers of a float32 span. */
static void float_slots(const Span *sp, float **slots)
{
    for (int s = 0; s < OPT_MAX_STATE; s++) slots[s] = s < sp->n_state ? (float *)slot_data(sp, s) : NULL;
}

/* The stored slots of a span as StateSlots (host pointers: the CPU pass;
 * device ones when state is the device's block), at step t. */
static StateSlots span_slots(const OptRun *r, const Span *sp, long t)
{
    StateSlots st = {
        .prec = sp->prec, .unsigned_slots = r->opt->unsigned_slots, .code = &r->code[0][0], .table = r->table,
        .zero_code = r->zero_code, .key = r->round_key, .t = t, .first = sp->first,
    };
    for (int s = 0; s < sp->n_state; s++) {
        st.data[s] = slot_data(sp, s);
        st.absmax[s] = sp->prec == STATE_INT8 ? slot_absmax(sp, s) : NULL;
    }
    return st;
}

/* One pass over a low-precision span, tile by tile: widen its slots
 * (state_widen_cpu), run the float32 step on the tile (p and g passed
 * through, so nothing n long is copied), store the new values back
 * (state_narrow_cpu); at t = 0 the initial state (init_state or
 * init_tensor from p, else zeros) instead of a step. Steps take this pass
 * under int8 only (bf16 and bf16_sr slots go to an elementwise step as
 * stored: span_step), and a plugin's under any low precision: its step,
 * tensor-aware, is handed each tile as a 1-D piece of the tensor, its
 * slots one after the other (include/optbench/plugin.h's promise), from
 * one thread. */
static void lowp_pass(OptRun *r, const Span *sp, float *p, const float *g, long t, double lr)
{
    const OptimizerDef *opt = r->opt;
    const double *hp = r->hp[sp->group];
    const StateSlots st = span_slots(r, sp, t);
    const OptGroup grp = {hp, lr, r->scalars[sp->group], r->scratch, NULL};
    const size_t tiles = (sp->n + OPT_TILE - 1) / OPT_TILE;
#pragma omp parallel for schedule(static) if (sp->n >= OPT_PARALLEL_MIN && opt->step_cpu)
    for (size_t k = 0; k < tiles; k++) {
        float tile[OPT_MAX_STATE * OPT_TILE];
        float *slots[OPT_MAX_STATE] = {0};
        const size_t a = k * OPT_TILE, len = sp->n - a < OPT_TILE ? sp->n - a : OPT_TILE;
        for (int s = 0; s < sp->n_state; s++) slots[s] = tile + (size_t)s * len;
        if (t == 0) memset(tile, 0, (size_t)sp->n_state * len * sizeof(float));
        TensorView piece; /* a tensor-aware step's 1-D piece of the tensor */
        if (!opt->step_cpu) {
            piece = *sp->view;
            piece.offset += a;
            piece.ndim = 1;
            piece.shape[0] = len;
        }
        OptTensor ot = {&piece, p + a, t > 0 ? g + a : NULL, tile};
        if (t > 0) {
            state_widen_cpu(&st, sp->n_state, a, len, slots);
            const StateSlots fs = state_slots_fp32(slots);
            if (opt->step_cpu) opt->step_cpu(hp, &fs, p + a, g + a, len, t, lr);
            else opt->step_tensors(&grp, &ot, 1, t);
        } else if (opt->init_state) {
            opt->init_state(hp, slots, len);
        } else if (opt->init_tensor) {
            opt->init_tensor(hp, &ot);
        }
        state_narrow_cpu(&st, sp->n_state, a, len, slots);
    }
}

int opt_run_alloc(OptRun *r, const float *p0)
{
    const OptimizerDef *opt = r->opt;
    if ((r->state_size && !(r->state = mem_alloc(r->state_size))) ||
        (r->scratch_floats && !(r->scratch = mem_alloc(r->scratch_floats * sizeof(float)))))
        return -1;
    if (r->state_size) memset(r->state, 0, r->state_size);
    float *slots[OPT_MAX_STATE];
    for (int k = 0; opt->step_cpu && k < n_spans(r); k++) {
        const Span sp = span_of(r, r->state, k);
        if (sp.prec != STATE_FP32) {
            lowp_pass(r, &sp, (float *)p0 + sp.first, NULL, 0, 0);
        } else if (opt->init_state) {
            float_slots(&sp, slots);
            opt->init_state(r->hp[sp.group], slots, sp.n);
        }
    }
    for (int k = 0; k < r->n_views && !opt->step_cpu; k++) {
        const TensorView *v = &r->views[k];
        if (r->prec[k] != STATE_FP32) { /* a plugin's low-precision state */
            const Span sp = span_of(r, r->state, k);
            lowp_pass(r, &sp, (float *)p0 + v->offset, NULL, 0, 0);
            continue;
        }
        if (!opt->init_tensor) continue;
        const OptTensor t = {v, (float *)p0 + v->offset, NULL, (float *)(r->state + r->state_at[k])};
        opt->init_tensor(r->hp[v->role], &t);
    }
    return 0;
}

/* The CPU step t of one span of an elementwise optimizer: int8 through
 * lowp_pass's tiles, every other precision on its stored slots. */
static void span_step(OptRun *r, const Span *sp, float *p, const float *g, long t, double lr)
{
    if (sp->prec == STATE_INT8) {
        lowp_pass(r, sp, p, g, t, lr);
        return;
    }
    const StateSlots st = span_slots(r, sp, t);
    r->opt->step_cpu(r->hp[sp->group], &st, p, g, sp->n, t, lr);
}

void opt_run_step(OptRun *r, float *p, const float *g, long t, const double *lr)
{
    const OptimizerDef *opt = r->opt;
    if (opt->step_cpu) {
        for (int k = 0; k < n_spans(r); k++) {
            const Span sp = span_of(r, r->state, k);
            span_step(r, &sp, p + sp.first, g + sp.first, t, lr[sp.group] * r->lr_scale[sp.group]);
        }
        return;
    }
    for (int m = 0, gr = 0; gr < N_ROLES; m += r->has[gr], gr++) {
        if (!r->has[gr]) continue;
        const OptGroup grp = {r->hp[gr], lr[gr] * r->lr_scale[gr], r->scalars[gr], r->scratch, NULL};
        int whole = 0; /* the group's tensors with float32 state, handed over together */
        for (int i = 0; i < r->has[gr]; i++) {
            const int k = r->order[m + i];
            const TensorView *v = &r->views[k];
            if (r->prec[k] != STATE_FP32) { /* a plugin's low-precision state: tile by tile */
                const Span sp = span_of(r, r->state, k);
                lowp_pass(r, &sp, p + v->offset, g + v->offset, t, grp.lr);
                continue;
            }
            r->tensors[m + whole++] = (OptTensor){v, p + v->offset, g + v->offset, (float *)(r->state + r->state_at[k])};
        }
        if (whole) opt->step_tensors(&grp, r->tensors + m, whole, t);
    }
}

void opt_run_swap_eval(OptRun *r, float *p)
{
    if (!r->opt->swap_eval) return;
    for (int k = 0; k < r->n_views; k++) {
        const TensorView *v = &r->views[k];
        const OptTensor t = {v, p + v->offset, NULL, (float *)(r->state + r->state_at[k])};
        r->opt->swap_eval(r->hp[v->role], &t);
    }
}

/* Exact state bytes of view k. */
static size_t view_state_bytes(const OptRun *r, int k)
{
    const TensorView *v = &r->views[k];
    if (!r->opt->step_cpu && r->prec[k] == STATE_FP32) return sizeof(float) * r->opt->state_floats(r->hp[v->role], v);
    const int g = r->flat ? r->flat_group : (int)v->role;
    return (size_t)r->opt->n_state(r->hp[g]) * state_slot_bytes((StatePrecision)r->prec[k], tensor_numel(v));
}

size_t opt_run_state_bytes(const OptRun *r)
{
    size_t bytes = 0;
    for (int k = 0; k < r->n_views; k++) bytes += view_state_bytes(r, k);
    return bytes;
}

size_t opt_run_group_state_bytes(const OptRun *r, int g)
{
    size_t bytes = 0;
    for (int k = 0; k < r->n_views; k++)
        if ((int)r->views[k].role == g) bytes += view_state_bytes(r, k);
    return bytes;
}

#ifdef OPTBENCH_CUDA
int opt_run_alloc_cuda(OptRun *r)
{
    if (r->opt->step_cpu) return 0;
    for (int g = 0; g < N_ROLES; g++)
        if (r->has[g] && optimizer_state_cpu_only(r->opt, r->hp[g])) {
            device_fail("%s keeps state other than fp32 on the CPU only", r->opt->name);
            return -1;
        }
    if (r->scratch_floats && !(r->dev_scratch = (float *)dev_alloc(r->scratch_floats * sizeof(float)))) return -1;
    return (r->dev_sums = (double *)dev_alloc((OPT_SUMS + REDUCE_SCRATCH) * sizeof(double))) ? 0 : -1;
}

int opt_run_step_cuda(OptRun *r, void *state, float *p, const float *g, long t, const double *lr)
{
    const OptimizerDef *opt = r->opt;
    unsigned char *block = state;
    for (int k = 0; opt->step_cuda && k < n_spans(r); k++) {
        const Span sp = span_of(r, block, k);
        const StateSlots st = span_slots(r, &sp, t);
        if (opt->step_cuda(r->hp[sp.group], &st, p + sp.first, g + sp.first, sp.n, t,
                           lr[sp.group] * r->lr_scale[sp.group]) != 0)
            return -1;
    }
    if (opt->step_cuda) return 0;
    for (int m = 0, gr = 0; gr < N_ROLES; m += r->has[gr], gr++) {
        if (!r->has[gr]) continue;
        const OptGroup grp = {r->hp[gr], lr[gr] * r->lr_scale[gr], r->scalars[gr], r->dev_scratch, r->dev_sums};
        for (int i = 0; i < r->has[gr]; i++) {
            const int k = r->order[m + i];
            const TensorView *v = &r->views[k];
            r->tensors[m + i] = (OptTensor){v, p + v->offset, g + v->offset, (float *)(block + r->state_at[k])};
        }
        if (opt->step_tensors_cuda(&grp, r->tensors + m, r->has[gr], t) != 0) return -1;
    }
    return 0;
}

int opt_run_swap_eval_cuda(OptRun *r, void *state, float *p)
{
    if (!r->opt->swap_eval_cuda) return 0;
    for (int k = 0; k < r->n_views; k++) {
        const TensorView *v = &r->views[k];
        const OptTensor t = {v, p + v->offset, NULL, (float *)((unsigned char *)state + r->state_at[k])};
        if (r->opt->swap_eval_cuda(r->hp[v->role], &t) != 0) return -1;
    }
    return 0;
}
#endif

void opt_run_free(OptRun *r)
{
    free(r->order);
    free(r->state_at);
    free(r->prec);
    free(r->table);
    free(r->tensors);
    mem_free(r->state);
    mem_free(r->scratch);
#ifdef OPTBENCH_CUDA
    dev_free(r->dev_scratch);
    dev_free(r->dev_sums);
#endif
    memset(r, 0, sizeof *r);
}
