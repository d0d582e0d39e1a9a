/* cmd_verify.c — `optbench verify`: every golden vector file, OK or MISMATCH. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/run/config.h"
#include "harness/core/device.h"
#include "harness/check/golden.h"
#include "harness/core/hostinfo.h"

static const char usage[] =
    "usage: optbench verify [--dir DIR] [--device cpu|cuda]\n"
    "  Replays every golden update vector file (*.txt) of DIR through its optimizer's\n"
    "  step on the device (cpu, or cuda: the fused GPU kernel, default cpu)\n"
    "  and prints OK or MISMATCH with the worst error (SKIP on cuda for an optimizer\n"
    "  without a CUDA kernel). DIR defaults to tests/golden of the source tree, else\n"
    "  PREFIX/share/optbench/golden of an installed optbench. Exit 1 on any mismatch.\n";

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, 0, 'd'}, {"device", required_argument, 0, 'D'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    const char *dir = NULL;
    char gpu[DEVICE_NAME_MAX], err[ERRMSG_MAX], golden_dir[1024];
    Device dev = DEVICE_CPU;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': dir = optarg; break;
        case 'D':
            if (cli_device(optarg, &dev) != EXIT_OK) return EXIT_USAGE;
            break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_usage_error(usage, "verify: unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage_error(usage, "verify: unexpected argument '%s'", argv[optind]);
    if (dev == DEVICE_CUDA) {
        if (device_probe(gpu, sizeof gpu, err, sizeof err) != 0) return cli_fail(EXIT_USAGE, "--device cuda: %s", err);
        printf("# device: %s\n", gpu);
    }
    if (!dir) {
        host_find_shipped("tests/golden", "golden", golden_dir, sizeof golden_dir);
        dir = golden_dir;
    }
    DIR *d = opendir(dir);
    if (!d) return cli_fail(EXIT_USAGE, "%s: cannot open the golden vector folder", dir);
    char *names[1024];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 1024) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".txt") == 0) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n == 0) return cli_fail(EXIT_USAGE, "%s: no golden vector files (*.txt)", dir);
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    int mismatches = 0, errors = 0, skipped = 0;
    for (int i = 0; i < n; i++) {
        char path[4096];
        Golden g;
        GoldenResult r;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (golden_load(path, &g, err, sizeof err) != 0) {
            printf("ERROR     %s\n", err);
            errors++;
            free(names[i]);
            continue;
        }
        if (dev == DEVICE_CUDA && !optimizer_has_cuda(optimizer_find(g.optimizer))) {
            printf("SKIP      %-28s %-8s no CUDA kernel for %s\n", names[i], g.optimizer, g.optimizer);
            skipped++;
        } else if (golden_check(&g, dev, &r, err, sizeof err) != 0) {
            printf("ERROR     %s: %s\n", path, err);
            errors++;
        } else if (r.ok) {
            printf("OK        %-28s %-8s %-60s worst %.2e\n", names[i], g.optimizer, g.hparams, r.worst_err);
        } else {
            printf("MISMATCH  %s: %s %s: step %ld, index %zu: got %.9g, expected %.9g (error %.2e > %.0e)\n",
                   path, g.optimizer, g.hparams, r.worst_step, r.worst_index, (double)r.got,
                   (double)r.expected, r.worst_err, GOLDEN_TOL);
            mismatches++;
        }
        golden_free(&g);
        free(names[i]);
    }
    printf("verify: %d files, %d ok, %d mismatched, %d unreadable", n, n - mismatches - errors - skipped, mismatches,
           errors);
    if (skipped) printf(", %d without a CUDA kernel", skipped);
    printf("\n");
    return errors ? EXIT_USAGE : mismatches ? EXIT_MISMATCH : EXIT_OK;
}
