/* rmsprop.c — RMSprop, optionally centered and with momentum, as
 * torch.optim.RMSprop. State slots: v, then buf (momentum > 0), then ga
 * (centered). */
#include <math.h>

#include "optimizers/coef.h"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/optimizer.h"
#include "optimizers/update_impl.h"

enum { LR, ALPHA, EPS, WEIGHT_DECAY, MOMENTUM, CENTERED, STATE, N_HP };

static const ParamDef hparams[N_HP] = {
    {"lr", PARAM_REAL, 1e-2, 0, INFINITY, PARAM_LOG, NULL, "learning rate"},
    {"alpha", PARAM_REAL, 0.99, 0, 1, 0, NULL, "smoothing constant of the square average"},
    {"eps", PARAM_REAL, 1e-8, 0, INFINITY, PARAM_LO_OPEN | PARAM_LOG, NULL, "added to the root"},
    {"weight_decay", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "L2 penalty added to the gradient"},
    {"momentum", PARAM_REAL, 0, 0, 1, PARAM_HI_OPEN, NULL, "momentum factor"},
    {"centered", PARAM_BOOL, 0, 0, 1, 0, NULL, "normalise by the variance estimate"},
    OPT_STATE_PARAM,
};

static int n_state(const double *hp) { return 1 + (hp[MOMENTUM] > 0) + (hp[CENTERED] != 0); }

static RmspropCoef coef(const double *hp, double lr)
{
    return (RmspropCoef){
        .wd = (float)hp[WEIGHT_DECAY], .eps = (float)hp[EPS], .mom = (float)hp[MOMENTUM],
        .alpha = (float)hp[ALPHA], .one_m_alpha = (float)(1 - hp[ALPHA]), .neg_lr = (float)-lr,
        .has_wd = (float)hp[WEIGHT_DECAY] != 0, .has_mom = hp[MOMENTUM] > 0, .centered = hp[CENTERED] != 0,
    };
}

/* One fused pass of rmsprop_update (update_impl.h), one loop for each
 * choice of the slots (v, then buf with momentum, then ga when centered). */
OPT_CLONED static void step(const double *hp, const StateSlots *st, float *restrict p, const float *restrict g,
                 size_t n, long t, double lr)
{
    (void)t;
    const RmspropCoef c = coef(hp, lr);
    if (c.has_mom && c.centered)
        OPT_STATE_LOOP(st, c, i, n, 3, p[i] = rmsprop_update(&c, 1, 1, p[i], g[i], &S[0], &S[1], &S[2]));
    else if (c.has_mom)
        OPT_STATE_LOOP(st, c, i, n, 2, p[i] = rmsprop_update(&c, 1, 0, p[i], g[i], &S[0], &S[1], NULL));
    else if (c.centered)
        OPT_STATE_LOOP(st, c, i, n, 2, p[i] = rmsprop_update(&c, 0, 1, p[i], g[i], &S[0], NULL, &S[1]));
    else
        OPT_STATE_LOOP(st, c, i, n, 1, p[i] = rmsprop_update(&c, 0, 0, p[i], g[i], &S[0], NULL, NULL));
}

#ifdef OPTBENCH_CUDA
static int step_cuda(const double *hp, const StateSlots *st, float *p, const float *g, size_t n, long t,
                     double lr)
{
    (void)t;
    const RmspropCoef c = coef(hp, lr);
    return rmsprop_cuda(&c, st, p, g, n);
}
#endif

const OptimizerDef opt_rmsprop = {
    .name = "rmsprop",
    .flops_per_param = 11,
    .summary = "RMSprop, optionally centered, with momentum (torch.optim.RMSprop)",
    .hparams = hparams,
    .n_hparams = N_HP,
    .state_doc = "1 slot, +1 with momentum > 0, +1 when centered",
    .n_state = n_state,
    .unsigned_slots = 1u, /* v */
    .step_cpu = step,
#ifdef OPTBENCH_CUDA
    .step_cuda = step_cuda,
#endif
};
