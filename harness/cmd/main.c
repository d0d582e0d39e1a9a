/* main.c — optbench's entry point: one table of subcommands. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/core/device.h"
#include "harness/core/hostinfo.h"
#include "optimizers/plugin.h"

typedef struct {
    const CliCommand *cli;           /* its name (as typed after `optbench`), flags and help */
    int (*fn)(int argc, char **argv); /* the subcommand */
    const char *summary;             /* one line for --help */
} Command;

static const Command commands[] = {
    {&run_command, cmd_run, "run one problem x optimizer configuration into the database"},
    {&sweep_command, cmd_sweep, "run a YAML sweep file (grid or random search), resuming what is finished"},
    {&list_command, cmd_list, "list sweeps or runs of a database"},
    {&report_command, cmd_report, "write a sweep's comparison report (HTML and Markdown, gnuplot plots)"},
    {&best_command, cmd_best, "print a sweep's best configuration per problem and optimizer, with flags"},
    {&show_command, cmd_show, "print one run's configuration, summary, MFU and sparklines of its loss and norms"},
    {&rm_command, cmd_rm, "remove a sweep with its runs and metrics"},
    {&rename_command, cmd_rename, "rename a sweep"},
    {&merge_command, cmd_merge, "combine shard databases into one, idempotently"},
    {&check_command, cmd_check, "check a result database: full integrity check and schema; exit 1 on a problem"},
    {&slurm_command, cmd_slurm, "print an sbatch script running a sweep as a Slurm job array of shards"},
    {&export_command, cmd_export, "write a sweep's runs or metrics as CSV or JSON lines"},
    {&verify_command, cmd_verify, "check optimizers against golden update vectors (tests/golden, or given files)"},
    {&golden_command, cmd_golden, "write golden update vectors of any optimizer configuration"},
    {&compare_command, cmd_compare, "compare two result databases run by run; exit 1 on a regression"},
    {&bench_command, cmd_bench, "time optimizer steps against the machine's measured roofline"},
    {&gradcheck_command, cmd_gradcheck, "compare a problem's gradient with central differences"},
    {&optimizers_command, cmd_optimizers, "list optimizers, hyperparameters, defaults and ranges"},
    {&problems_command, cmd_problems, "list problems and their options"},
};

/* Loads the plugins of every --plugin PATH (or --plugin=PATH) before the
 * first "--" and takes those words out of argv; EXIT_OK, or EXIT_USAGE
 * with the path and the reason. */
static int load_plugins(int *argc, char **argv)
{
    char err[ERRMSG_MAX];
    int kept = 1, i = 1;
    for (; i < *argc && strcmp(argv[i], "--"); i++) {
        const char *path = NULL;
        if (!strcmp(argv[i], "--plugin")) {
            if (i + 1 == *argc) return cli_fail(EXIT_USAGE, "--plugin: expected the path of a plugin (a .so file)");
            path = argv[++i];
        } else if (!strncmp(argv[i], "--plugin=", 9)) {
            path = argv[i] + 9;
        } else {
            argv[kept++] = argv[i];
            continue;
        }
        if (plugin_load(path, err, sizeof err) != 0) return cli_fail(EXIT_USAGE, "%s", err);
    }
    while (i < *argc) argv[kept++] = argv[i++];
    argv[kept] = NULL;
    *argc = kept;
    return EXIT_OK;
}

/* `optbench --loaded [cublas]`, a diagnostic left out of --help: prints the
 * shared objects this process has mapped, one path a line (from
 * /proc/self/maps), after loading cuBLAS when asked; exit 2 when it cannot
 * be loaded. Its tests check that a command without the GPU maps no CUDA
 * library; tools/device_check.sh checks with it that cuBLAS loads. */
static int print_loaded(int argc, char **argv)
{
    char line[4096], last[4096] = "";
    FILE *maps;
    if (argc > 3 || (argc == 3 && strcmp(argv[2], "cublas")))
        return cli_fail(EXIT_USAGE, "--loaded: expected nothing or 'cublas' after it");
    if (argc == 3) {
#ifdef OPTBENCH_CUDA
        char err[ERRMSG_MAX];
        if (device_load_cublas(err, sizeof err) != 0) return cli_fail(EXIT_USAGE, "%s", err);
#else
        return cli_fail(EXIT_USAGE, "--loaded cublas: this optbench was built without CUDA");
#endif
    }
    if (!(maps = fopen("/proc/self/maps", "r"))) return cli_fail(EXIT_USAGE, "--loaded: cannot read /proc/self/maps");
    while (fgets(line, sizeof line, maps)) {
        const char *path = strchr(line, '/');
        if (!path || !strstr(path, ".so") || !strcmp(path, last)) continue;
        snprintf(last, sizeof last, "%s", path);
        fputs(path, stdout);
    }
    fclose(maps);
    return EXIT_OK;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: optbench <command> [options]   (optbench <command> --help)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].cli->name, commands[i].summary);
    fprintf(out, "\nexit codes: 0 ok, 1 check failed, 2 usage or input error, 3 runtime error,\n"
                 "            130 stopped by SIGINT (Ctrl-C), 143 stopped by SIGTERM\n");
}

int main(int argc, char **argv)
{
    /* OpenBLAS on one thread: runs use more cores by splitting each matrix
     * product themselves (problems/gemm.h), which keeps their results the
     * same for any thread count; OpenBLAS's own threads would not (sweep
     * workers, forked from here, inherit it). */
    openblas_set_num_threads(1);
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
#ifdef OPTBENCH_CUDA
        printf("optbench %s (with CUDA)\n", OPTBENCH_VERSION);
#else
        printf("optbench %s (without CUDA)\n", OPTBENCH_VERSION);
#endif
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "--loaded")) return print_loaded(argc, argv);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].cli->name)) continue;
        argc--, argv++;
        /* a command whose table has --plugin takes it here, before its own flags */
        if (cli_has_flag(commands[i].cli, CLI_PLUGIN) && load_plugins(&argc, argv) != EXIT_OK) return EXIT_USAGE;
        return commands[i].fn(argc, argv);
    }
    fprintf(stderr, "optbench: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
