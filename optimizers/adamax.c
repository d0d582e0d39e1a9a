/* adamax.c — Adamax (Kingma and Ba 2015): Adam with the infinity norm
 * u = max(beta2*u, |g| + eps) in place of the second moment, as
 * torch.optim.Adamax 1.13 (single-tensor path), coupled weight decay.
 * State slots: m, u. */
#include <math.h>

#include "optimizers/coef.h"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/optimizer.h"
#include "optimizers/update_impl.h"

enum { LR, BETA1, BETA2, EPS, WEIGHT_DECAY, STATE, N_HP };

static const ParamDef hparams[N_HP] = {
    {"lr", PARAM_REAL, 2e-3, 0, INFINITY, PARAM_LOG, NULL, "learning rate"},
    {"beta1", PARAM_REAL, 0.9, 0, 1, PARAM_HI_OPEN, NULL, "decay of the first moment"},
    {"beta2", PARAM_REAL, 0.999, 0, 1, PARAM_HI_OPEN, NULL, "decay of the infinity norm"},
    {"eps", PARAM_REAL, 1e-8, 0, INFINITY, PARAM_LO_OPEN | PARAM_LOG, NULL, "added to |g| inside the max"},
    {"weight_decay", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "L2 penalty added to the gradient"},
    OPT_STATE_PARAM,
};

static int n_state(const double *hp) { (void)hp; return 2; }

static AdamaxCoef coef(const double *hp, long t, double lr)
{
    return (AdamaxCoef){
        .b1 = (float)hp[BETA1], .one_m_b1 = (float)(1 - hp[BETA1]), .b2 = (float)hp[BETA2],
        .eps = (float)hp[EPS], .wd = (float)hp[WEIGHT_DECAY],
        .neg_clr = (float)-(lr / (1 - pow(hp[BETA1], (double)t))),
    };
}

/* One fused pass of adamax_update (update_impl.h). */
static void step(const double *hp, float *const *state, float *restrict p, const float *restrict g,
                 size_t n, long t, double lr)
{
    const AdamaxCoef c = coef(hp, t, lr);
    float *restrict m = state[0];
    float *restrict u = state[1];
    OPT_FOR_EACH_WITH(c, i, n) p[i] = adamax_update(&c, p[i], g[i], &m[i], &u[i]);
}

#ifdef OPTBENCH_CUDA
static int step_cuda(const double *hp, const StateSlots *st, float *p, const float *g, size_t n, long t,
                     double lr)
{
    const AdamaxCoef c = coef(hp, t, lr);
    return adamax_cuda(&c, st, p, g, n);
}
#endif

const OptimizerDef opt_adamax = {
    .name = "adamax",
    .flops_per_param = 12, /* d 2, m 3, u 4, update 3 */
    .summary = "Adamax: Adam with the infinity norm (torch.optim.Adamax)",
    .hparams = hparams,
    .n_hparams = N_HP,
    .state_doc = "2 slots",
    .n_state = n_state,
    .unsigned_slots = 2u, /* u */
    .step_cpu = step,
#ifdef OPTBENCH_CUDA
    .step_cuda = step_cuda,
#endif
};
