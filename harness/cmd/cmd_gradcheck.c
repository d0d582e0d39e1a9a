/* cmd_gradcheck.c — `optbench gradcheck`: a problem's analytic gradient
 * against central differences, worst relative error per tensor. */
#include <getopt.h>
#include <stdio.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/run/config.h"
#include "harness/core/device.h"
#include "harness/check/gradcheck.h"

static const char usage[] =
    "usage: optbench gradcheck --problem SPEC [--seed N] [--samples K] [--tol X] [--device cpu|cuda]\n"
    "  Compares the analytic gradient at the seed's initial parameters with central\n"
    "  differences on up to K coordinates per tensor (default 64). Exit 1 when a\n"
    "  tensor's worst relative error exceeds the tolerance (default: the problem's).\n"
    "  --device cuda computes the analytic gradient on the GPU (the differences stay on the host).\n";

int cmd_gradcheck(int argc, char **argv)
{
    static const struct option opts[] = {
        {"problem", required_argument, 0, 'p'}, {"seed", required_argument, 0, 's'},
        {"samples", required_argument, 0, 'k'}, {"tol", required_argument, 0, 't'},
        {"device", required_argument, 0, 'D'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    RunConfig cfg;
    char err[ERRMSG_MAX], gpu[DEVICE_NAME_MAX];
    long samples = 64;
    double tol = -1;
    int c;
    config_defaults(&cfg);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (config_set_problem(&cfg, optarg, err, sizeof err)) return cli_fail(EXIT_USAGE, "--problem: %s", err);
            break;
        case 's':
            if (setting_apply(setting_find("seed"), &cfg, optarg, err, sizeof err))
                return cli_fail(EXIT_USAGE, "--seed: %s", err);
            break;
        case 'k':
            if (cli_long("--samples", optarg, 1, 1L << 30, &samples)) return EXIT_USAGE;
            break;
        case 't':
            if (cli_double("--tol", optarg, 0, 1, &tol)) return EXIT_USAGE;
            break;
        case 'D':
            if (cli_device(optarg, &cfg.device) != EXIT_OK) return EXIT_USAGE;
            break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_usage_error(usage, "gradcheck: unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage_error(usage, "gradcheck: unexpected argument '%s'", argv[optind]);
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
