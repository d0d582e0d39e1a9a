/* registry.c — the table of every optimizer, those added at run time
 * (loaded plugins), and lookup by name.
 * To add an optimizer: write optimizers/NAME.c defining an OptimizerDef,
 * declare it here and add one line to the table. */
#include <stdio.h>
#include <string.h>

#include "optimizers/optimizer.h"

extern const OptimizerDef opt_sgd, opt_adagrad, opt_rmsprop, opt_adam, opt_adamw, opt_nadam, opt_radam,
    opt_adamax, opt_lion, opt_lion_l2;
extern const OptimizerDef opt_adafactor, opt_muon, opt_sfadamw; /* tensor-aware */

const OptimizerDef *const optimizer_registry[] = {
    &opt_sgd,   &opt_adagrad, &opt_rmsprop, &opt_adam,      &opt_adamw, &opt_nadam,   &opt_radam,
    &opt_adamax, &opt_lion,   &opt_lion_l2, &opt_adafactor, &opt_muon,  &opt_sfadamw, NULL,
};

/* Optimizers added by optimizer_add, in the order added. */
static const OptimizerDef *added[OPT_MAX_ADDED];
static int n_added;

const OptimizerDef *optimizer_at(int i)
{
    static int n_builtin = -1;
    if (n_builtin < 0)
        for (n_builtin = 0; optimizer_registry[n_builtin];) n_builtin++;
    if (i < n_builtin) return optimizer_registry[i];
    return i - n_builtin < n_added ? added[i - n_builtin] : NULL;
}

const OptimizerDef *optimizer_find(const char *name)
{
    const OptimizerDef *o;
    for (int i = 0; (o = optimizer_at(i)); i++)
        if (strcmp(o->name, name) == 0) return o;
    return NULL;
}

int optimizer_has_cuda(const OptimizerDef *opt) { return opt->step_cuda || opt->step_tensors_cuda; }

int optimizer_add(const OptimizerDef *opt, char *err, size_t errlen)
{
    const OptimizerDef *same = optimizer_find(opt->name);
    if (same) {
        snprintf(err, errlen, "optimizer name '%s' is taken by %s", opt->name,
                 same->origin ? same->origin : "a built-in optimizer");
        return -1;
    }
    if (n_added == OPT_MAX_ADDED) {
        snprintf(err, errlen, "more than %d optimizers added", OPT_MAX_ADDED);
        return -1;
    }
    added[n_added++] = opt;
    return 0;
}

void optimizer_defaults(const OptimizerDef *opt, ParamSet *out)
{
    params_init(out, opt->hparams, opt->n_hparams);
    out->grouped = 1;
}

int optimizer_check(const OptimizerDef *opt, const ParamSet *hp, char *err, size_t errlen)
{
    char msg[ERRMSG_MAX];
    double values[PARAMS_MAX];
    if (!opt->check) return 0;
    if (opt->check(hp->num, err, errlen) != 0) return -1;
    for (int g = 0; g < N_ROLES; g++) {
        params_group_values(hp, g, values);
        if (opt->check(values, msg, sizeof msg) != 0) {
            snprintf(err, errlen, "group %s: %s", group_name((TensorRole)g), msg);
            return -1;
        }
    }
    return 0;
}

StatePrecision optimizer_state_precision(const OptimizerDef *opt, const double *hp)
{
    for (int i = 0; i < opt->n_hparams; i++)
        if (!strcmp(opt->hparams[i].name, "state")) return (StatePrecision)(int)hp[i]; /* state.h */
    return STATE_FP32;
}

int optimizer_state_cpu_only(const OptimizerDef *opt, const double *hp)
{
    return opt->step_tensors && optimizer_state_precision(opt, hp) != STATE_FP32 && opt->n_state && opt->n_state(hp) > 0;
}

void optimizer_streams(const OptimizerDef *opt, const double *hp, size_t n, int *reads, int *writes,
                       double *read_bytes, double *write_bytes)
{
    const int slots = opt->n_state ? opt->n_state(hp) : 0;
    const StatePrecision q = state_for_tensor(optimizer_state_precision(opt, hp), n);
    const double slot = n ? (double)state_slot_bytes(q, n) / (double)n : 0;
    *reads = 2 + slots;
    *writes = 1 + slots;
    *read_bytes = 2 * sizeof(float) + slots * slot;
    *write_bytes = sizeof(float) + slots * slot;
}

const char *optimizer_names(void)
{
    static char names[1024];
    const OptimizerDef *o;
    size_t used = 0;
    names[0] = 0;
    for (int i = 0; (o = optimizer_at(i)) && used < sizeof names; i++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", o->name);
    return names;
}

int optimizer_configure(const OptimizerDef *opt, const Spec *spec, ParamSet *out, char *err,
                        size_t errlen)
{
    optimizer_defaults(opt, out);
    if (spec_apply(spec, out, err, errlen) != 0) return -1;
    return optimizer_check(opt, out, err, errlen);
}

double optimizer_step_flops(const OptimizerDef *opt, const double *hp, const TensorView *views, int n_views)
{
    double flops = 0;
    for (int i = 0; i < n_views; i++) {
        flops += opt->flops_per_param * (double)tensor_numel(&views[i]);
        if (opt->tensor_flops) flops += opt->tensor_flops(hp, &views[i]);
    }
    return flops;
}
