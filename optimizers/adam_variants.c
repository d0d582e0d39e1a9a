/* adam_variants.c — three variants of Adam's two moments, each as its
 * torch.optim class of 1.13 (single-tensor path), with coupled weight
 * decay (an L2 penalty added to the gradient):
 *   NAdam (Dozat 2016): Nesterov momentum through the momentum schedule
 *     mu_t = beta1*(1 - 0.5*0.96^(t*momentum_decay)). The running product
 *     of the mu_t is per run, not per parameter: a function of (beta1,
 *     momentum_decay, t).
 *   RAdam (Liu et al. 2020): the adaptive step scaled by a variance
 *     rectification term once the approximated moving-average length rho_t
 *     exceeds 5, plain bias-corrected momentum before.
 *   Adamax (Kingma and Ba 2015): the infinity norm u = max(beta2*u,
 *     |g| + eps) in place of the second moment.
 * State slots: m, then v (Adamax: u), unsigned. Each has its step's
 * constants (coef.h), its fused CPU pass of the per-element update
 * (update_impl.h) and its CUDA kernel (optimizers/cuda/); the tables, the
 * CUDA entry and the registry entry are written once below. */
#include <math.h>

#include "optimizers/coef.h"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/optimizer.h"
#include "optimizers/update_impl.h"

enum { LR, BETA1, BETA2, EPS, WEIGHT_DECAY, MOMENTUM_DECAY /* NAdam's sixth */ };

/* The first five hyperparameters of each; lr's default and what the betas
 * and eps do differ. */
#define VARIANT_HPARAMS(lr_default, beta1_help, beta2_help, eps_help)                                \
    {"lr", PARAM_REAL, lr_default, 0, INFINITY, PARAM_LOG, NULL, "learning rate"},                  \
    {"beta1", PARAM_REAL, 0.9, 0, 1, PARAM_HI_OPEN, NULL, beta1_help},                              \
    {"beta2", PARAM_REAL, 0.999, 0, 1, PARAM_HI_OPEN, NULL, beta2_help},                            \
    {"eps", PARAM_REAL, 1e-8, 0, INFINITY, PARAM_LO_OPEN | PARAM_LOG, NULL, eps_help},              \
    {"weight_decay", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "L2 penalty added to the gradient"}

static const ParamDef nadam_hparams[] = {
    VARIANT_HPARAMS(2e-3, "decay of the first moment, scaled by the mu schedule", "decay of the second moment",
                    "added to the root of the bias-corrected v"),
    {"momentum_decay", PARAM_REAL, 4e-3, 0, INFINITY, 0, NULL, "mu_t = beta1*(1 - 0.5*0.96^(t*momentum_decay))"},
    OPT_STATE_PARAM,
};

static const ParamDef radam_hparams[] = {
    VARIANT_HPARAMS(1e-3, "decay of the first moment", "decay of the second moment", "added to the root of v"),
    OPT_STATE_PARAM,
};

static const ParamDef adamax_hparams[] = {
    VARIANT_HPARAMS(2e-3, "decay of the first moment", "decay of the infinity norm", "added to |g| inside the max"),
    OPT_STATE_PARAM,
};

static int n_state(const double *hp) { (void)hp; return 2; }

/* ---- NAdam ---- */

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
static NadamCoef nadam_coef(const double *hp, long t, double lr)
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
OPT_CLONED static void nadam_step(const double *hp, const StateSlots *st, float *restrict p, const float *restrict g,
                       size_t n, long t, double lr)
{
    const NadamCoef c = nadam_coef(hp, t, lr);
    OPT_STATE_LOOP(st, c, i, n, 2, p[i] = nadam_update(&c, p[i], g[i], &S[0], &S[1]));
}

/* ---- RAdam ---- */

