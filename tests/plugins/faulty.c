/* faulty.c — a plugin whose step misbehaves on purpose, for
 * tests/e2e/plugins.sh: plain SGD (p -= lr*g) until step fault_step, then
 * by `fault`: 0 none, 1 writes through a NULL pointer (SIGSEGV), 2 never
 * returns, 3 writes NaN into the parameters. A sweep over fault shows
 * that each failure ends only its own run: failed with the signal,
 * timeout, diverged, and the fault-free run done. */
#include <math.h>
#include <optbench/plugin.h>

enum { LR, FAULT, FAULT_STEP, N_HP };

static const optbench_hparam hparams[N_HP] = {
    {"lr", 0.1, 0, INFINITY, OPTBENCH_HP_LOG, "learning rate"},
    {"fault", 0, 0, 3, OPTBENCH_HP_INT, "0 none, 1 NULL write, 2 hang, 3 NaN"},
    {"fault_step", 3, 1, 1e9, OPTBENCH_HP_INT, "the first step that misbehaves"},
};

static size_t state_floats(const double *hp, const optbench_tensor *t)
{
    (void)hp, (void)t;
    return 0;
}

static int state_streams(const double *hp)
{
    (void)hp;
    return 0;
}

static void step(const optbench_group *grp, optbench_tensor *tensors, int n_tensors)
{
    const int fault = grp->step >= (long)grp->hp[FAULT_STEP] ? (int)grp->hp[FAULT] : 0;
    if (fault == 1) {
        volatile float *volatile nowhere = 0;
        *nowhere = 1;
    }
    while (fault == 2) {
        static volatile int spin;
        spin++;
    }
    for (int k = 0; k < n_tensors; k++)
        for (size_t i = 0; i < tensors[k].numel; i++)
            tensors[k].param[i] = fault == 3 ? NAN : tensors[k].param[i] - (float)grp->lr * tensors[k].grad[i];
}

static const optbench_optimizer faulty = {
    .abi_version = OPTBENCH_PLUGIN_ABI_VERSION,
    .name = "faulty",
    .summary = "SGD that crashes, hangs or writes NaN from a given step (a test)",
    .hparams = hparams,
    .n_hparams = N_HP,
    .flops_per_param = 2,
    .state_floats = state_floats,
    .state_streams = state_streams,
    .step = step,
};

const optbench_optimizer *optbench_plugin(void) { return &faulty; }
