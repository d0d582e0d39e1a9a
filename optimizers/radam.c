/* radam.c — RAdam (Liu et al. 2020): Adam whose adaptive step is scaled by
 * a variance rectification term once the approximated moving-average length
 * rho_t exceeds 5, and is plain bias-corrected momentum before; as
 * torch.optim.RAdam 1.13 (single-tensor path), coupled weight decay.
 * State slots: m, v. */
#include <math.h>

#include "optimizers/coef.h"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/optimizer.h"
#include "optimizers/update_impl.h"

enum { LR, BETA1, BETA2, EPS, WEIGHT_DECAY, STATE, N_HP };

static const ParamDef hparams[N_HP] = {
    {"lr", PARAM_REAL, 1e-3, 0, INFINITY, PARAM_LOG, NULL, "learning rate"},
    {"beta1", PARAM_REAL, 0.9, 0, 1, PARAM_HI_OPEN, NULL, "decay of the first moment"},
    {"beta2", PARAM_REAL, 0.999, 0, 1, PARAM_HI_OPEN, NULL, "decay of the second moment"},
    {"eps", PARAM_REAL, 1e-8, 0, INFINITY, PARAM_LO_OPEN | PARAM_LOG, NULL, "added to the root of v"},
    {"weight_decay", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "L2 penalty added to the gradient"},
    OPT_STATE_PARAM,
};

static int n_state(const double *hp) { (void)hp; return 2; }

/* The step's constants: the rectification test and term in double. */
static RadamCoef coef(const double *hp, long t, double lr)
{
    const double b2t = pow(hp[BETA2], (double)t), bc2 = 1 - b2t;
    const double rho_inf = 2 / (1 - hp[BETA2]) - 1, rho_t = rho_inf - 2 * (double)t * b2t / bc2;
    const int rectify = rho_t > 5;
    return (RadamCoef){
        .b1 = (float)hp[BETA1], .one_m_b1 = (float)(1 - hp[BETA1]),
        .b2 = (float)hp[BETA2], .one_m_b2 = (float)(1 - hp[BETA2]), .eps = (float)hp[EPS],
        .wd = (float)hp[WEIGHT_DECAY],
        .bc1 = (float)(1 - pow(hp[BETA1], (double)t)), .lr = (float)lr, .bc2_sqrt = (float)sqrt(bc2),
        .rect = rectify ? (float)sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                        : 0.0f,
        .rectify = rectify,
    };
}

/* One fused pass of radam_update (update_impl.h); each branch of the
 * rectification test has its own loop, so that each vectorises. */
static void step(const double *hp, float *const *state, float *restrict p, const float *restrict g,
                 size_t n, long t, double lr)
{
    const RadamCoef c = coef(hp, t, lr);
    float *restrict m = state[0];
    float *restrict v = state[1];
    if (c.rectify) {
        OPT_FOR_EACH_WITH(c, i, n) p[i] = radam_update(&c, 1, p[i], g[i], &m[i], &v[i]);
    } else {
        OPT_FOR_EACH_WITH(c, i, n) p[i] = radam_update(&c, 0, p[i], g[i], &m[i], &v[i]);
    }
}

#ifdef OPTBENCH_CUDA
static int step_cuda(const double *hp, const StateSlots *st, float *p, const float *g, size_t n, long t,
                     double lr)
{
    const RadamCoef c = coef(hp, t, lr);
    return radam_cuda(&c, st, p, g, n);
}
#endif

const OptimizerDef opt_radam = {
    .name = "radam",
    .flops_per_param = 18, /* d 2, m 3, v 4, m/bc1*lr 2, adaptive 4, rect 2, update 1 */
    .summary = "RAdam: Adam with variance rectification (torch.optim.RAdam)",
    .hparams = hparams,
    .n_hparams = N_HP,
    .state_doc = "2 slots",
    .n_state = n_state,
    .unsigned_slots = 2u, /* v */
    .step_cpu = step,
#ifdef OPTBENCH_CUDA
    .step_cuda = step_cuda,
#endif
};
