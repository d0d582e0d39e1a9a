/* bad.c — descriptors that optbench must refuse at load (exit 2 naming the
 * path and the reason), one per BAD_* macro given with -D by
 * tests/e2e/plugins.sh; without any it is a valid plugin named "fine". */
#include <math.h>
#include <optbench/plugin.h>

static const optbench_hparam hparams[] = {
#ifdef BAD_FIRST_KEY
    {"beta", 0.9, 0, 1, 0, "the first key is not lr"},
#endif
#ifdef BAD_STATE_KEY
    {"state", 0, 0, 1, 0, "optbench's own key"},
#endif
#ifdef BAD_DEFAULT
    {"lr", 2, 0, 1, 0, "a default above its range"},
#endif
    {"lr", 0.1, 0, INFINITY, OPTBENCH_HP_LOG, "learning rate"},
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
    for (int k = 0; k < n_tensors; k++)
        for (size_t i = 0; i < tensors[k].numel; i++) tensors[k].param[i] -= (float)grp->lr * tensors[k].grad[i];
}

static const optbench_optimizer desc = {
#ifdef BAD_ABI
    .abi_version = OPTBENCH_PLUGIN_ABI_VERSION + 1,
#else
    .abi_version = OPTBENCH_PLUGIN_ABI_VERSION,
#endif
#ifdef BAD_CLASH
    .name = "adamw",
#else
    .name = "fine",
#endif
    .summary = "a test of the loader's checks",
    .hparams = hparams,
    .n_hparams = 1,
    .state_floats = state_floats,
    .state_streams = state_streams,
#ifdef BAD_NO_STEP
    .step = 0 ? step : 0, /* NULL, with step still used */
#else
    .step = step,
#endif
};

#ifndef BAD_NO_ENTRY
const optbench_optimizer *optbench_plugin(void) { return &desc; }
#else
const optbench_optimizer *optbench_plugin_misspelt(void) { return &desc; }
#endif
