/* cautious_lion.c — an optbench plugin: Lion with the cautious mask of
 * Liang et al. 2024, "Cautious Optimizers: Improving Training with One Line
 * of Code" (the C-Lion of the authors' reference code).
 *
 * Per tensor, at step t with learning rate lr:
 *   c     = beta1*m + (1 - beta1)*g          the interpolated momentum
 *   u     = sign(c)                          Lion's update direction
 *   keep  = [u*g > 0]                        1 where u agrees with the gradient
 *   scale = numel / (sum(keep) + 1)          rescales by the kept fraction
 *   p     = p*(1 - lr*weight_decay) - lr * u*keep*scale
 *   m     = beta2*m + (1 - beta2)*g
 * State: m, one float per parameter.
 *
 * Build: cc -O2 -shared -fPIC -I$(PREFIX)/include cautious_lion.c -o cautious_lion.so
 * (`make plugins` builds it into build/plugins/). */
#include <math.h>
#include <optbench/plugin.h>

enum { LR, BETA1, BETA2, WEIGHT_DECAY, N_HP };

static const optbench_hparam hparams[N_HP] = {
    {"lr", 1e-4, 0, INFINITY, OPTBENCH_HP_LOG, "learning rate (3-10x below AdamW's)"},
    {"beta1", 0.9, 0, 1, OPTBENCH_HP_HI_OPEN, "interpolation of the update direction"},
    {"beta2", 0.99, 0, 1, OPTBENCH_HP_HI_OPEN, "decay of the momentum"},
    {"weight_decay", 0, 0, INFINITY, 0, "decoupled weight decay: p *= 1 - lr*weight_decay"},
};

static size_t state_floats(const double *hp, const optbench_tensor *t)
{
    (void)hp;
    return t->numel;
}

static int state_streams(const double *hp)
{
    (void)hp;
    return 1;
}

/* -1, 0 or 1 as a float. */
static float sign_of(float x) { return (float)((x > 0) - (x < 0)); }

static void step(const optbench_group *grp, optbench_tensor *tensors, int n_tensors)
{
    const float b1 = (float)grp->hp[BETA1], one_m_b1 = (float)(1 - grp->hp[BETA1]);
    const float b2 = (float)grp->hp[BETA2], one_m_b2 = (float)(1 - grp->hp[BETA2]);
    const float decay = (float)(1 - grp->lr * grp->hp[WEIGHT_DECAY]), neg_lr = (float)-grp->lr;
    for (int k = 0; k < n_tensors; k++) {
        optbench_tensor *t = &tensors[k];
        float *p = t->param, *m = t->state;
        const float *g = t->grad;
        size_t kept = 0;
        for (size_t i = 0; i < t->numel; i++) kept += sign_of(b1 * m[i] + one_m_b1 * g[i]) * g[i] > 0;
        const float scale = (float)t->numel / ((float)kept + 1);
        for (size_t i = 0; i < t->numel; i++) {
            const float u = sign_of(b1 * m[i] + one_m_b1 * g[i]);
            const float masked = u * g[i] > 0 ? u * scale : 0.0f;
            p[i] = p[i] * decay + neg_lr * masked;
            m[i] = b2 * m[i] + one_m_b2 * g[i];
        }
    }
}

static const optbench_optimizer cautious_lion = {
    .abi_version = OPTBENCH_PLUGIN_ABI_VERSION,
    .name = "cautious_lion",
    .summary = "Lion with the cautious mask: updates only where sign(update) = sign(grad), rescaled",
    .hparams = hparams,
    .n_hparams = N_HP,
    .flops_per_param = 14,
    .state_floats = state_floats,
    .state_streams = state_streams,
    .step = step,
};

const optbench_optimizer *optbench_plugin(void) { return &cautious_lion; }