/* The step's constants: the rectification test and term in double. */
static RadamCoef radam_coef(const double *hp, long t, double lr)
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
OPT_CLONED static void radam_step(const double *hp, const StateSlots *st, float *restrict p, const float *restrict g,
                       size_t n, long t, double lr)
{
    const RadamCoef c = radam_coef(hp, t, lr);
    if (c.rectify)
        OPT_STATE_LOOP(st, c, i, n, 2, p[i] = radam_update(&c, 1, p[i], g[i], &S[0], &S[1]));
    else
        OPT_STATE_LOOP(st, c, i, n, 2, p[i] = radam_update(&c, 0, p[i], g[i], &S[0], &S[1]));
}

/* ---- Adamax ---- */

static AdamaxCoef adamax_coef(const double *hp, long t, double lr)
{
    return (AdamaxCoef){
        .b1 = (float)hp[BETA1], .one_m_b1 = (float)(1 - hp[BETA1]), .b2 = (float)hp[BETA2],
        .eps = (float)hp[EPS], .wd = (float)hp[WEIGHT_DECAY],
        .neg_clr = (float)-(lr / (1 - pow(hp[BETA1], (double)t))),
    };
}

/* One fused pass of adamax_update (update_impl.h). */
OPT_CLONED static void adamax_step(const double *hp, const StateSlots *st, float *restrict p, const float *restrict g,
                        size_t n, long t, double lr)
{
    const AdamaxCoef c = adamax_coef(hp, t, lr);
    OPT_STATE_LOOP(st, c, i, n, 2, p[i] = adamax_update(&c, p[i], g[i], &S[0], &S[1]));
}

/* ---- the CUDA steps and the registry's entries ---- */

#ifdef OPTBENCH_CUDA
/* ID_step_cuda: ID_cuda (optimizers/cuda/ID_cuda.cu) with ID_coef's constants. */
#define VARIANT_STEP_CUDA(id, Coef)                                                                     \
    static int id##_step_cuda(const double *hp, const StateSlots *st, float *p, const float *g, size_t n,   \
                              long t, double lr)                                                        \
    {                                                                                                   \
        const Coef c = id##_coef(hp, t, lr);                                                            \
        return id##_cuda(&c, st, p, g, n);                                                              \
    }
#define VARIANT_CUDA_ENTRY(id) .step_cuda = id##_step_cuda,
VARIANT_STEP_CUDA(nadam, NadamCoef)
VARIANT_STEP_CUDA(radam, RadamCoef)
VARIANT_STEP_CUDA(adamax, AdamaxCoef)
#else
#define VARIANT_CUDA_ENTRY(id)
#endif

/* opt_ID: the registry's entry of optimizer ID, two slots with the second unsigned. */
#define VARIANT_DEF(id, flops, summary_)                                                                \
    const OptimizerDef opt_##id = {                                                                     \
        .name = #id,                                                                                    \
        .flops_per_param = flops,                                                                       \
        .summary = summary_,                                                                            \
        .hparams = id##_hparams,                                                                        \
        .n_hparams = sizeof id##_hparams / sizeof id##_hparams[0],                                      \
        .state_doc = "2 slots",                                                                         \
        .n_state = n_state,                                                                             \
        .unsigned_slots = 2u,                                                                           \
        .step_cpu = id##_step,                                                                          \
        VARIANT_CUDA_ENTRY(id)                                                                          \
    }

/* flops per parameter: d 2, m 3, v 4, denom 3, two addcdiv 6 */
VARIANT_DEF(nadam, 18, "NAdam: Adam with a Nesterov momentum schedule (torch.optim.NAdam)");
/* d 2, m 3, v 4, m/bc1*lr 2, adaptive 4, rect 2, update 1 */
VARIANT_DEF(radam, 18, "RAdam: Adam with variance rectification (torch.optim.RAdam)");
/* d 2, m 3, u 4, update 3 */
VARIANT_DEF(adamax, 12, "Adamax: Adam with the infinity norm (torch.optim.Adamax)");
