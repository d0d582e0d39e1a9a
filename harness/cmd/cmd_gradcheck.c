/* cmd_gradcheck.c — `optbench gradcheck`: a problem's analytic gradient
 * against central differences, worst relative error per tensor. */
#include <stdio.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/run/config.h"
#include "harness/core/device.h"
#include "harness/check/gradcheck.h"

#define DEFAULT_SAMPLES 64 /* --samples' default */

enum { F_PROBLEM = CLI_FIRST, F_SEED, F_SAMPLES, F_TOL, F_DEVICE };

static const CliFlag flags[] = {
    {"problem", "SPEC", F_PROBLEM, 0, NULL},
    {"seed", "N", F_SEED, 0, NULL},
    {"samples", "K", F_SAMPLES, 0, "coordinates checked per tensor at most (default " CLI_TEXT(DEFAULT_SAMPLES) ")"},
    {"tol", "X", F_TOL, 0, "largest relative error accepted (default: the problem's)"},
    {"device", "cpu|cuda", F_DEVICE, 0,
     "cuda computes the analytic gradient on the GPU (the differences stay\non the host)"},
    {0},
};

const CliCommand gradcheck_command = {
    .name = "gradcheck",
    .about = "  Compares the analytic gradient at the seed's initial parameters with central\n"
             "  differences on up to K coordinates per tensor. Exit 1 when a tensor's worst\n"
             "  relative error exceeds the tolerance.\n",
    .flags = flags,
};

int cmd_gradcheck(int argc, char **argv)
{
    RunConfig cfg;
    char err[ERRMSG_MAX], gpu[DEVICE_NAME_MAX];
    long samples = DEFAULT_SAMPLES;
    double tol = -1;
    CliParse p;
    config_defaults(&cfg);
    cli_begin(&p, &gradcheck_command, argc, argv);
    for (int id; (id = cli_next(&p)) != CLI_END;) {
        switch (id) {
        case CLI_STOP: return p.rc;
        case F_PROBLEM:
            if (config_set_problem(&cfg, p.value, err, sizeof err)) return cli_fail(EXIT_USAGE, "--problem: %s", err);
            break;
        case F_SEED:
            if (setting_apply(setting_find("seed"), &cfg, p.value, err, sizeof err))
                return cli_fail(EXIT_USAGE, "--seed: %s", err);
            break;
        case F_SAMPLES:
            if (cli_value_long(&p, 1, 1L << 30, &samples)) return EXIT_USAGE;
            break;
        case F_TOL:
            if (cli_value_double(&p, 0, 1, &tol)) return EXIT_USAGE;
            break;
        case F_DEVICE:
            if (cli_device(p.value, &cfg.device) != EXIT_OK) return EXIT_USAGE;
            break;
        }
    }
    if (config_check_device(&cfg, gpu, sizeof gpu, err, sizeof err) != 0)
        return cli_fail(EXIT_USAGE, "--device cuda: %s", err);
    if (tol < 0) tol = cfg.problem->gradcheck_tol;
    GradcheckTensor t[256];
    int n = 0, failed = 0;
    if (gradcheck(cfg.problem, &cfg.problem_opts, cfg.device, cfg.seed, (int)samples, t, 256, &n, err, sizeof err) != 0)
        return cli_fail(EXIT_USAGE, "--problem %s: %s", cfg.problem->name, err);
    for (int i = 0; i < n; i++) {
        int bad = !(t[i].worst_rel <= tol);
        failed += bad;
        printf("%-8s %-24s %5d coords, worst rel error %.2e at %zu (analytic %.9g, numeric %.9g)\n",
               bad ? "FAIL" : "OK", t[i].tensor, t[i].checked, t[i].worst_rel, t[i].worst_index,
               t[i].analytic, t[i].numeric);
    }
    printf("gradcheck %s on %s: %d tensors, %d above tolerance %.0e\n", cfg.problem->name,
           gpu[0] ? gpu : "cpu", n, failed, tol);
    return failed ? EXIT_MISMATCH : EXIT_OK;
}
