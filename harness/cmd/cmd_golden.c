/* cmd_golden.c — `optbench golden`: golden update vectors of any optimizer
 * configuration from optbench's own steps, on synthetic gradients or on a
 * problem's gradients along its trajectory, in the format `optbench verify`
 * and python/optbench_golden.py read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/check/golden.h"
#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/core/child.h"
#include "harness/core/hostinfo.h"
#include "harness/run/config.h"
#include "optimizers/plugin.h"

#define DEFAULT_N 64     /* --n's default */
#define DEFAULT_STEPS 20 /* --steps' default */

enum { F_OPTIMIZER = CLI_FIRST, F_N, F_TENSORS, F_PROBLEM, F_STEPS, F_SEED, F_OUT };

static const CliFlag flags[] = {
    {"optimizer", "SPEC", F_OPTIMIZER, 1, "the optimizer configuration"},
    {"n", "N", F_N, 0, "one vector of N synthetic parameters (default " CLI_TEXT(DEFAULT_N) ")"},
    {"tensors", "LIST", F_TENSORS, 0,
     "synthetic tensors NAME:ROLE:SHAPE,..., e.g. 'w:matrix:8x6,b:vector:6'\n"
     "(ROLE matrix, embedding or vector: the parameter groups)"},
    {"problem", "SPEC", F_PROBLEM, 0,
     "the problem's tensors, initial parameters and gradients along the\n"
     "trajectory the optimizer takes (step s: minibatch s-1 of the seed)"},
    {"steps", "N", F_STEPS, 0, "steps recorded (default " CLI_TEXT(DEFAULT_STEPS) ")"},
    {"seed", "N", F_SEED, 0, "seeds the synthetic values, or the problem's init and batches (default 0)"},
    {"out", "FILE", F_OUT, 0, "write FILE (whole or not at all) instead of standard output"},
    CLI_PLUGIN_FLAG,
    {0},
};

const CliCommand golden_command = {
    .name = "golden",
    .about = "  Writes golden update vectors of the optimizer configuration SPEC (hyperparameters\n"
             "  and GROUP.KEY overrides) from optbench's own CPU step, constant lr, no clipping,\n"
             "  on one of --n, --tensors and --problem:\n",
    .flags = flags,
    .notes = "  `optbench verify FILE` replays the file; `optbench verify --optimizer OTHER FILE` checks\n"
             "  another implementation against it. The steps run in a child process: exit 3 with\n"
             "  one line naming the plugin, its function and the step when the optimizer crashes.\n",
};

/* Writes g to path through a temporary file beside it, renamed over path
 * once complete. 0, or -1 with the reason printed. */
static int write_file(const char *path, const Golden *g, const char *comment)
{
    char tmp[4096];
    const int fd = snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) < (int)sizeof tmp ? mkstemp(tmp) : -1;
    const mode_t mask = umask(0);
    umask(mask);
    /* mkstemp's file is private (0600); the file written is an ordinary one */
    FILE *f = fd >= 0 && fchmod(fd, 0666 & ~mask) == 0 ? fdopen(fd, "w") : NULL;
    int rc = -1;
    if (!f) {
        cli_fail(EXIT_RUNTIME, "--out %s: cannot create a file beside it: %m", path);
        if (fd >= 0) close(fd);
        goto cleanup;
    }
    const int wrote = golden_write(f, g, comment);
    if (fclose(f) != 0 || wrote != 0) {
        cli_fail(EXIT_RUNTIME, "--out %s: write failed: %m", path);
        goto cleanup;
    }
    if (rename(tmp, path) != 0) {
        cli_fail(EXIT_RUNTIME, "--out %s: %m", path);
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (rc != 0 && fd >= 0) unlink(tmp);
    return rc;
}

/* What the child that makes the vectors needs. */
typedef struct {
    Golden *g;              /* the optimizer, its values, the tensors and steps */
    GoldenSource src;       /* where the gradients come from */
    const char *out;        /* the file to write; NULL: stdout */
    const char *comment;    /* the file's comment line */
} GoldenJob;

/* In a child (the optimizer may be a plugin's, whose crash then ends the
 * child only): makes the vectors and writes them; the exit code. */
