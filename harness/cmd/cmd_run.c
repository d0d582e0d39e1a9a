/* cmd_run.c — `optbench run`: one configuration, recorded in the database. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/run/config.h"
#include "harness/run/runner.h"
#include "harness/core/device.h"
#include "harness/core/hostinfo.h"
#include "harness/sweep/execute.h"
#include "harness/sweep/sweep.h"
#include "harness/store/store.h"

#define DEFAULT_SWEEP "adhoc" /* --sweep's default */

/* The flags of `optbench run` beyond the run settings. */
enum { F_DB = CLI_FIRST, F_SWEEP, F_QUIET };

static const CliFlag flags[] = {
    CLI_DB_FLAG(F_DB),
    {"sweep", "NAME", F_SWEEP, 0, "sweep the run is filed under (default " DEFAULT_SWEEP ")"},
    CLI_PLUGIN_FLAG,
    {"quiet", NULL, F_QUIET, 0, "print nothing on success"},
    {0},
};

const CliCommand run_command = {
    .name = "run",
    .settings = SETTING_RUN, /* run_settings is the table of its other flags */
    .flags = flags,
    .notes = "A run already recorded as done or diverged under the same sweep is not repeated.\n",
};

/* Parses the flags into cfg and loads its problem into *loaded; returns
 * EXIT_OK, the exit code of a usage error, or CLI_HELPED. */
static int parse_args(int argc, char **argv, RunConfig *cfg, LoadedProblem *loaded, const char **db_path,
                      const char **sweep, int *quiet, char *gpu, size_t gpu_len)
{
    char err[ERRMSG_MAX];
    CliParse p;
    cli_begin(&p, &run_command, argc, argv);
    for (int id; (id = cli_next(&p)) != CLI_END;) {
        switch (id) {
        case CLI_STOP: return p.rc == EXIT_OK ? CLI_HELPED : p.rc;
        case F_DB: *db_path = p.value; break;
        case F_SWEEP: *sweep = p.value; break;
        case F_QUIET: *quiet = 1; break;
        default: /* CLI_SETTING + i: run_settings[i] */
            if (setting_apply(&run_settings[id - CLI_SETTING], cfg, p.value, err, sizeof err))
                return cli_fail(EXIT_USAGE, "--%s: %s", p.flag->name, err);
            break;
        }
    }
    if (cfg->threads > host_cores())
        return cli_fail(EXIT_USAGE, "--threads: %d is more than the %d cores of this machine", cfg->threads,
                        host_cores());
    if (params_check_name("--sweep", *sweep, SWEEP_NAME_MAX, err, sizeof err) != 0) return cli_fail(EXIT_USAGE, "%s", err);
    if (config_check_device(cfg, gpu, gpu_len, err, sizeof err) != 0) return cli_fail(EXIT_USAGE, "--device cuda: %s", err);
    /* A problem whose data cannot be loaded is an input error, found before
     * the database is opened so that nothing is written; the run then uses
     * this instance rather than reading the data again. */
    if (loaded_problem_make(cfg->problem, &cfg->problem_opts, loaded, err, sizeof err) != 0)
        return cli_fail(EXIT_USAGE, "--problem %s: %s", cfg->problem->name, err);
    cfg->loaded = loaded;
    return EXIT_OK;
}

