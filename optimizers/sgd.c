/* sgd.c — stochastic gradient descent with momentum, dampening, Nesterov
 * and coupled weight decay, as torch.optim.SGD. */
#include <math.h>
#include <stdio.h>

#include "optimizers/coef.h"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/optimizer.h"
#include "optimizers/update_impl.h"

enum { LR, MOMENTUM, DAMPENING, WEIGHT_DECAY, NESTEROV, STATE, N_HP };

static const ParamDef hparams[N_HP] = {
    {"lr", PARAM_REAL, 1e-3, 0, INFINITY, PARAM_LOG, NULL, "learning rate"},
    {"momentum", PARAM_REAL, 0, 0, 1, PARAM_HI_OPEN, NULL, "momentum factor"},
    {"dampening", PARAM_REAL, 0, 0, 1, 0, NULL, "dampening of the momentum update"},
    {"weight_decay", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "L2 penalty added to the gradient"},
    {"nesterov", PARAM_BOOL, 0, 0, 1, 0, NULL, "Nesterov momentum (needs momentum > 0, dampening 0)"},
    OPT_STATE_PARAM,
};

static int n_state(const double *hp) { return hp[MOMENTUM] != 0 ? 1 : 0; }

static int check(const double *hp, char *err, size_t errlen)
{
    if (hp[NESTEROV] != 0 && (hp[MOMENTUM] <= 0 || hp[DAMPENING] != 0)) {
        snprintf(err, errlen, "nesterov = 1 needs momentum > 0 and dampening = 0");
        return -1;
    }
    return 0;
}

static SgdCoef coef(const double *hp, long t, double lr)
{
    return (SgdCoef){
        .wd = (float)hp[WEIGHT_DECAY], .mom = (float)hp[MOMENTUM], .keep = (float)(1 - hp[DAMPENING]),
        .neg_lr = (float)-lr, .first = t == 1, .nesterov = hp[NESTEROV] != 0, .has_wd = (float)hp[WEIGHT_DECAY] != 0,
    };
}

/* One fused pass of sgd_update (update_impl.h); momentum 0 keeps no slot. */
OPT_CLONED static void step(const double *hp, const StateSlots *st, float *restrict p, const float *restrict g,
                 size_t n, long t, double lr)
{
    const SgdCoef c = coef(hp, t, lr);
    if (c.mom == 0) {
        OPT_FOR_EACH_WITH(c, i, n) p[i] = sgd_update(&c, 0, p[i], g[i], NULL);
        return;
    }
    OPT_STATE_LOOP(st, c, i, n, 1, p[i] = sgd_update(&c, 1, p[i], g[i], &S[0]));
}

#ifdef OPTBENCH_CUDA
static int step_cuda(const double *hp, const StateSlots *st, float *p, const float *g, size_t n, long t,
                     double lr)
{
    const SgdCoef c = coef(hp, t, lr);
    return sgd_cuda(&c, st, p, g, n);
}
#endif

const OptimizerDef opt_sgd = {
    .name = "sgd",
    .flops_per_param = 7,
    .summary = "SGD with momentum, dampening and Nesterov (torch.optim.SGD)",
    .hparams = hparams,
    .n_hparams = N_HP,
    .state_doc = "1 slot with momentum > 0, else none",
    .n_state = n_state,
    .check = check,
    .step_cpu = step,
#ifdef OPTBENCH_CUDA
    .step_cuda = step_cuda,
#endif
};
