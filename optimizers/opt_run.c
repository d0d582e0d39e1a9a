/* opt_run.c — groups, state layout and dispatch of one optimizer over a
 * parameter buffer (opt_run.h). */
#include "optimizers/opt_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/memory.h"
#ifdef OPTBENCH_CUDA
#include "harness/core/cuda/harness_kernels.h"
#include "harness/core/device.h"
#include "optimizers/cuda/tensor_steps.h"
#endif

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
    r->tensors = malloc((size_t)(n_views ? n_views : 1) * sizeof *r->tensors);
    if (!r->order || !r->state_at || !r->tensors) {
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
    }
    for (int k = 0; k < n_views; k++) {
        const TensorView *v = &views[k];
        const double *vh = r->hp[v->role];
        r->state_at[k] = r->flat ? v->offset : r->state_floats;
        if (!r->flat)
            r->state_floats += opt->step_cpu ? (size_t)opt->n_state(vh) * tensor_numel(v) : opt->state_floats(vh, v);
        if (opt->scratch_floats) {
            size_t s = opt->scratch_floats(vh, v);
            if (s > r->scratch_floats) r->scratch_floats = s;
        }
    }
    if (r->flat) r->state_floats = (size_t)opt->n_state(r->hp[r->flat_group]) * n;
    return 0;
}

/* The slot pointers of view k (flat: of the whole buffer when k < 0). */
static void slots_of(const OptRun *r, float *state, int k, float **slots)
{
    const TensorView *v = k >= 0 ? &r->views[k] : NULL;
    const int g = v ? (int)v->role : r->flat_group;
    const size_t stride = r->flat ? r->n : tensor_numel(v), base = k >= 0 ? r->state_at[k] : 0;
    const int n_state = r->opt->n_state(r->hp[g]);
    for (int s = 0; s < OPT_MAX_STATE; s++) slots[s] = s < n_state ? state + base + (size_t)s * stride : NULL;
}

int opt_run_alloc(OptRun *r, const float *p0)
{
    const OptimizerDef *opt = r->opt;
    if ((r->state_floats && !(r->state = mem_alloc(r->state_floats * sizeof(float)))) ||
        (r->scratch_floats && !(r->scratch = mem_alloc(r->scratch_floats * sizeof(float)))))
        return -1;
    float *slots[OPT_MAX_STATE];
    if (opt->step_cpu && opt->init_state && r->flat) {
        slots_of(r, r->state, -1, slots);
        opt->init_state(r->hp[r->flat_group], slots, r->n);
    }
    for (int k = 0; k < r->n_views; k++) {
        const TensorView *v = &r->views[k];
        if (opt->step_cpu && opt->init_state && !r->flat) {
            slots_of(r, r->state, k, slots);
            opt->init_state(r->hp[v->role], slots, tensor_numel(v));
        }
        if (!opt->step_cpu && opt->init_tensor) {
            const OptTensor t = {v, (float *)p0 + v->offset, NULL, r->state + r->state_at[k]};
            opt->init_tensor(r->hp[v->role], &t);
        }
    }
    return 0;
}

void opt_run_step(OptRun *r, float *p, const float *g, long t, const double *lr)
{
    const OptimizerDef *opt = r->opt;
    float *slots[OPT_MAX_STATE];
    if (r->flat) {
        const int fg = r->flat_group;
        slots_of(r, r->state, -1, slots);
        opt->step_cpu(r->hp[fg], slots, p, g, r->n, t, lr[fg] * r->lr_scale[fg]);
        return;
    }
    if (opt->step_cpu) {
        for (int k = 0; k < r->n_views; k++) {
            const TensorView *v = &r->views[k];
            slots_of(r, r->state, k, slots);
            opt->step_cpu(r->hp[v->role], slots, p + v->offset, g + v->offset, tensor_numel(v), t,
                          lr[v->role] * r->lr_scale[v->role]);
        }
        return;
    }
    for (int m = 0, gr = 0; gr < N_ROLES; m += r->has[gr], gr++) {
        if (!r->has[gr]) continue;
        const OptGroup grp = {r->hp[gr], lr[gr] * r->lr_scale[gr], r->scalars[gr], r->scratch, NULL};
        for (int i = 0; i < r->has[gr]; i++) {
            const TensorView *v = &r->views[r->order[m + i]];
            r->tensors[m + i] = (OptTensor){v, p + v->offset, g + v->offset, r->state + r->state_at[r->order[m + i]]};
        }
        opt->step_tensors(&grp, r->tensors + m, r->has[gr], t);
    }
}