static void print_summary(int64_t run_id, const RunConfig *cfg, const RunSummary *s)
{
    char problem[CONFIG_TEXT_MAX], hp[CONFIG_TEXT_MAX];
    params_json(&cfg->problem_opts, problem, sizeof problem);
    params_json(&cfg->hparams, hp, sizeof hp);
    printf("run %lld: %s %s x %s %s\n", (long long)run_id, cfg->problem->name, problem,
           cfg->optimizer->name, hp);
    printf("  status %s after %ld steps%s%s\n", run_status_name(s->status), s->steps_done,
           s->error[0] ? ": " : "", s->error);
    printf("  loss first %.6g, final %.6g, best %.6g", s->first_loss, s->final_loss, s->best_loss);
    if (!isnan(s->eval_loss)) printf("; held-out loss %.6g", s->eval_loss);
    if (!isnan(s->eval_accuracy)) printf(", accuracy %.4f", s->eval_accuracy);
    printf("\n  target %g: %s", s->target, s->steps_to_target > 0 ? "" : "not reached\n");
    if (s->steps_to_target > 0) printf("step %ld, %.4g s\n", s->steps_to_target, s->seconds_to_target);
    printf("  step %.3g ms median (fwd+bwd %.3g, optimizer %.3g); wall %.3g s\n", 1e3 * s->step_median,
           1e3 * s->fb_median, 1e3 * s->opt_median, s->wall_seconds);
    if (s->flops_per_step > 0) {
        printf("  compute: %.4g GFLOP per step, %.4g GFLOP/s", s->flops_per_step / 1e9, s->gflops);
        if (!isnan(s->sgemm_gflops))
            printf(", MFU %.1f%% of the sgemm rate on its shapes, %.4g GFLOP/s", 100 * s->gflops / s->sgemm_gflops,
                   s->sgemm_gflops);
        printf(" (%d threads)\n", s->threads);
    }
    printf("  memory: %ld params, state %ld B (%.3g B/param", s->n_params, s->state_bytes,
           s->n_params ? (double)s->state_bytes / (double)s->n_params : 0.0);
    for (int g = 0; g < N_ROLES; g++)
        if (s->group_params[g])
            printf("; %s %.3g", group_name((TensorRole)g), (double)s->group_state_bytes[g] / (double)s->group_params[g]);
    printf("), peak %ld B, peak RSS %.1f MiB\n", s->peak_bytes, (double)s->peak_rss / (1 << 20));
    if (s->device_peak_bytes >= 0)
        printf("  device memory: peak %ld B through optbench, %.1f MiB in use on the GPU\n", s->device_peak_bytes,
               (double)s->device_used_bytes / (1 << 20));
}

/* Prints the summary of the run once it is stored. */
static void report(void *ctx, const RunConfig *cfg, int64_t run_id, const RunSummary *sum)
{
    const int *quiet = ctx;
    if (!*quiet) print_summary(run_id, cfg, sum);
    if (sum->status == RUN_FAILED || sum->status == RUN_TIMEOUT)
        cli_fail(EXIT_RUNTIME, "run %lld %s: %s", (long long)run_id, run_status_name(sum->status), sum->error);
}

int cmd_run(int argc, char **argv)
{
    RunConfig cfg;
    LoadedProblem loaded = {0};
    const char *db_path = STORE_DEFAULT_PATH, *sweep = DEFAULT_SWEEP;
    int quiet = 0, rc;
    char err[ERRMSG_MAX], cpu[256], gpu[DEVICE_NAME_MAX], machine[1024];
    sqlite3 *db = NULL;
    int64_t sweep_id = 0;
    ExecCounts counts;

    config_defaults(&cfg);
    rc = parse_args(argc, argv, &cfg, &loaded, &db_path, &sweep, &quiet, gpu, sizeof gpu);
    if (rc != EXIT_OK) {
        rc = rc == CLI_HELPED ? EXIT_OK : rc;
        goto cleanup;
    }
    if (store_open(db_path, &db, err, sizeof err) != 0) {
        rc = cli_fail(EXIT_USAGE, "%s", err);
        goto cleanup;
    }
    host_cpu_name(cpu, sizeof cpu);
    ExecOptions opt = {.jobs = 1, .quiet = 1, .machine = machine, .on_result = report, .ctx = &quiet};
    host_machine_json(machine, sizeof machine, 1, cfg.threads);
    /* the build of a plugin's optimizer is recorded with the sweep, as a
     * sweep file's are; runs of another build go under another sweep */
    const PluginInfo *plugin = plugin_of(cfg.optimizer);
    if (plugin && (rc = cli_check_plugin_build(db, db_path, "run", sweep, plugin,
                                               "Give the run another --sweep NAME")) != EXIT_OK)
        goto cleanup;
    rc = EXIT_RUNTIME;
    if (store_sweep(db, sweep, "runs recorded by `optbench run`", gpu[0] ? gpu : cpu, &sweep_id, err, sizeof err) != 0 ||
        store_sweep_machine(db, sweep_id, machine, err, sizeof err) != 0 ||
        (plugin && store_add_sweep_plugin(db, sweep_id, plugin, err, sizeof err) != 0) ||
        execute_runs(db, sweep_id, &cfg, 1, &opt, &counts, err, sizeof err) != 0) {
        cli_fail(EXIT_RUNTIME, "%s: %s", db_path, err);
        goto cleanup;
    }
    if ((counts.already || counts.elsewhere) && !quiet) printf("already recorded in %s (sweep %s); nothing to do\n", db_path, sweep);
    rc = counts.interrupted ? EXIT_SIGNAL + counts.interrupted : counts.failed || counts.timeout ? EXIT_RUNTIME : EXIT_OK;
cleanup:
    store_close(db);
    loaded_problem_free(&loaded);
    return rc;
}
