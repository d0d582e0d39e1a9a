/* cmd_catalog.c — `optbench optimizers` and `optbench problems`: what the
 * registries hold, with every setting's default and allowed range. */
#include <stdio.h>
#include <string.h>

#include "optimizers/optimizer.h"
#include "problems/problem.h"
#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"

/* One line per setting: name, default, range, help. */
static void print_params(const ParamDef *defs, int n)
{
    for (int i = 0; i < n; i++) {
        char def[PARAM_TEXT_MAX], range[96];
        params_default_text(&defs[i], def, sizeof def);
        params_range_text(&defs[i], range, sizeof range);
        printf("    %-26s default %-10s %-22s %s%s\n", defs[i].name, def, range,
               defs[i].flags & PARAM_LOG ? "(log) " : "", defs[i].help);
    }
}

/* Shared flag handling: only --help is accepted. */
static int no_options(int argc, char **argv, const char *usage)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage, stdout);
        return 1;
    }
    if (argc > 1) return cli_usage_error(usage, "%s: unexpected argument '%s'", argv[0], argv[1]);
    return 0;
}

int cmd_optimizers(int argc, char **argv)
{
    static const char usage[] = "usage: optbench optimizers\n  Lists every optimizer with its "
                                "hyperparameters, defaults, ranges and state bytes per parameter.\n";
    int rc = no_options(argc, argv, usage);
    if (rc) return rc == 1 ? EXIT_OK : rc;
    for (int i = 0; optimizer_registry[i]; i++) {
        const OptimizerDef *o = optimizer_registry[i];
        ParamSet defaults;
        params_init(&defaults, o->hparams, o->n_hparams);
        printf("%s — %s\n  state: %s (%d bytes/param at the defaults)\n", o->name, o->summary, o->state_doc,
               4 * o->n_state(defaults.num));
        print_params(o->hparams, o->n_hparams);
        printf("\n");
    }
    return EXIT_OK;
}

int cmd_problems(int argc, char **argv)
{
    static const char usage[] = "usage: optbench problems\n  Lists every problem with its options "
                                "and default target loss.\n";
    int rc = no_options(argc, argv, usage);
    if (rc) return rc == 1 ? EXIT_OK : rc;
    for (int i = 0; problem_registry[i]; i++) {
        const ProblemDef *p = problem_registry[i];
        printf("%s — %s\n  default target loss: %g\n", p->name, p->summary, p->default_target);
        print_params(p->options, p->n_options);
        printf("\n");
    }
    return EXIT_OK;
}