void opt_run_swap_eval(OptRun *r, float *p)
{
    if (!r->opt->swap_eval) return;
    for (int k = 0; k < r->n_views; k++) {
        const TensorView *v = &r->views[k];
        const OptTensor t = {v, p + v->offset, NULL, r->state + r->state_at[k]};
        r->opt->swap_eval(r->hp[v->role], &t);
    }
}

size_t opt_run_state_bytes(const OptRun *r) { return r->state_floats * sizeof(float); }

size_t opt_run_group_state_bytes(const OptRun *r, int g)
{
    size_t floats = 0;
    for (int k = 0; k < r->n_views; k++) {
        const TensorView *v = &r->views[k];
        if ((int)v->role != g) continue;
        if (r->opt->step_cpu) floats += (size_t)r->opt->n_state(r->hp[r->flat ? r->flat_group : g]) * tensor_numel(v);
        else floats += r->opt->state_floats(r->hp[g], v);
    }
    return floats * sizeof(float);
}

#ifdef OPTBENCH_CUDA
int opt_run_alloc_cuda(OptRun *r)
{
    if (r->opt->step_cpu) return 0;
    if (r->scratch_floats && !(r->dev_scratch = (float *)dev_alloc(r->scratch_floats * sizeof(float)))) return -1;
    return (r->dev_sums = (double *)dev_alloc((OPT_SUMS + REDUCE_SCRATCH) * sizeof(double))) ? 0 : -1;
}

int opt_run_step_cuda(OptRun *r, float *state, float *p, const float *g, long t, const double *lr)
{
    const OptimizerDef *opt = r->opt;
    float *slots[OPT_MAX_STATE];
    if (r->flat) {
        const int fg = r->flat_group;
        slots_of(r, state, -1, slots);
        return opt->step_cuda(r->hp[fg], slots, p, g, r->n, t, lr[fg] * r->lr_scale[fg]);
    }
    if (opt->step_cuda) {
        for (int k = 0; k < r->n_views; k++) {
            const TensorView *v = &r->views[k];
            slots_of(r, state, k, slots);
            if (opt->step_cuda(r->hp[v->role], slots, p + v->offset, g + v->offset, tensor_numel(v), t,
                               lr[v->role] * r->lr_scale[v->role]) != 0)
                return -1;
        }
        return 0;
    }
    for (int m = 0, gr = 0; gr < N_ROLES; m += r->has[gr], gr++) {
        if (!r->has[gr]) continue;
        const OptGroup grp = {r->hp[gr], lr[gr] * r->lr_scale[gr], r->scalars[gr], r->dev_scratch, r->dev_sums};
        for (int i = 0; i < r->has[gr]; i++) {
            const TensorView *v = &r->views[r->order[m + i]];
            r->tensors[m + i] = (OptTensor){v, p + v->offset, g + v->offset, state + r->state_at[r->order[m + i]]};
        }
        if (opt->step_tensors_cuda(&grp, r->tensors + m, r->has[gr], t) != 0) return -1;
    }
    return 0;
}

int opt_run_swap_eval_cuda(OptRun *r, float *state, float *p)
{
    if (!r->opt->swap_eval_cuda) return 0;
    for (int k = 0; k < r->n_views; k++) {
        const TensorView *v = &r->views[k];
        const OptTensor t = {v, p + v->offset, NULL, state + r->state_at[k]};
        if (r->opt->swap_eval_cuda(r->hp[v->role], &t) != 0) return -1;
    }
    return 0;
}
#endif

void opt_run_free(OptRun *r)
{
    free(r->order);
    free(r->state_at);
    free(r->tensors);
    mem_free(r->state);
    mem_free(r->scratch);
#ifdef OPTBENCH_CUDA
    dev_free(r->dev_scratch);
    dev_free(r->dev_sums);
#endif
    memset(r, 0, sizeof *r);
}
