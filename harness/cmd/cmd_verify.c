/* cmd_verify.c — `optbench verify`: golden vector files (every file of a
 * folder, or the files named), each OK or MISMATCH, replayed through the
 * file's optimizer or through another one named with --optimizer. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/core/child.h"
#include "harness/run/config.h"
#include "harness/core/device.h"
#include "harness/check/golden.h"
#include "harness/core/hostinfo.h"

enum { F_DIR = CLI_FIRST, F_DEVICE, F_OPTIMIZER };

static const CliFlag flags[] = {
    {"dir", "DIR", F_DIR, 0, "replay every *.txt of DIR instead of FILE arguments"},
    {"optimizer", "SPEC", F_OPTIMIZER, 0,
     "replay with this optimizer instead of each file's own: the file's\n"
     "hyperparameters, then SPEC's keys over them (a file key SPEC's\n"
     "optimizer lacks is left out only at its default)"},
    {"device", "cpu|cuda", F_DEVICE, 0, "where the steps run (default cpu)"},
    CLI_PLUGIN_FLAG,
    {0},
};

const CliCommand verify_command = {
    .name = "verify",
    .operands = "[FILE...]",
    .about = "  Replays golden update vector files through an optimizer's step on the device\n"
             "  (cpu, or cuda: the fused GPU kernel, default cpu) and prints OK or MISMATCH with\n"
             "  the first value beyond the tolerance and the worst (SKIP on cuda for an optimizer\n"
             "  without a CUDA kernel). The files: those named, else every *.txt of DIR, which\n"
             "  defaults to tests/golden of the source tree, else PREFIX/share/optbench/golden of\n"
             "  an installed optbench.\n",
    .flags = flags,
    .notes = "  The steps run in a child process. Exit 1 on any mismatch, 2 on a file or spec\n"
             "  that cannot be used, 3 when the optimizer crashed (one line naming the plugin,\n"
             "  its function, the step and the file).\n",
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Checks one file (shown: its name in the OK lines); adds to the counts. */
static void verify_file(const char *path, const char *shown, const char *spec, Device dev, int *mismatches,
                        int *errors, int *skipped)
{
    static Golden g; /* the tensor table is large for a stack */
    GoldenResult r;
    char err[ERRMSG_MAX], note[ERRMSG_MAX], first[96], worst[96], name[160], hp[GOLDEN_HPARAMS_MAX];
    if (golden_read(path, &g, err, sizeof err) != 0) {
        printf("ERROR     %s\n", err);
        (*errors)++;
        return;
    }
    if (golden_configure(&g, path, spec, note, sizeof note, err, sizeof err) != 0) {
        printf("ERROR     %s\n", err);
        (*errors)++;
        golden_free(&g);
        return;
    }
    if (note[0]) printf("NOTE      %s: %s\n", path, note);
    if (strcmp(g.opt->name, g.optimizer)) snprintf(name, sizeof name, "%s (file: %s)", g.opt->name, g.optimizer);
    else snprintf(name, sizeof name, "%s", g.optimizer);
    /* the values replayed: as the file writes them, or with --optimizer the replaying optimizer's */
    if (!spec) snprintf(hp, sizeof hp, "%s", g.hparams[0] ? g.hparams : "-");
    else if (params_spec_text(&g.hp, hp, sizeof hp) != 0 || !hp[0]) snprintf(hp, sizeof hp, "%s", "-");
    if (dev == DEVICE_CUDA && !optimizer_has_cuda(g.opt)) {
        printf("SKIP      %-28s %-8s no CUDA kernel for %s\n", shown, name, g.opt->name);
        (*skipped)++;
    } else if (golden_check(&g, dev, &r, err, sizeof err) != 0) {
        printf("ERROR     %s: %s\n", path, err);
        (*errors)++;
    } else if (r.ok) {
        printf("OK        %-28s %-8s %-60s worst %.2e\n", shown, name, hp, r.worst_err);
    } else {
        golden_locate(&g, r.first_index, first, sizeof first);
        golden_locate(&g, r.worst_index, worst, sizeof worst);
        printf("MISMATCH  %s: %s %s: first at step %ld, index %zu: got %.9g, expected %.9g (%s, error %.2e > %.0e); "
               "worst at step %ld, index %zu (%s): got %.9g, expected %.9g (error %.2e); %zu of %ld values beyond\n",
               path, name, hp, r.first_step, r.first_index, (double)r.first_got,
               (double)r.first_expected, first, r.first_err, GOLDEN_TOL, r.worst_step, r.worst_index, worst,
               (double)r.got, (double)r.expected, r.worst_err, r.n_bad, (long)g.n * g.steps);
        (*mismatches)++;
    }
    golden_free(&g);
}

