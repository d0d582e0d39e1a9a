/* indep_adamw.c — AdamW (Loshchilov and Hutter 2019, as torch.optim.AdamW
 * computes it) as an optbench plugin, written from the installed header
 * <optbench/plugin.h> alone, to show that it is all a plugin needs.
 * tests/e2e/plugins.sh builds it against `make install` output and checks
 * it against the golden vectors of the built-in adamw; it also builds a
 * copy with one character changed and expects verify to name the step.
 *
 *   p  = p*(1 - lr*weight_decay)
 *   m  = beta1*m + (1 - beta1)*g;  v = beta2*v + (1 - beta2)*g^2
 *   vm = max(vm, v) with amsgrad, else v
 *   p  = p - lr/(1 - beta1^t) * m / (sqrt(vm)/sqrt(1 - beta2^t) + eps)
 * State: m, v, and vm with amsgrad, in any precision (optbench keeps the
 * low-precision forms; the step is elementwise, as the header asks). */
#include <math.h>
#include <optbench/plugin.h>

enum { LR, BETA1, BETA2, EPS, WEIGHT_DECAY, AMSGRAD, N_HP };

static const optbench_hparam hparams[N_HP] = {
    {"lr", 1e-3, 0, INFINITY, OPTBENCH_HP_LOG, "learning rate"},
    {"beta1", 0.9, 0, 1, OPTBENCH_HP_HI_OPEN, "decay of the first moment"},
    {"beta2", 0.999, 0, 1, OPTBENCH_HP_HI_OPEN, "decay of the second moment"},
    {"eps", 1e-8, 0, INFINITY, OPTBENCH_HP_LO_OPEN | OPTBENCH_HP_LOG, "added to the root"},
    {"weight_decay", 0.01, 0, INFINITY, 0, "decoupled weight decay"},
    {"amsgrad", 0, 0, 1, OPTBENCH_HP_BOOL, "use the running maximum of v"},
};

static int state_streams(const double *hp) { return hp[AMSGRAD] ? 3 : 2; }

static size_t state_floats(const double *hp, const optbench_tensor *t)
{
    return (size_t)state_streams(hp) * t->numel;
}

static void step(const optbench_group *grp, optbench_tensor *tensors, int n_tensors)
{
    const double *hp = grp->hp, t = (double)grp->step, lr = grp->lr;
    const double beta1 = hp[BETA1], beta2 = hp[BETA2];
    const double bc1 = 1 - pow(beta1, t), bc2 = 1 - pow(beta2, t);
    const float decay = (float)(1 - lr * hp[WEIGHT_DECAY]), neg_step = (float)(-lr / bc1);
    const float b1 = (float)beta1, c1 = (float)(1 - beta1), b2 = (float)beta2, c2 = (float)(1 - beta2);
    const float root_bc2 = (float)sqrt(bc2), eps = (float)hp[EPS];
    const int ams = hp[AMSGRAD] != 0;
    for (int k = 0; k < n_tensors; k++) {
        const size_t n = tensors[k].numel;
        float *p = tensors[k].param, *m = tensors[k].state, *v = m + n, *vm = ams ? v + n : v;
        const float *g = tensors[k].grad;
        for (size_t i = 0; i < n; i++) {
            p[i] *= decay;
            m[i] = b1 * m[i] + c1 * g[i];
            v[i] = b2 * v[i] + c2 * g[i] * g[i];
            if (ams) vm[i] = fmaxf(vm[i], v[i]);
            p[i] += neg_step * (m[i] / (sqrtf(vm[i]) / root_bc2 + eps));
        }
    }
}

static const optbench_optimizer indep_adamw = {
    .abi_version = OPTBENCH_PLUGIN_ABI_VERSION,
    .name = "indep_adamw",
    .summary = "AdamW written from the plugin header alone (a test)",
    .hparams = hparams,
    .n_hparams = N_HP,
    .flops_per_param = 18,
    .state_floats = state_floats,
    .state_streams = state_streams,
    .step = step,
    .state_precisions = OPTBENCH_STATE_BF16 | OPTBENCH_STATE_BF16_SR | OPTBENCH_STATE_INT8,
    .unsigned_streams = 6u, /* v and vm */
};

const optbench_optimizer *optbench_plugin(void) { return &indep_adamw; }
