/* nadam.c — NAdam (Dozat 2016): Adam with Nesterov momentum through the
 * momentum schedule mu_t = beta1*(1 - 0.5*0.96^(t*momentum_decay)), as
 * torch.optim.NAdam 1.13 (single-tensor path), coupled weight decay.
 * State slots: m, v. The running product of the mu_t is per run, not per
 * parameter: it is a function of (beta1, momentum_decay, t). */
#include <math.h>

#include "optimizers/coef.h"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/optimizer.h"
#include "optimizers/update_impl.h"

enum { LR, BETA1, BETA2, EPS, WEIGHT_DECAY, MOMENTUM_DECAY, STATE, N_HP };

static const ParamDef hparams[N_HP] = {
    {"lr", PARAM_REAL, 2e-3, 0, INFINITY, PARAM_LOG, NULL, "learning rate"},
    {"beta1", PARAM_REAL, 0.9, 0, 1, PARAM_HI_OPEN, NULL, "decay of the first moment, scaled by the mu schedule"},
    {"beta2", PARAM_REAL, 0.999, 0, 1, PARAM_HI_OPEN, NULL, "decay of the second moment"},
    {"eps", PARAM_REAL, 1e-8, 0, INFINITY, PARAM_LO_OPEN | PARAM_LOG, NULL,
     "added to the root of the bias-corrected v"},
    {"weight_decay", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "L2 penalty added to the gradient"},
    {"momentum_decay", PARAM_REAL, 4e-3, 0, INFINITY, 0, NULL, "mu_t = beta1*(1 - 0.5*0.96^(t*momentum_decay))"},
    OPT_STATE_PARAM,
};

static int n_state(const double *hp) { (void)hp; return 2; }

/* The momentum schedule mu_t, in double. */
static double mu_at(const double *hp, long t)
{
    return hp[BETA1] * (1.0 - 0.5 * pow(0.96, (double)t * hp[MOMENTUM_DECAY]));
}

/* mu_1 * ... * mu_t as torch keeps it: a float32 scalar, each product
 * rounded. The product of a run is recomputed from its step; the last one
 * of this thread is remembered, so that the steps t = 1, 2, ... of a run cost
 * one multiplication each, and the loop stops once the product underflows
 * to 0 (every mu_t <= beta1 < 1), so that groups with different schedules
 * stepped in turn cost at most that many each. */
static float mu_product(const double *hp, long t)
{
    static _Thread_local struct {
        double beta1, momentum_decay; /* the schedule of the product below */
        long t;                       /* its last step; 0: the empty product */
        float product;                /* mu_1 * ... * mu_t in float32 */
    } last = {0, 0, 0, 1.0f};
    if (last.beta1 != hp[BETA1] || last.momentum_decay != hp[MOMENTUM_DECAY] || last.t > t) {
        last.beta1 = hp[BETA1];
        last.momentum_decay = hp[MOMENTUM_DECAY];
        last.t = 0;
        last.product = 1.0f;
    }
    for (; last.t < t && last.product != 0; last.t++) last.product *= (float)mu_at(hp, last.t + 1);
    if (last.product == 0) last.t = t; /* underflowed: 0 from here on */
    return last.product;
}

/* The step's constants; the two step sizes in double, as torch's Python
 * scalars, from the float32 products. As in torch 1.13, the product of the
 * momentum's step is mu_product * mu * mu_next with mu_product already
 * holding mu_t (torch 2.0 dropped the second mu); the golden vectors and the
 * torch trajectories check exactly this. */
static NadamCoef coef(const double *hp, long t, double lr)
{
    const double mu = mu_at(hp, t), mu_next = mu_at(hp, t + 1);
    const float prod = mu_product(hp, t), prod_next = prod * (float)mu * (float)mu_next;
    return (NadamCoef){
        .b1 = (float)hp[BETA1], .one_m_b1 = (float)(1 - hp[BETA1]),
        .b2 = (float)hp[BETA2], .one_m_b2 = (float)(1 - hp[BETA2]), .eps = (float)hp[EPS],
        .wd = (float)hp[WEIGHT_DECAY],
        .bc2 = (float)(1 - pow(hp[BETA2], (double)t)),
        .g_step = (float)(-lr * (1 - mu) / (1 - (double)prod)),
        .m_step = (float)(-lr * mu_next / (1 - (double)prod_next)),
    };
}

/* One fused pass of nadam_update (update_impl.h). */
static void step(const double *hp, float *const *state, float *restrict p, const float *restrict g,
                 size_t n, long t, double lr)
{
    const NadamCoef c = coef(hp, t, lr);
    float *restrict m = state[0];
    float *restrict v = state[1];
    OPT_FOR_EACH_WITH(c, i, n) p[i] = nadam_update(&c, p[i], g[i], &m[i], &v[i]);
}

#ifdef OPTBENCH_CUDA
static int step_cuda(const double *hp, const StateSlots *st, float *p, const float *g, size_t n, long t,
                     double lr)
{
    const NadamCoef c = coef(hp, t, lr);
    return nadam_cuda(&c, st, p, g, n);
}
#endif

const OptimizerDef opt_nadam = {
    .name = "nadam",
    .flops_per_param = 18, /* d 2, m 3, v 4, denom 3, two addcdiv 6 */
    .summary = "NAdam: Adam with a Nesterov momentum schedule (torch.optim.NAdam)",
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