#define VERIFY_DIR_MAX 1024 /* files of a folder verified at most */

/* The files verify replays, and how. */
typedef struct {
    const char *dir;      /* the folder of the files; NULL: names are paths */
    char *const *names;   /* the files (as named, or names in dir, sorted) */
    int n;                /* entries in names */
    const char *spec;     /* --optimizer, or NULL */
    Device dev;           /* where the steps run */
} VerifyJob;

/* In a child (the optimizer may be a plugin's, whose crash then ends the
 * child only): checks every file of the job and prints the summary line;
 * the exit code. */
static int verify_files(void *ctx)
{
    const VerifyJob *job = ctx;
    int mismatches = 0, errors = 0, skipped = 0;
    for (int i = 0; i < job->n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s%s%s", job->dir ? job->dir : "", job->dir ? "/" : "", job->names[i]);
        child_task("verifying %s", path);
        verify_file(path, job->names[i], job->spec, job->dev, &mismatches, &errors, &skipped);
    }
    printf("verify: %d files, %d ok, %d mismatched, %d unreadable", job->n, job->n - mismatches - errors - skipped,
           mismatches, errors);
    if (skipped) printf(", %d without a CUDA kernel", skipped);
    printf("\n");
    return errors ? EXIT_USAGE : mismatches ? EXIT_MISMATCH : EXIT_OK;
}

int cmd_verify(int argc, char **argv)
{
    const char *dir = NULL, *spec = NULL;
    char gpu[DEVICE_NAME_MAX], err[ERRMSG_MAX], golden_dir[1024];
    Device dev = DEVICE_CPU;
    CliParse p;
    cli_begin(&p, &verify_command, argc, argv);
    for (int id; (id = cli_next(&p)) != CLI_END;) {
        switch (id) {
        case CLI_STOP: return p.rc;
        case F_DIR: dir = p.value; break;
        case F_OPTIMIZER: spec = p.value; break;
        case F_DEVICE:
            if (cli_device(p.value, &dev) != EXIT_OK) return EXIT_USAGE;
            break;
        }
    }
    const int n_files = p.n_operands;
    if (n_files && dir) return cli_fail(EXIT_USAGE, "verify: give --dir or FILE arguments, not both");
    if (spec && !n_files && !dir)
        return cli_fail(EXIT_USAGE, "verify: --optimizer needs the files to replay (FILE... or --dir DIR)");
    if (spec) { /* the spec alone, before any file: its optimizer, keys and ranges (the cross-key
                   rules wait for each file's values) */
        Spec sp;
        ParamSet ps;
        if (spec_parse(spec, &sp, err, sizeof err) != 0) return cli_fail(EXIT_USAGE, "--optimizer: %s", err);
        const OptimizerDef *opt = optimizer_find(sp.name);
        if (!opt)
            return cli_fail(EXIT_USAGE, "--optimizer: unknown optimizer '%s' (known: %s)", sp.name, optimizer_names());
        optimizer_defaults(opt, &ps);
        if (spec_apply(&sp, &ps, err, sizeof err) != 0) return cli_fail(EXIT_USAGE, "--optimizer %s: %s", sp.name, err);
    }
    if (dev == DEVICE_CUDA) {
        if (device_probe(gpu, sizeof gpu, err, sizeof err) != 0) return cli_fail(EXIT_USAGE, "--device cuda: %s", err);
        printf("# device: %s\n", gpu);
    }
    VerifyJob job = {NULL, p.operands, n_files, spec, dev};
    char *names[VERIFY_DIR_MAX];
    int n = 0;
    if (!n_files) {
        if (!dir) {
            host_find_shipped("tests/golden", "golden", golden_dir, sizeof golden_dir);
            dir = golden_dir;
        }
        DIR *d = opendir(dir);
        if (!d) return cli_fail(EXIT_USAGE, "%s: cannot open the golden vector folder", dir);
        struct dirent *e;
        while ((e = readdir(d)) && n < VERIFY_DIR_MAX) {
            size_t l = strlen(e->d_name);
            if (l > 4 && strcmp(e->d_name + l - 4, ".txt") == 0) names[n++] = strdup(e->d_name);
        }
        closedir(d);
        if (n == 0) return cli_fail(EXIT_USAGE, "%s: no golden vector files (*.txt)", dir);
        qsort(names, (size_t)n, sizeof names[0], cmp_str);
        job = (VerifyJob){dir, names, n, spec, dev};
    }
    int rc = child_run(verify_files, &job, "verify", err, sizeof err);
    if (rc < 0) rc = cli_fail(EXIT_RUNTIME, "%s", err);
    for (int i = 0; i < n; i++) free(names[i]);
    return rc;
}
