/* lion.c — Lion (Chen et al. 2023, "Symbolic Discovery of Optimization
 * Algorithms"): the paper's two-beta form with decoupled or L2 weight
 * decay, and the widely copied single-beta L2 form as its own entry
 * (lion_l2), which is lion with beta1 = beta2 = beta and wd_mode l2.
 * State slot: m. */
#include <math.h>

#include "optimizer.h"

enum { LR, BETA1, BETA2, WEIGHT_DECAY, WD_MODE, N_HP };
enum { WD_DECOUPLED, WD_L2 };

static const ParamDef hparams[N_HP] = {
    {"lr", PARAM_REAL, 1e-4, 0, INFINITY, PARAM_LOG, NULL, "learning rate (3-10x below AdamW's)"},
    {"beta1", PARAM_REAL, 0.9, 0, 1, PARAM_HI_OPEN, NULL, "interpolation of the update direction"},
    {"beta2", PARAM_REAL, 0.99, 0, 1, PARAM_HI_OPEN, NULL, "decay of the momentum"},
    {"weight_decay", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "weight decay (3-10x above AdamW's)"},
    {"wd_mode", PARAM_CHOICE, WD_DECOUPLED, 0, 1, 0, "decoupled|l2",
     "decoupled: p *= 1 - lr*wd; l2: g += wd*p"},
};

static int n_state(const double *hp) { (void)hp; return 1; }

/* The fused Lion pass shared by both entries, without branches (a decay
 * factor of 1, an added 0*p) so that it vectorises; sign(0) = 0. */
static void lion_pass(float *restrict m, float *restrict p, const float *restrict g, size_t n,
                      double lr, double beta1, double beta2, double wd, int l2)
{
    const float b1 = (float)beta1, one_m_b1 = (float)(1 - beta1);
    const float b2 = (float)beta2, one_m_b2 = (float)(1 - beta2);
    const float wd_grad = l2 ? (float)wd : 0.0f, neg_lr = (float)-lr;
    const float decay = l2 ? 1.0f : (float)(1 - lr * wd);
    OPT_FOR_EACH(i, n) {
        float pi = p[i] * decay, d = g[i] + wd_grad * pi, mi = m[i];
        float c = mi * b1 + one_m_b1 * d;
        m[i] = mi * b2 + one_m_b2 * d;
        p[i] = pi + neg_lr * ((float)(c > 0.f) - (float)(c < 0.f));
    }
}

static void step(const double *hp, float *const *state, float *restrict p, const float *restrict g,
                 size_t n, long t, double lr)
{
    (void)t;
    lion_pass(state[0], p, g, n, lr, hp[BETA1], hp[BETA2], hp[WEIGHT_DECAY],
              hp[WD_MODE] == WD_L2);
}

const OptimizerDef opt_lion = {
    .name = "lion",
    .summary = "Lion, the paper's form: sign of interpolated momentum, two betas",
    .hparams = hparams,
    .n_hparams = N_HP,
    .state_doc = "1 slot",
    .n_state = n_state,
    .step_cpu = step,
};

enum { SB_LR, SB_BETA, SB_WEIGHT_DECAY, SB_N_HP };

static const ParamDef single_beta_hparams[SB_N_HP] = {
    {"lr", PARAM_REAL, 1e-4, 0, INFINITY, PARAM_LOG, NULL, "learning rate"},
    {"beta", PARAM_REAL, 0.9, 0, 1, PARAM_HI_OPEN, NULL, "decay of the momentum"},
    {"weight_decay", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "L2 penalty added to the gradient"},
};

static void step_single_beta(const double *hp, float *const *state, float *restrict p,
                             const float *restrict g, size_t n, long t, double lr)
{
    (void)t;
    lion_pass(state[0], p, g, n, lr, hp[SB_BETA], hp[SB_BETA], hp[SB_WEIGHT_DECAY], 1);
}

const OptimizerDef opt_lion_l2 = {
    .name = "lion_l2",
    .summary = "Lion's single-beta variant: m = b*m + (1-b)*(g + wd*p); p -= lr*sign(m)",
    .hparams = single_beta_hparams,
    .n_hparams = SB_N_HP,
    .state_doc = "1 slot",
    .n_state = n_state,
    .step_cpu = step_single_beta,
};
