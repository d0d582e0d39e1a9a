/* cmd_slurm.c — `optbench slurm FILE.yaml --array N --out-dir DIR`: print
 * an sbatch script whose array tasks each run one shard of a sweep into
 * their own database under DIR. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/store/store.h"
#include "harness/sweep/sweep.h"
#include "optimizers/plugin.h"

static const char usage[] =
    "usage: optbench slurm FILE.yaml --array N --out-dir DIR [options] > job.sbatch\n"
    "  --array N            array tasks; task I runs shard I/N of the sweep\n"
    "  --out-dir DIR        folder of the shard databases (shard-I.db) and task logs,\n"
    "                       created when missing; every node must see it\n"
    "  --partition P        Slurm partition\n"
    "  --time T             time limit of each task (e.g. 02:00:00)\n"
    "  --cpus-per-task C    CPUs of each task (default: Slurm's)\n"
    "  --gres G             generic resources of each task (e.g. gpu:1)\n"
    "  --jobs J             worker processes of each task (default: its CPUs)\n"
    "  --plugin PATH        load an optimizer plugin (repeatable); the script passes\n"
    "                       every plugin it loaded, by absolute path\n"
    "  The sweep file is checked first. The script runs this optbench binary on the\n"
    "  sweep file by absolute path; submitting it again re-runs only the runs that\n"
    "  are not finished. Combine the shards with `optbench merge`.\n";

/* The parsed command line. */
typedef struct {
    const char *file;      /* the sweep file */
    long array;            /* array tasks */
    const char *out_dir;   /* folder of shard databases and logs */
    const char *partition; /* --partition, or NULL */
    const char *time;      /* --time, or NULL */
    long cpus;             /* --cpus-per-task; 0: not given */
    const char *gres;      /* --gres, or NULL */
    long jobs;             /* --jobs; 0: the task's CPUs */
} SlurmArgs;

/* 1 when text can stand unquoted in an #SBATCH line. */
static int sbatch_word(const char *text)
{
    return *text && !text[strcspn(text, " \t\r\n\"'\\%#$`")];
}

