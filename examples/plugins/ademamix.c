/* ademamix.c — an optbench plugin: AdEMAMix (Pagliardini, Ablin and
 * Grangier 2024, "The AdEMAMix Optimizer: Better, Faster, Older"), Adam
 * with a second, slow momentum added to the fast one.
 *
 * Per parameter, at step t with learning rate lr:
 *   m1 = beta1*m1 + (1 - beta1)*g              the fast momentum
 *   m2 = beta3_t*m2 + (1 - beta3_t)*g          the slow momentum
 *   nu = beta2*nu + (1 - beta2)*g^2
 *   u  = (m1/(1 - beta1^t) + alpha_t*m2) / (sqrt(nu)/sqrt(1 - beta2^t) + eps)
 *   p  = p - lr*(u + weight_decay*p)
 * With alpha_warmup = T > 0, alpha_t rises linearly from 0 to alpha over
 * the first T steps (alpha_t = alpha*t/T while t < T). With beta3_warmup =
 * T > 0, beta3_t moves from beta1 to beta3 linearly in half-life: with
 * f(b) = ln(0.5)/ln(b) - 1 and f^-1(x) = 0.5^(1/(x+1)),
 * beta3_t = f^-1((1 - t/T)*f(beta1) + (t/T)*f(beta3)) while t < T.
 * Without warm-up (0), alpha_t = alpha and beta3_t = beta3.
 * State: m1, m2, nu, three floats per parameter; elementwise, so it may be
 * kept in bf16 or int8 (`ademamix,state=int8`: about 3 bytes per parameter).
 *
 * Build: cc -O2 -shared -fPIC -I$(PREFIX)/include ademamix.c -o ademamix.so -lm
 * (`make plugins` builds it into build/plugins/). */
#include <math.h>
#include <optbench/plugin.h>

enum { LR, BETA1, BETA2, BETA3, ALPHA, EPS, WEIGHT_DECAY, ALPHA_WARMUP, BETA3_WARMUP, N_HP };

static const optbench_hparam hparams[N_HP] = {
    {"lr", 1e-3, 0, INFINITY, OPTBENCH_HP_LOG, "learning rate"},
    {"beta1", 0.9, 0, 1, OPTBENCH_HP_HI_OPEN, "decay of the fast momentum"},
    {"beta2", 0.999, 0, 1, OPTBENCH_HP_HI_OPEN, "decay of the second moment"},
    {"beta3", 0.9999, 0, 1, OPTBENCH_HP_LO_OPEN | OPTBENCH_HP_HI_OPEN, "decay of the slow momentum"},
    {"alpha", 2.0, 0, INFINITY, 0, "weight of the slow momentum in the update"},
    {"eps", 1e-8, 0, INFINITY, OPTBENCH_HP_LO_OPEN | OPTBENCH_HP_LOG, "added to the root"},
    {"weight_decay", 0, 0, INFINITY, 0, "decoupled weight decay, scaled by lr"},
    {"alpha_warmup", 0, 0, 1e9, OPTBENCH_HP_INT, "steps of alpha's linear warm-up (0: none)"},
    {"beta3_warmup", 0, 0, 1e9, OPTBENCH_HP_INT, "steps of beta3's half-life warm-up from beta1 (0: none)"},
};

static size_t state_floats(const double *hp, const optbench_tensor *t)
{
    (void)hp;
    return 3 * t->numel;
}

static int state_streams(const double *hp)
{
    (void)hp;
    return 3;
}

/* The half-life of a decay rate beta, in steps, and back. */
static double half_life(double beta) { return log(0.5) / log(beta + 1e-8) - 1; }
static double rate_of(double steps) { return pow(0.5, 1 / (steps + 1)); }

static void step(const optbench_group *grp, optbench_tensor *tensors, int n_tensors)
{
    const double *hp = grp->hp;
    const double t = (double)grp->step, ta = hp[ALPHA_WARMUP], tb = hp[BETA3_WARMUP];
    const double alpha = ta > 0 && t < ta ? hp[ALPHA] * t / ta : hp[ALPHA];
    const double beta3 = tb > 0 && t < tb
                             ? rate_of((1 - t / tb) * half_life(hp[BETA1]) + t / tb * half_life(hp[BETA3]))
                             : hp[BETA3];
    const float b1 = (float)hp[BETA1], one_m_b1 = (float)(1 - hp[BETA1]);
    const float b2 = (float)hp[BETA2], one_m_b2 = (float)(1 - hp[BETA2]);
    const float b3 = (float)beta3, one_m_b3 = (float)(1 - beta3), alpha_f = (float)alpha;
    const float bc1 = (float)(1 - pow(hp[BETA1], t)), root_bc2 = (float)sqrt(1 - pow(hp[BETA2], t));
    const float eps = (float)hp[EPS], wd = (float)hp[WEIGHT_DECAY], neg_lr = (float)-grp->lr;
    for (int k = 0; k < n_tensors; k++) {
        optbench_tensor *x = &tensors[k];
        float *p = x->param, *m1 = x->state, *m2 = x->state + x->numel, *nu = x->state + 2 * x->numel;
        const float *g = x->grad;
        for (size_t i = 0; i < x->numel; i++) {
            m1[i] = b1 * m1[i] + one_m_b1 * g[i];
            m2[i] = b3 * m2[i] + one_m_b3 * g[i];
            nu[i] = b2 * nu[i] + one_m_b2 * g[i] * g[i];
            const float u = (m1[i] / bc1 + alpha_f * m2[i]) / (sqrtf(nu[i]) / root_bc2 + eps) + wd * p[i];
            p[i] = p[i] + neg_lr * u;
        }
    }
}

static const optbench_optimizer ademamix = {
    .abi_version = OPTBENCH_PLUGIN_ABI_VERSION,
    .name = "ademamix",
    .summary = "AdEMAMix: Adam plus a slow momentum (beta3) weighted by alpha, with optional warm-ups",
    .hparams = hparams,
    .n_hparams = N_HP,
    .flops_per_param = 22,
    .state_floats = state_floats,
    .state_streams = state_streams,
    .step = step,
    .state_precisions = OPTBENCH_STATE_BF16 | OPTBENCH_STATE_BF16_SR | OPTBENCH_STATE_INT8,
    .unsigned_streams = 4u, /* nu */
};

const optbench_optimizer *optbench_plugin(void) { return &ademamix; }
