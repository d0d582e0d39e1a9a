/* cmd_slurm.c — `optbench slurm FILE.yaml --array N --out-dir DIR`: print
 * an sbatch script whose array tasks each run one shard of a sweep into
 * their own database under DIR. */
#include <errno.h>
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

enum { F_ARRAY = CLI_FIRST, F_OUT, F_PARTITION, F_TIME, F_CPUS, F_GRES, F_JOBS };

static const CliFlag flags[] = {
    {"array", "N", F_ARRAY, 1, "array tasks; task I runs shard I/N of the sweep"},
    {"out-dir", "DIR", F_OUT, 1,
     "folder of the shard databases (shard-I.db) and task logs,\ncreated when missing; every node must see it"},
    {"partition", "P", F_PARTITION, 0, "Slurm partition"},
    {"time", "T", F_TIME, 0, "time limit of each task (e.g. 02:00:00)"},
    {"cpus-per-task", "C", F_CPUS, 0, "CPUs of each task (default: Slurm's)"},
    {"gres", "G", F_GRES, 0, "generic resources of each task (e.g. gpu:1)"},
    {"jobs", "J", F_JOBS, 0, "worker processes of each task (default: its CPUs)"},
    {"plugin", "PATH", CLI_PLUGIN, 0,
     "load an optimizer plugin (repeatable); the script passes\nevery plugin it loaded, by absolute path"},
    {0},
};

const CliCommand slurm_command = {
    .name = "slurm",
    .operands = "FILE.yaml",
    .after = "> job.sbatch",
    .flags = flags,
    .notes = "  The sweep file is checked first. The script runs this optbench binary on the\n"
             "  sweep file by absolute path; submitting it again re-runs only the runs that\n"
             "  are not finished. Combine the shards with `optbench merge`.\n",
};

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

/* Reads the flags and the file into a; EXIT_OK, the exit code of a usage
 * error, or CLI_HELPED. */
static int parse_args(int argc, char **argv, SlurmArgs *a)
{
    CliParse p;
    *a = (SlurmArgs){0};
    cli_begin(&p, &slurm_command, argc, argv);
    for (int id; (id = cli_next(&p)) != CLI_END;) {
        const char *v = p.value;
        switch (id) {
        case CLI_STOP: return p.rc == EXIT_OK ? CLI_HELPED : p.rc;
        case F_ARRAY:
            if (cli_value_long(&p, 1, 1000000, &a->array)) return EXIT_USAGE;
            break;
        case F_OUT: a->out_dir = v; break;
        case F_PARTITION:
            if (!sbatch_word(v)) return cli_fail(EXIT_USAGE, "--partition: '%s' is not a partition name", v);
            a->partition = v;
            break;
        case F_TIME:
            if (!*v || v[strspn(v, "0123456789:-")])
                return cli_fail(EXIT_USAGE, "--time: '%s' is not a Slurm time such as 02:00:00 or 1-00:00:00", v);
            a->time = v;
            break;
        case F_CPUS:
            if (cli_value_long(&p, 1, 100000, &a->cpus)) return EXIT_USAGE;
            break;
        case F_GRES:
            if (!sbatch_word(v)) return cli_fail(EXIT_USAGE, "--gres: '%s' is not a resource list such as gpu:1", v);
            a->gres = v;
            break;
        case F_JOBS:
            if (cli_value_long(&p, 1, 4096, &a->jobs)) return EXIT_USAGE;
            break;
        }
    }
    if (p.n_operands != 1) return cli_parse_error(&p, "expected one sweep file");
    a->file = p.operands[0];
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
    if (rc != EXIT_OK) return rc == CLI_HELPED ? EXIT_OK : rc;
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