static int parse_args(int argc, char **argv, SlurmArgs *a)
{
    enum { O_ARRAY = 256, O_OUT, O_PARTITION, O_TIME, O_CPUS, O_GRES, O_JOBS, O_HELP };
    static const struct option opts[] = {
        {"array", required_argument, 0, O_ARRAY}, {"out-dir", required_argument, 0, O_OUT},
        {"partition", required_argument, 0, O_PARTITION}, {"time", required_argument, 0, O_TIME},
        {"cpus-per-task", required_argument, 0, O_CPUS}, {"gres", required_argument, 0, O_GRES},
        {"jobs", required_argument, 0, O_JOBS}, {"help", no_argument, 0, O_HELP}, {0, 0, 0, 0},
    };
    int c;
    *a = (SlurmArgs){0};
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_ARRAY:
            if (cli_long("--array", optarg, 1, 1000000, &a->array)) return EXIT_USAGE;
            break;
        case O_OUT: a->out_dir = optarg; break;
        case O_PARTITION:
            if (!sbatch_word(optarg)) return cli_fail(EXIT_USAGE, "--partition: '%s' is not a partition name", optarg);
            a->partition = optarg;
            break;
        case O_TIME:
            if (!*optarg || optarg[strspn(optarg, "0123456789:-")])
                return cli_fail(EXIT_USAGE, "--time: '%s' is not a Slurm time such as 02:00:00 or 1-00:00:00", optarg);
            a->time = optarg;
            break;
        case O_CPUS:
            if (cli_long("--cpus-per-task", optarg, 1, 100000, &a->cpus)) return EXIT_USAGE;
            break;
        case O_GRES:
            if (!sbatch_word(optarg)) return cli_fail(EXIT_USAGE, "--gres: '%s' is not a resource list such as gpu:1", optarg);
            a->gres = optarg;
            break;
        case O_JOBS:
            if (cli_long("--jobs", optarg, 1, 4096, &a->jobs)) return EXIT_USAGE;
            break;
        case O_HELP: fputs(usage, stdout); exit(EXIT_OK);
        default: return cli_usage_error(usage, "slurm: unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return cli_usage_error(usage, "slurm: expected one sweep file");
    if (!a->array) return cli_usage_error(usage, "slurm: --array N is required");
    if (!a->out_dir) return cli_usage_error(usage, "slurm: --out-dir DIR is required");
    a->file = argv[optind];
    return EXIT_OK;
}

/* Writes text in single quotes for the shell. */
static void put_quoted(const char *text)
{
    putchar('\'');
    for (const char *s = text; *s; s++) *s == '\'' ? fputs("'\\''", stdout) : putchar(*s);
    putchar('\'');
}

/* The sweep name with everything but letters, digits, '.', '_' and '-' as '_'. */
static void job_name(const char *name, char *out, size_t len)
{
    size_t i = 0;
    for (; name[i] && i + 1 < len; i++)
        out[i] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", name[i]) ? name[i] : '_';
    out[i] = 0;
}

int cmd_slurm(int argc, char **argv)
{
    SlurmArgs a;
    SweepSpec *spec = NULL;
    RunConfig *runs = NULL;
    long n = 0;
    ssize_t exe_len;
    char err[ERRMSG_MAX], exe[PATH_MAX], sweep_path[PATH_MAX], cwd[PATH_MAX], dir[2 * PATH_MAX + 2], probe[2 * PATH_MAX + 16], job[128];
    int rc = parse_args(argc, argv, &a);
    if (rc != EXIT_OK) return rc;
    rc = EXIT_USAGE;
    if (sweep_load(a.file, &spec, err, sizeof err) || sweep_expand(spec, &runs, &n, err, sizeof err)) {
        cli_fail(EXIT_USAGE, "%s", err);
        goto cleanup;
    }
    if (!realpath(a.file, sweep_path)) {
        cli_fail(EXIT_USAGE, "%s: %s", a.file, strerror(errno));
        goto cleanup;
    }
    if (a.out_dir[0] != '/' && !getcwd(cwd, sizeof cwd)) {
        cli_fail(EXIT_RUNTIME, "the current folder: %s", strerror(errno));
        goto cleanup;
    }
    snprintf(dir, sizeof dir, "%s%s%s", a.out_dir[0] == '/' ? "" : cwd, a.out_dir[0] == '/' ? "" : "/", a.out_dir);
    for (size_t len = strlen(dir); len > 1 && dir[len - 1] == '/'; len--) dir[len - 1] = 0;
    if (!sbatch_word(dir)) {
        cli_fail(EXIT_USAGE, "%s: a folder for #SBATCH --output must not hold spaces, quotes or %%, #, $, `, \\", dir);
        goto cleanup;
    }
    snprintf(probe, sizeof probe, "%s/shard-0.db", dir);
    if (store_make_parent_dirs(probe)) {
        cli_fail(EXIT_USAGE, "%s: cannot create the folder: %s", dir, strerror(errno));
        goto cleanup;
    }
    rc = EXIT_RUNTIME;
    if ((exe_len = readlink("/proc/self/exe", exe, sizeof exe - 1)) < 0) {
        cli_fail(EXIT_RUNTIME, "/proc/self/exe: %s", strerror(errno));
        goto cleanup;
    }
    exe[exe_len] = 0;
    if (a.array > n)
        fprintf(stderr, "optbench: note: %ld array tasks for %ld runs; tasks %ld and above have nothing to run\n",
                a.array, n, n);
    job_name(spec->name, job, sizeof job);
    printf("#!/bin/sh\n#SBATCH --job-name=optbench-%s\n#SBATCH --array=0-%ld\n", job, a.array - 1);
    printf("#SBATCH --output=%s/slurm-%%A_%%a.out\n#SBATCH --error=%s/slurm-%%A_%%a.err\n", dir, dir);
    if (a.partition) printf("#SBATCH --partition=%s\n", a.partition);
    if (a.time) printf("#SBATCH --time=%s\n", a.time);
    if (a.cpus) printf("#SBATCH --cpus-per-task=%ld\n", a.cpus);
    if (a.gres) printf("#SBATCH --gres=%s\n", a.gres);
    printf("# Sweep '%s', %ld runs, as %ld array tasks: task I runs the runs whose index\n"
           "# is I modulo %ld into its own database shard-I.db. Submitting this script again\n"
           "# re-runs only unfinished runs. Then: optbench merge ALL.db shard-*.db\n"
           "set -eu\nexec ", job, n, a.array, a.array);
    put_quoted(exe);
    fputs(" sweep ", stdout);
    for (int i = 0; i < plugin_count(); i++) {
        fputs("--plugin ", stdout);
        put_quoted(plugin_at(i)->path);
        putchar(' ');
    }
    put_quoted(sweep_path);
    printf(" --shard \"$SLURM_ARRAY_TASK_ID/%ld\" --db ", a.array);
    put_quoted(dir);
    fputs("/shard-\"$SLURM_ARRAY_TASK_ID\".db --jobs ", stdout);
    if (a.jobs) printf("%ld\n", a.jobs);
    else fputs("\"${SLURM_CPUS_PER_TASK:-1}\"\n", stdout);
    rc = fflush(stdout) ? cli_fail(EXIT_RUNTIME, "writing the script: %s", strerror(errno)) : EXIT_OK;
cleanup:
    free(runs);
    sweep_free(spec);
    return rc;
}
