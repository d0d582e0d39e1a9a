/* cmd_run.c — `optbench run`: one configuration, recorded in the database. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/run/config.h"
#include "harness/core/device.h"
#include "harness/core/hostinfo.h"
#include "harness/sweep/execute.h"
#include "harness/store/store.h"

static const char usage[] =
    "usage: optbench run [options]\n"
    "  --problem SPEC         NAME[,key=value...]      (default rosenbrock; see `optbench problems`)\n"
    "  --optimizer SPEC       NAME[,key=value...]      (default sgd; see `optbench optimizers`)\n"
    "  --schedule SPEC        constant|cosine|linear[,warmup=N][,min_lr=X]  (default constant)\n"
    "  --steps N              optimizer updates (default 100)\n"
    "  --seed N               seed of init, minibatches and noise (default 0)\n"
    "  --device cpu|cuda      (default cpu)\n"
    "  --clip X               clip the global gradient norm to X (default 0: off)\n"
    "  --accum K              average K minibatch gradients per update (default 1)\n"
    "  --log-every K          metrics row every K steps and at the last (default 1)\n"
    "  --eval-every K         held-out evaluation every K steps (default 0: at the end)\n"
    "  --target X             target training loss for time-to-target (default: the problem's)\n"
    "  --divergence-factor X  diverged when loss > X * first loss (default 1e6)\n"
    "  --db PATH              result database (default " STORE_DEFAULT_PATH ")\n"
    "  --sweep NAME           sweep the run is filed under (default adhoc)\n"
    "  --quiet                print nothing on success\n"
    "A run already recorded as done or diverged under the same sweep is not repeated.\n";

/* Parses the flags into cfg; returns EXIT_OK or EXIT_USAGE. */
static int parse_args(int argc, char **argv, RunConfig *cfg, const char **db_path,
                      const char **sweep, int *quiet, char *gpu, size_t gpu_len)
{
    enum { O_PROBLEM = 256, O_OPTIMIZER, O_SCHEDULE, O_STEPS, O_SEED, O_DEVICE, O_CLIP, O_ACCUM,
           O_LOG, O_EVAL, O_TARGET, O_DIVERGE, O_DB, O_SWEEP, O_QUIET, O_HELP };
    static const struct option opts[] = {
        {"problem", required_argument, 0, O_PROBLEM}, {"optimizer", required_argument, 0, O_OPTIMIZER},
        {"schedule", required_argument, 0, O_SCHEDULE}, {"steps", required_argument, 0, O_STEPS},
        {"seed", required_argument, 0, O_SEED}, {"device", required_argument, 0, O_DEVICE},
        {"clip", required_argument, 0, O_CLIP}, {"accum", required_argument, 0, O_ACCUM},
        {"log-every", required_argument, 0, O_LOG}, {"eval-every", required_argument, 0, O_EVAL},
        {"target", required_argument, 0, O_TARGET},
        {"divergence-factor", required_argument, 0, O_DIVERGE}, {"db", required_argument, 0, O_DB},
        {"sweep", required_argument, 0, O_SWEEP}, {"quiet", no_argument, 0, O_QUIET},
        {"help", no_argument, 0, O_HELP}, {0, 0, 0, 0},
    };
    char err[ERRMSG_MAX];
    long v;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_PROBLEM:
            if (config_set_problem(cfg, optarg, err, sizeof err)) return cli_fail(EXIT_USAGE, "--problem: %s", err);
            break;
        case O_OPTIMIZER:
            if (config_set_optimizer(cfg, optarg, err, sizeof err)) return cli_fail(EXIT_USAGE, "--optimizer: %s", err);
            break;
        case O_SCHEDULE:
            if (config_set_schedule(cfg, optarg, err, sizeof err)) return cli_fail(EXIT_USAGE, "--schedule: %s", err);
            break;
        case O_STEPS:
            if (cli_long(optarg, 1, 1000000000L, &cfg->steps)) return cli_fail(EXIT_USAGE, "--steps: '%s' is not an integer >= 1", optarg);
            break;
        case O_SEED:
            if (cli_long(optarg, 0, 1L << 53, &v)) return cli_fail(EXIT_USAGE, "--seed: '%s' is not an integer >= 0", optarg);
            cfg->seed = (uint64_t)v;
            break;
        case O_DEVICE:
            if ((v = device_parse(optarg)) < 0) return cli_fail(EXIT_USAGE, "--device: '%s' is not cpu or cuda", optarg);
            cfg->device = (Device)v;
            break;
        case O_CLIP:
            if (cli_double(optarg, 0, INFINITY, &cfg->clip)) return cli_fail(EXIT_USAGE, "--clip: '%s' is not a number >= 0", optarg);
            break;
        case O_ACCUM:
            if (cli_long(optarg, 1, 1 << 20, &v)) return cli_fail(EXIT_USAGE, "--accum: '%s' is not an integer >= 1", optarg);
            cfg->accum = (int)v;
            break;
        case O_LOG:
            if (cli_long(optarg, 1, 1000000000L, &cfg->log_every)) return cli_fail(EXIT_USAGE, "--log-every: '%s' is not an integer >= 1", optarg);
            break;
        case O_EVAL:
            if (cli_long(optarg, 0, 1000000000L, &cfg->eval_every)) return cli_fail(EXIT_USAGE, "--eval-every: '%s' is not an integer >= 0", optarg);
            break;
        case O_TARGET:
            if (cli_double(optarg, -INFINITY, INFINITY, &cfg->target)) return cli_fail(EXIT_USAGE, "--target: '%s' is not a number", optarg);
            break;
        case O_DIVERGE:
            if (cli_double(optarg, 1, INFINITY, &cfg->divergence_factor)) return cli_fail(EXIT_USAGE, "--divergence-factor: '%s' is not a number >= 1", optarg);
            break;
        case O_DB: *db_path = optarg; break;
        case O_SWEEP: *sweep = optarg; break;
        case O_QUIET: *quiet = 1; break;
        case O_HELP: fputs(usage, stdout); exit(EXIT_OK);
        default:
            return cli_usage_error(usage, "run: unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage_error(usage, "run: unexpected argument '%s'", argv[optind]);
    if (config_check_device(cfg, gpu, gpu_len, err, sizeof err) != 0) return cli_fail(EXIT_USAGE, "--device cuda: %s", err);
    /* A problem whose data cannot be loaded is an input error, found before
     * the database is opened so that nothing is written. */
    Problem *pb = cfg->problem->create(&cfg->problem_opts, err, sizeof err);
    if (!pb) return cli_fail(EXIT_USAGE, "--problem %s: %s", cfg->problem->name, err);
    cfg->problem->destroy(pb);
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
    printf("  memory: %ld params, state %ld B, peak %ld B, peak RSS %.1f MiB\n", s->n_params,
           s->state_bytes, s->peak_bytes, (double)s->peak_rss / (1 << 20));
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
    const char *db_path = STORE_DEFAULT_PATH, *sweep = "adhoc";
    int quiet = 0, rc;
    char err[ERRMSG_MAX], cpu[256], gpu[DEVICE_NAME_MAX];
    sqlite3 *db = NULL;
    int64_t sweep_id = 0;
    ExecCounts counts;

    config_defaults(&cfg);
    rc = parse_args(argc, argv, &cfg, &db_path, &sweep, &quiet, gpu, sizeof gpu);
    if (rc != EXIT_OK) return rc;
    if (store_open(db_path, &db, err, sizeof err) != 0) return cli_fail(EXIT_USAGE, "%s", err);
    host_cpu_name(cpu, sizeof cpu);
    ExecOptions opt = {.jobs = 1, .quiet = 1, .on_result = report, .ctx = &quiet};
    rc = EXIT_RUNTIME;
    if (store_sweep(db, sweep, "runs recorded by `optbench run`", gpu[0] ? gpu : cpu, &sweep_id, err, sizeof err) != 0 ||
        execute_runs(db, sweep_id, &cfg, 1, &opt, &counts, err, sizeof err) != 0) {
        cli_fail(EXIT_RUNTIME, "%s: %s", db_path, err);
        goto cleanup;
    }
    if (counts.already && !quiet) printf("already recorded in %s (sweep %s); nothing to do\n", db_path, sweep);
    rc = counts.interrupted ? EXIT_SIGNAL + counts.interrupted : counts.failed || counts.timeout ? EXIT_RUNTIME : EXIT_OK;
cleanup:
    store_close(db);
    return rc;
}