static int make_and_write(void *ctx)
{
    GoldenJob *job = ctx;
    char err[ERRMSG_MAX];
    if (golden_make(job->g, &job->src, err, sizeof err) != 0) return cli_fail(EXIT_USAGE, "golden: %s", err);
    if (job->out) return write_file(job->out, job->g, job->comment) == 0 ? EXIT_OK : EXIT_RUNTIME;
    if (golden_write(stdout, job->g, job->comment) != 0) return cli_fail(EXIT_RUNTIME, "golden: writing the output failed");
    return EXIT_OK;
}

int cmd_golden(int argc, char **argv)
{
    static Golden g; /* the tensor table is large for a stack */
    RunConfig cfg;
    char err[ERRMSG_MAX], source[ERRMSG_MAX + 64] = "", shown[PARAM_TEXT_MAX];
    const char *opt_spec = NULL, *out = NULL;
    long n = DEFAULT_N, steps = DEFAULT_STEPS;
    CliParse p;
    int c, given[3] = {0, 0, 0}, rc = EXIT_OK; /* given: --n, --tensors, --problem */
    memset(&g, 0, sizeof g);
    config_defaults(&cfg);
    cli_begin(&p, &golden_command, argc, argv);
    while ((c = cli_next(&p)) != CLI_END) {
        const char *v = p.value;
        switch (c) {
        case CLI_STOP: return p.rc;
        case F_OPTIMIZER:
            if (config_set_optimizer(&cfg, v, err, sizeof err) != 0)
                return cli_fail(EXIT_USAGE, "--optimizer: %s", err);
            opt_spec = v;
            break;
        case F_N:
            if (cli_value_long(&p, 1, GOLDEN_MAX_N, &n)) return EXIT_USAGE;
            snprintf(source, sizeof source, " --n %ld", n);
            given[0] = 1;
            break;
        case F_TENSORS:
            if (golden_parse_tensors(v, &g, err, sizeof err) != 0)
                return cli_fail(EXIT_USAGE, "--tensors: %s", err);
            snprintf(source, sizeof source, " --tensors '%s'", params_printable(v, shown, sizeof shown));
            given[1] = 1;
            break;
        case F_PROBLEM:
            if (config_set_problem(&cfg, v, err, sizeof err) != 0)
                return cli_fail(EXIT_USAGE, "--problem: %s", err);
            snprintf(source, sizeof source, " --problem %s", params_printable(v, shown, sizeof shown));
            given[2] = 1;
            break;
        case F_STEPS:
            if (cli_value_long(&p, 1, GOLDEN_MAX_STEPS, &steps)) return EXIT_USAGE;
            break;
        case F_SEED:
            if (setting_apply(setting_find("seed"), &cfg, v, err, sizeof err) != 0)
                return cli_fail(EXIT_USAGE, "--seed: %s", err);
            break;
        case F_OUT: out = v; break;
        }
    }
    if (given[0] + given[1] + given[2] > 1) return cli_fail(EXIT_USAGE, "golden: give one of --n, --tensors and --problem");
    if (out && !*out) return cli_fail(EXIT_USAGE, "--out: empty path");
    if (!g.n_tensors) golden_set_flat(&g, (size_t)n);
    g.opt = cfg.optimizer;
    g.hp = cfg.hparams;
    g.steps = steps;
    /* the command that writes this file again; a plugin's optimizer with the plugin's path and digest */
    char comment[sizeof source + 2 * PARAM_TEXT_MAX + PLUGIN_PATH_MAX + 256], plugin[PLUGIN_PATH_MAX + 96] = "",
        digest[SHA256_HEX_LEN + 32] = "";
    const PluginInfo *from = plugin_of(g.opt);
    if (from) {
        snprintf(plugin, sizeof plugin, " --plugin %s", params_printable(from->path, shown, sizeof shown));
        snprintf(digest, sizeof digest, " (plugin sha256 %s)", from->sha256);
    }
    snprintf(comment, sizeof comment, " written by optbench %s: optbench golden%s --optimizer %s%s --steps %ld --seed %llu%s",
             OPTBENCH_VERSION, plugin, params_printable(opt_spec, shown, sizeof shown), source[0] ? source : " --n " CLI_TEXT(DEFAULT_N),
             steps, (unsigned long long)cfg.seed, digest);
    GoldenJob job = {&g, {given[2] ? cfg.problem : NULL, &cfg.problem_opts, cfg.seed}, out, comment};
    rc = child_run(make_and_write, &job, "golden", err, sizeof err);
    if (rc < 0) rc = cli_fail(EXIT_RUNTIME, "%s", err);
    golden_free(&g);
    return rc;
}
