/* cmd_catalog.c — `optbench optimizers` and `optbench problems`: what the
 * registries hold, with every setting's default and allowed range. */
#include <stdio.h>
#include <string.h>

#include "optimizers/optimizer.h"
#include "problems/problem.h"
#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/run/config.h"

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

/* The state bytes per parameter at the defaults (per slot when the
 * defaults keep none) for each `state` value the optimizer accepts (the
 * table's, less those its check refuses: a plugin's undeclared ones), on
 * a large tensor: int8 with its absmax per block. */
static void print_state_bytes(const OptimizerDef *o, const ParamSet *defaults)
{
    const size_t n = (size_t)STATE_BLOCK << 12;
    const int at = params_index(defaults, "state");
    const int slots = o->n_state(defaults->num);
    printf("; bytes/param %s:", slots ? "at the defaults" : "per slot");
    int shown = 0;
    for (int q = 0; at >= 0 && q <= (int)o->hparams[at].hi; q++) { /* a value's index is its precision */
        char word[32], err[ERRMSG_MAX];
        double hp[PARAMS_MAX];
        memcpy(hp, defaults->num, sizeof hp);
        hp[at] = q;
        if (o->check && o->check(hp, err, sizeof err) != 0) continue;
        params_choice_word(o->hparams[at].choices, q, word, sizeof word);
        printf("%s %s %.3g", shown++ ? "," : "", word,
               (slots ? slots : 1) * (double)state_slot_bytes((StatePrecision)q, n) / (double)n);
    }
    if (at < 0) printf(" fp32 %d", 4 * (slots ? slots : 1));
    else if (!shown) printf(" none (its check refuses every state at the defaults)");
}

static const CliFlag optimizers_flags[] = {CLI_PLUGIN_FLAG, {0}};

const CliCommand optimizers_command = {
    .name = "optimizers",
    .about = "  Lists every optimizer with its hyperparameters, defaults, ranges and state bytes per\n"
             "  parameter, those of each plugin loaded with --plugin (a shared object) last.\n",
    .flags = optimizers_flags,
};

int cmd_optimizers(int argc, char **argv)
{
    CliParse p;
    cli_begin(&p, &optimizers_command, argc, argv);
    if (cli_next(&p) != CLI_END) return p.rc; /* --plugin is main.c's: --help, or an error */
    const OptimizerDef *o;
    for (int i = 0; (o = optimizer_at(i)); i++) {
        ParamSet defaults;
        optimizer_defaults(o, &defaults);
        printf("%s — %s\n  state: %s", o->name, o->summary, o->state_doc);
        if (o->origin) printf("; state arrays of a tensor's size a step streams at the defaults: %d", o->n_state(defaults.num));
        const int at = params_index(&defaults, "state");
        /* a plugin's bytes where it declares a precision beyond fp32 (its state_floats are its own else) */
        if (o->n_state && (!o->origin || (at >= 0 && o->hparams[at].hi > 0))) print_state_bytes(o, &defaults);
        printf("\n");
        if (o->origin) printf("  from: %s%s\n", o->origin, optimizer_has_cuda(o) ? " (with a CUDA step)" : "");
        print_params(o->hparams, o->n_hparams);
        printf("\n");
    }
    printf("Parameter groups: any key above may be set for one group as GROUP.KEY=value, and\n"
           "GROUP.lr_scale=x multiplies its scheduled lr (GROUP: %s, %s, %s; see\n"
           "`optbench problems --problem SPEC` for the tensors of each).\n",
           group_name(ROLE_MATRIX), group_name(ROLE_EMBEDDING), group_name(ROLE_VECTOR));
    return EXIT_OK;
}

/* The tensors of one instance: name, role, shape, floats. */
static int print_tensors(const char *spec_text)
{
    RunConfig cfg;
    char err[ERRMSG_MAX], shape[64];
    config_defaults(&cfg);
    if (config_set_problem(&cfg, spec_text, err, sizeof err)) return cli_fail(EXIT_USAGE, "--problem: %s", err);
    Problem *pb = cfg.problem->create(&cfg.problem_opts, err, sizeof err);
    if (!pb) return cli_fail(EXIT_USAGE, "--problem %s: %s", spec_text, err);
    size_t per_role[N_ROLES] = {0};
    printf("%s: %zu parameters in %d tensors\n", spec_text, pb->n_params, pb->n_views);
    printf("  %-28s %-10s %-12s %s\n", "tensor", "role", "shape", "floats");
    for (int v = 0; v < pb->n_views; v++) {
        const TensorView *t = &pb->views[v];
        tensor_shape_text(t, shape, sizeof shape);
        printf("  %-28s %-10s %-12s %zu\n", t->name, role_name(t->role), shape, tensor_numel(t));
        per_role[t->role] += tensor_numel(t);
    }
    for (int r = 0; r < N_ROLES; r++) printf("  group %-10s %zu floats\n", group_name((TensorRole)r), per_role[r]);
    cfg.problem->destroy(pb);
    return EXIT_OK;
}

enum { F_PROBLEM = CLI_FIRST };

static const CliFlag problems_flags[] = {
    {"problem", "SPEC", F_PROBLEM, 0,
     "the tensors of that instance instead, with their shapes and roles\n"
     "(matrix, embedding, vector: the parameter groups)"},
    {0},
};

const CliCommand problems_command = {
    .name = "problems",
    .about = "  Lists every problem with its options and default target loss.\n",
    .flags = problems_flags,
};

int cmd_problems(int argc, char **argv)
{
    const char *spec = NULL;
    CliParse p;
    cli_begin(&p, &problems_command, argc, argv);
    for (int id; (id = cli_next(&p)) != CLI_END;) {
        if (id == CLI_STOP) return p.rc;
        spec = p.value; /* F_PROBLEM */
    }
    if (spec) return print_tensors(spec);
    for (int i = 0; problem_registry[i]; i++) {
        const ProblemDef *p = problem_registry[i];
        printf("%s — %s\n  default target loss: %g\n", p->name, p->summary, p->default_target);
        print_params(p->options, p->n_options);
        printf("\n");
    }
    return EXIT_OK;
}
