/* adam.c — Adam (coupled L2 weight decay) and AdamW (decoupled weight
 * decay), with AMSGrad, as torch.optim.Adam / torch.optim.AdamW.
 * State slots: m, v, then vmax with amsgrad. */
#include <math.h>

#include "optimizers/coef.h"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/optimizer.h"
#include "optimizers/update_impl.h"

enum { LR, BETA1, BETA2, EPS, WEIGHT_DECAY, AMSGRAD, STATE, N_HP };

/* The two tables differ only in the default of weight_decay. */
#define ADAM_HPARAMS(wd_default)                                                                    \
    {                                                                                               \
        {"lr", PARAM_REAL, 1e-3, 0, INFINITY, PARAM_LOG, NULL, "learning rate"},                    \
        {"beta1", PARAM_REAL, 0.9, 0, 1, PARAM_HI_OPEN, NULL, "decay of the first moment"},        \
        {"beta2", PARAM_REAL, 0.999, 0, 1, PARAM_HI_OPEN, NULL, "decay of the second moment"},     \
        {"eps", PARAM_REAL, 1e-8, 0, INFINITY, PARAM_LO_OPEN | PARAM_LOG, NULL,                     \
         "added to the bias-corrected root"},                                                      \
        {"weight_decay", PARAM_REAL, wd_default, 0, INFINITY, 0, NULL, "weight decay"},             \
        {"amsgrad", PARAM_BOOL, 0, 0, 1, 0, NULL, "use the running maximum of v"},                  \
        OPT_STATE_PARAM,                                                                            \
    }

static const ParamDef adam_hparams[N_HP] = ADAM_HPARAMS(0);
static const ParamDef adamw_hparams[N_HP] = ADAM_HPARAMS(1e-2);

static int n_state(const double *hp) { return 2 + (hp[AMSGRAD] != 0); }

/* The step's constants: decoupled selects AdamW's p *= (1 - lr*wd) over
 * Adam's g += wd*p; both are kept branch-free (a factor of 1, an added 0*p). */
static AdamCoef coef(const double *hp, long t, double lr, int decoupled)
{
    const double bc1 = 1 - pow(hp[BETA1], (double)t), bc2 = 1 - pow(hp[BETA2], (double)t);
    return (AdamCoef){
        .b1 = (float)hp[BETA1], .one_m_b1 = (float)(1 - hp[BETA1]),
        .b2 = (float)hp[BETA2], .one_m_b2 = (float)(1 - hp[BETA2]), .eps = (float)hp[EPS],
        .decay = decoupled ? (float)(1 - lr * hp[WEIGHT_DECAY]) : 1.0f,
        .wd_grad = decoupled ? 0.0f : (float)hp[WEIGHT_DECAY],
        .neg_step = (float)-(lr / bc1), .bc2_sqrt = (float)sqrt(bc2), .amsgrad = hp[AMSGRAD] != 0,
    };
}

/* One fused pass of adam_update (update_impl.h); amsgrad has its own loop,
 * so that each loop vectorises. */
OPT_CLONED static void adam_step(const double *hp, const StateSlots *st, float *restrict p,
                      const float *restrict g, size_t n, long t, double lr, int decoupled)
{
    const AdamCoef c = coef(hp, t, lr, decoupled);
    if (c.amsgrad)
        OPT_STATE_LOOP(st, c, i, n, 3, p[i] = adam_update(&c, 1, p[i], g[i], &S[0], &S[1], &S[2]));
    else
        OPT_STATE_LOOP(st, c, i, n, 2, p[i] = adam_update(&c, 0, p[i], g[i], &S[0], &S[1], NULL));
}

static void step_adam(const double *hp, const StateSlots *st, float *restrict p,
                      const float *restrict g, size_t n, long t, double lr)
{
    adam_step(hp, st, p, g, n, t, lr, 0);
}

static void step_adamw(const double *hp, const StateSlots *st, float *restrict p,
                       const float *restrict g, size_t n, long t, double lr)
{
    adam_step(hp, st, p, g, n, t, lr, 1);
}

#ifdef OPTBENCH_CUDA
static int step_adam_cuda(const double *hp, const StateSlots *st, float *p, const float *g, size_t n, long t,
                          double lr)
{
    const AdamCoef c = coef(hp, t, lr, 0);
    return adam_cuda(&c, st, p, g, n);
}

static int step_adamw_cuda(const double *hp, const StateSlots *st, float *p, const float *g, size_t n,
                           long t, double lr)
{
    const AdamCoef c = coef(hp, t, lr, 1);
    return adam_cuda(&c, st, p, g, n);
}
#endif

const OptimizerDef opt_adam = {
    .name = "adam",
    .flops_per_param = 16,
    .summary = "Adam with L2 weight decay and AMSGrad (torch.optim.Adam)",
    .hparams = adam_hparams,
    .n_hparams = N_HP,
    .state_doc = "2 slots, +1 with amsgrad",
    .n_state = n_state,
    .unsigned_slots = 6u, /* v and vmax */
    .step_cpu = step_adam,
#ifdef OPTBENCH_CUDA
    .step_cuda = step_adam_cuda,
#endif
};

const OptimizerDef opt_adamw = {
    .name = "adamw",
    .flops_per_param = 16,
    .summary = "AdamW: Adam with decoupled weight decay (torch.optim.AdamW)",
    .hparams = adamw_hparams,
    .n_hparams = N_HP,
    .state_doc = "2 slots, +1 with amsgrad",
    .n_state = n_state,
    .unsigned_slots = 6u, /* v and vmax */
    .step_cpu = step_adamw,
#ifdef OPTBENCH_CUDA
    .step_cuda = step_adamw_cuda,
#endif
};
