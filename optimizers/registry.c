/* registry.c — the table of every optimizer, and lookup by name.
 * To add an optimizer: write optimizers/NAME.c defining an OptimizerDef,
 * declare it here and add one line to the table. */
#include <stdio.h>
#include <string.h>

#include "optimizers/optimizer.h"

extern const OptimizerDef opt_sgd, opt_adagrad, opt_rmsprop, opt_adam, opt_adamw, opt_lion,
    opt_lion_l2;

const OptimizerDef *const optimizer_registry[] = {
    &opt_sgd, &opt_adagrad, &opt_rmsprop, &opt_adam, &opt_adamw, &opt_lion, &opt_lion_l2, NULL,
};

const OptimizerDef *optimizer_find(const char *name)
{
    for (int i = 0; optimizer_registry[i]; i++)
        if (strcmp(optimizer_registry[i]->name, name) == 0) return optimizer_registry[i];
    return NULL;
}

void optimizer_streams(const OptimizerDef *opt, const double *hp, int *reads, int *writes)
{
    int slots = opt->n_state(hp);
    *reads = 2 + slots;
    *writes = 1 + slots;
}

const char *optimizer_names(void)
{
    static char names[256];
    if (!names[0])
        for (int i = 0; optimizer_registry[i]; i++) {
            strcat(names, i ? ", " : "");
            strcat(names, optimizer_registry[i]->name);
        }
    return names;
}

int optimizer_configure(const OptimizerDef *opt, const Spec *spec, ParamSet *out, char *err,
                        size_t errlen)
{
    params_init(out, opt->hparams, opt->n_hparams);
    if (spec_apply(spec, out, err, errlen) != 0) return -1;
    return opt->check ? opt->check(out->num, err, errlen) : 0;
}
