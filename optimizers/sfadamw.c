/* sfadamw.c — schedule-free AdamW (Defazio et al. 2024, "The Road Less
 * Scheduled"), the reference form: the parameters hold y, where gradients
 * are taken; z is the base sequence, x the average that evaluation (and the
 * final score) uses, v the second moment. Per tensor 3 state slots z, v, x
 * (z = x = p0 at the start); per group the scalars lr_max and weight_sum.
 * Tensor-aware only for its per-group scalars: each tensor's update is
 * elementwise, sfadamw_update (optimizers/tensor_impl.h), which the CUDA
 * step (optimizers/cuda/sfadamw_cuda.cu) applies too. */
#include <math.h>
#include <string.h>

#include "optimizers/cuda/tensor_steps.h"
#include "optimizers/optimizer.h"
#include "optimizers/tensor_impl.h"

enum { LR, BETA1, BETA2, EPS, WEIGHT_DECAY, WARMUP_STEPS, R, WEIGHT_LR_POWER, STATE, N_HP };
enum { LR_MAX, WEIGHT_SUM, N_SCALARS }; /* the group's scalars */

static const ParamDef hparams[N_HP] = {
    {"lr", PARAM_REAL, 0.0025, 0, INFINITY, PARAM_LOG, NULL, "learning rate"},
    {"beta1", PARAM_REAL, 0.9, 0, 1, PARAM_HI_OPEN, NULL, "interpolation of y between x and z"},
    {"beta2", PARAM_REAL, 0.999, 0, 1, PARAM_HI_OPEN, NULL, "decay of the second moment"},
    {"eps", PARAM_REAL, 1e-8, 0, INFINITY, PARAM_LO_OPEN | PARAM_LOG, NULL, "added to the root"},
    {"weight_decay", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "weight decay, taken at y into z"},
    {"warmup_steps", PARAM_INT, 0, 0, 1e9, 0, NULL, "steps of linear lr warmup inside the optimizer"},
    {"r", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "power of the step in the averaging weight"},
    {"weight_lr_power", PARAM_REAL, 2, 0, INFINITY, 0, NULL, "power of lr_max in the averaging weight"},
    OPT_STATE_FP32_PARAM,
};

enum { Z, V, X, N_SLOTS }; /* slots of a tensor's state block, numel floats each */

static size_t state_floats(const double *hp, const TensorView *v)
{
    (void)hp;
    return N_SLOTS * tensor_numel(v);
}

static void init_tensor(const double *hp, const OptTensor *t)
{
    (void)hp;
    const size_t n = tensor_numel(t->view);
    memcpy(t->state + Z * n, t->p, n * sizeof(float));
    memcpy(t->state + X * n, t->p, n * sizeof(float));
}

/* The step's constants of a group, after its scalars are brought to step
 * t. lr_max starts at 0, not the reference's -1: lr_t is never negative, so
 * max(lr_max, lr_t) is the same from the first step on. */
static SfadamwCoef coef(const OptGroup *grp, long t)
{
    const double *hp = grp->hp;
    const double k = (double)(t - 1), warmup = hp[WARMUP_STEPS];
    const double sched = k < warmup ? (k + 1) / warmup : 1;
    const double lr_t = grp->lr * sched * sqrt(1 - pow(hp[BETA2], k + 1));
    double *sc = grp->scalars;
    if (lr_t > sc[LR_MAX]) sc[LR_MAX] = lr_t;
    const double weight = pow(k + 1, hp[R]) * pow(sc[LR_MAX], hp[WEIGHT_LR_POWER]);
    sc[WEIGHT_SUM] += weight;
    const double ckp1 = sc[WEIGHT_SUM] > 0 ? weight / sc[WEIGHT_SUM] : 0;
    return (SfadamwCoef){
        .b1 = (float)hp[BETA1], .one_m_b1 = (float)(1 - hp[BETA1]), .b2 = (float)hp[BETA2],
        .one_m_b2 = (float)(1 - hp[BETA2]), .eps = (float)hp[EPS], .lr = (float)lr_t,
        .decay = (float)(lr_t * hp[WEIGHT_DECAY]), .c = (float)ckp1, .one_m_c = (float)(1 - ckp1),
    };
}

static void step(const OptGroup *grp, OptTensor *tensors, int n_tensors, long t)
{
    const SfadamwCoef c = coef(grp, t);
    for (int j = 0; j < n_tensors; j++) {
        const size_t n = tensor_numel(tensors[j].view);
        float *restrict y = tensors[j].p, *restrict z = tensors[j].state + Z * n;
        float *restrict v = tensors[j].state + V * n, *restrict x = tensors[j].state + X * n;
        const float *restrict g = tensors[j].g;
        OPT_FOR_EACH_WITH(c, i, n) y[i] = sfadamw_update(&c, y[i], g[i], &z[i], &v[i], &x[i]);
    }
}

/* Exchanges y (the parameters) with x, where evaluation is taken. */
static void swap_eval(const double *hp, const OptTensor *t)
{
    (void)hp;
    const size_t n = tensor_numel(t->view);
    float *restrict p = t->p, *restrict x = t->state + X * n;
    OPT_FOR_EACH(i, n) {
        float tmp = p[i];
        p[i] = x[i];
        x[i] = tmp;
    }
}

#ifdef OPTBENCH_CUDA
/* The CUDA step: each tensor's pass through sfadamw_cuda (slots z, v, x). */
static int step_cuda(const OptGroup *grp, OptTensor *tensors, int n_tensors, long t)
{
    const SfadamwCoef c = coef(grp, t);
    for (int j = 0; j < n_tensors; j++)
        if (sfadamw_cuda(&c, tensors[j].p, tensors[j].g, tensors[j].state, tensor_numel(tensors[j].view)) != 0)
            return -1;
    return 0;
}

static int swap_eval_cuda(const double *hp, const OptTensor *t)
{
    (void)hp;
    const size_t n = tensor_numel(t->view);
    return swap_cuda(t->p, t->state + X * n, n);
}
#endif

const OptimizerDef opt_sfadamw = {
    .name = "sfadamw",
    .flops_per_param = 20,
    .summary = "schedule-free AdamW (reference form): trains at y, evaluates at the average x",
    .hparams = hparams,
    .n_hparams = N_HP,
    .state_doc = "3 floats per parameter (z, v, x) = 12 bytes/param",
    .state_floats = state_floats,
    .init_tensor = init_tensor,
    .n_scalars = N_SCALARS,
    .step_tensors = step,
    .swap_eval = swap_eval,
#ifdef OPTBENCH_CUDA
    .step_tensors_cuda = step_cuda,
    .swap_eval_cuda = swap_eval_cuda,
#endif
};
