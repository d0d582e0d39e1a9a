/* lion.c — Lion (Chen et al. 2023, "Symbolic Discovery of Optimization
 * Algorithms"): the paper's two-beta form with decoupled or L2 weight
 * decay, and the widely copied single-beta L2 form as its own entry
 * (lion_l2), which is lion with beta1 = beta2 = beta and wd_mode l2.
 * State slot: m. */
#include <math.h>

#include "optimizers/coef.h"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/optimizer.h"
#include "optimizers/update_impl.h"

enum { LR, BETA1, BETA2, WEIGHT_DECAY, WD_MODE, STATE, N_HP };
enum { WD_DECOUPLED, WD_L2 };

static const ParamDef hparams[N_HP] = {
    {"lr", PARAM_REAL, 1e-4, 0, INFINITY, PARAM_LOG, NULL, "learning rate (3-10x below AdamW's)"},
    {"beta1", PARAM_REAL, 0.9, 0, 1, PARAM_HI_OPEN, NULL, "interpolation of the update direction"},
    {"beta2", PARAM_REAL, 0.99, 0, 1, PARAM_HI_OPEN, NULL, "decay of the momentum"},
    {"weight_decay", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "weight decay (3-10x above AdamW's)"},
    {"wd_mode", PARAM_CHOICE, WD_DECOUPLED, 0, 1, 0, "decoupled|l2",
     "decoupled: p *= 1 - lr*wd; l2: g += wd*p"},
    OPT_STATE_PARAM,
};

static int n_state(const double *hp) { (void)hp; return 1; }

/* The step's constants shared by both entries, branch-free (a decay factor
 * of 1, an added 0*p). */
static LionCoef coef(double lr, double beta1, double beta2, double wd, int l2)
{
    return (LionCoef){
        .b1 = (float)beta1, .one_m_b1 = (float)(1 - beta1), .b2 = (float)beta2, .one_m_b2 = (float)(1 - beta2),
        .wd_grad = l2 ? (float)wd : 0.0f, .decay = l2 ? 1.0f : (float)(1 - lr * wd), .neg_lr = (float)-lr,
    };
}

/* One fused pass of lion_update (update_impl.h). */
OPT_CLONED static void lion_pass(const LionCoef *coefs, const StateSlots *st, float *restrict p,
                                 const float *restrict g, size_t n)
{
    const LionCoef c = *coefs;
    OPT_STATE_LOOP(st, c, i, n, 1, p[i] = lion_update(&c, p[i], g[i], &S[0]));
}

/* The paper's form: two betas, wd_mode decoupled or l2. */
static LionCoef paper_coef(const double *hp, double lr)
{
    return coef(lr, hp[BETA1], hp[BETA2], hp[WEIGHT_DECAY], hp[WD_MODE] == WD_L2);
}

static void step(const double *hp, const StateSlots *st, float *restrict p, const float *restrict g,
                 size_t n, long t, double lr)
{
    (void)t;
    const LionCoef c = paper_coef(hp, lr);
    lion_pass(&c, st, p, g, n);
}

#ifdef OPTBENCH_CUDA
static int step_cuda(const double *hp, const StateSlots *st, float *p, const float *g, size_t n, long t,
                     double lr)
{
    (void)t;
    const LionCoef c = paper_coef(hp, lr);
    return lion_cuda(&c, st, p, g, n);
}
#endif

const OptimizerDef opt_lion = {
    .name = "lion",
    .flops_per_param = 11,
    .summary = "Lion, the paper's form: sign of interpolated momentum, two betas",
    .hparams = hparams,
    .n_hparams = N_HP,
    .state_doc = "1 slot",
    .n_state = n_state,
    .step_cpu = step,
#ifdef OPTBENCH_CUDA
    .step_cuda = step_cuda,
#endif
};

enum { SB_LR, SB_BETA, SB_WEIGHT_DECAY, SB_STATE, SB_N_HP };

static const ParamDef single_beta_hparams[SB_N_HP] = {
    {"lr", PARAM_REAL, 1e-4, 0, INFINITY, PARAM_LOG, NULL, "learning rate"},
    {"beta", PARAM_REAL, 0.9, 0, 1, PARAM_HI_OPEN, NULL, "decay of the momentum"},
    {"weight_decay", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "L2 penalty added to the gradient"},
    OPT_STATE_PARAM,
};

/* The single-beta form: beta1 = beta2 = beta, wd_mode l2. */
static LionCoef single_beta_coef(const double *hp, double lr)
{
    return coef(lr, hp[SB_BETA], hp[SB_BETA], hp[SB_WEIGHT_DECAY], 1);
}

static void step_single_beta(const double *hp, const StateSlots *st, float *restrict p,
                             const float *restrict g, size_t n, long t, double lr)
{
    (void)t;
    const LionCoef c = single_beta_coef(hp, lr);
    lion_pass(&c, st, p, g, n);
}

#ifdef OPTBENCH_CUDA
static int step_single_beta_cuda(const double *hp, const StateSlots *st, float *p, const float *g, size_t n,
                                 long t, double lr)
{
    (void)t;
    const LionCoef c = single_beta_coef(hp, lr);
    return lion_cuda(&c, st, p, g, n);
}
#endif

const OptimizerDef opt_lion_l2 = {
    .name = "lion_l2",
    .flops_per_param = 11,
    .summary = "Lion's single-beta variant: m = b*m + (1-b)*(g + wd*p); p -= lr*sign(m)",
    .hparams = single_beta_hparams,
    .n_hparams = SB_N_HP,
    .state_doc = "1 slot",
    .n_state = n_state,
    .step_cpu = step_single_beta,
#ifdef OPTBENCH_CUDA
    .step_cuda = step_single_beta_cuda,
#endif
};
