/* adagrad.c — Adagrad with learning-rate decay and coupled weight decay,
 * as torch.optim.Adagrad. */
#include <math.h>

#include "optimizers/coef.h"
#include "optimizers/cuda/fused_steps.h"
#include "optimizers/optimizer.h"
#include "optimizers/update_impl.h"

enum { LR, LR_DECAY, WEIGHT_DECAY, INITIAL_ACC, EPS, STATE, N_HP };

static const ParamDef hparams[N_HP] = {
    {"lr", PARAM_REAL, 1e-2, 0, INFINITY, PARAM_LOG, NULL, "learning rate"},
    {"lr_decay", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "lr / (1 + (t-1) * lr_decay)"},
    {"weight_decay", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "L2 penalty added to the gradient"},
    {"initial_accumulator_value", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "starting sum of squares"},
    {"eps", PARAM_REAL, 1e-10, 0, INFINITY, PARAM_LO_OPEN | PARAM_LOG, NULL, "added to the root, outside it"},
    OPT_STATE_PARAM,
};

static int n_state(const double *hp) { (void)hp; return 1; }

static void init_state(const double *hp, float *const *state, size_t n)
{
    const float v = (float)hp[INITIAL_ACC];
    for (size_t i = 0; i < n; i++) state[0][i] = v;
}

static AdagradCoef coef(const double *hp, long t, double lr)
{
    return (AdagradCoef){
        .wd = (float)hp[WEIGHT_DECAY], .eps = (float)hp[EPS],
        .neg_clr = (float)-(lr / (1 + (double)(t - 1) * hp[LR_DECAY])), .has_wd = (float)hp[WEIGHT_DECAY] != 0,
    };
}

/* One fused pass of adagrad_update (update_impl.h). */
OPT_CLONED static void step(const double *hp, const StateSlots *st, float *restrict p, const float *restrict g,
                 size_t n, long t, double lr)
{
    const AdagradCoef c = coef(hp, t, lr);
    OPT_STATE_LOOP(st, c, i, n, 1, p[i] = adagrad_update(&c, p[i], g[i], &S[0]));
}

#ifdef OPTBENCH_CUDA
static int step_cuda(const double *hp, const StateSlots *st, float *p, const float *g, size_t n, long t,
                     double lr)
{
    const AdagradCoef c = coef(hp, t, lr);
    return adagrad_cuda(&c, st, p, g, n);
}
#endif

const OptimizerDef opt_adagrad = {
    .name = "adagrad",
    .flops_per_param = 9,
    .summary = "Adagrad with lr decay (torch.optim.Adagrad)",
    .hparams = hparams,
    .n_hparams = N_HP,
    .state_doc = "1 slot",
    .n_state = n_state,
    .unsigned_slots = 1u, /* the sum of squares */
    .init_state = init_state,
    .step_cpu = step,
#ifdef OPTBENCH_CUDA
    .step_cuda = step_cuda,
#endif
};
