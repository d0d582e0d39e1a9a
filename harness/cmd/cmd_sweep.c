/* cmd_sweep.c — `optbench sweep FILE`: expand a YAML sweep and run what is
 * not yet finished on a pool of worker processes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cmd/best_out.h"
#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/core/device.h"
#include "harness/sweep/execute.h"
#include "harness/core/hostinfo.h"
#include "harness/run/runner.h"
#include "harness/store/store.h"
#include "harness/sweep/sweep.h"

enum { F_JOBS = CLI_FIRST, F_SHARD, F_DEVICE, F_DB, F_DRY_RUN, F_FORCE, F_QUIET, F_JSON };

static const CliFlag flags[] = {
    {"jobs", "N", F_JOBS, 0,
     "worker processes (default: the cores / the file's threads_per_job);\n"
     "with threads_per_job > 1, jobs x threads_per_job may not exceed the cores,\n"
     "with threads_per_job 0 (the default) each run has the cores / jobs"},
    {"shard", "I/N", F_SHARD, 0, "run only every N-th configuration starting at I (0 <= I < N)"},
    {"device", "D", F_DEVICE, 0, "run every configuration on cpu or cuda, whatever the file says"},
    CLI_DB_FLAG(F_DB),
    {"dry-run", NULL, F_DRY_RUN, 0, "print the expanded runs and write nothing"},
    {"force", NULL, F_FORCE, 0,
     "resume even when the file differs from the one the sweep was\n"
     "recorded from, or a plugin from the build it recorded (its\n"
     "SHA-256): record the new file and builds, keep the old runs"},
    {"quiet", NULL, F_QUIET, 0, "no progress output"},
    CLI_PLUGIN_FLAG,
    {"json", NULL, F_JSON, 0,
     "print the closing summary (counts, best configuration per\n"
     "problem x optimizer with its flags) as one JSON object"},
    {0},
};

/* The keys of a sweep file, from the table of run settings. */
static void sweep_keys_help(FILE *out)
{
    char keys[4096];
    if (settings_help(SETTING_SWEEP, keys, sizeof keys) == 0)
        fprintf(out, "Run settings of a sweep file (top-level keys, beside name, seeds, " SWEEP_OTHER_KEYS
                     ",\nproblems and optimizers):\n%s", keys);
    fprintf(out, "A problem entry may set its own");
    for (int i = 0, k = 0; i < n_run_settings; i++)
        if (run_settings[i].scope & SETTING_PROBLEM) fprintf(out, "%s %s", k++ ? "," : "", run_settings[i].def.name);
    fprintf(out, " for its runs.\n");
}

const CliCommand sweep_command = {
    .name = "sweep",
    .operands = "FILE.yaml",
    .flags = flags,
    .notes = "The file's `plugins:` list loads plugins too, paths relative to the file.\n"
             "Runs already done or diverged in the database are skipped, so re-running a\n"
             "sweep resumes it. A sweep whose file changed since it was recorded is refused\n"
             "(exit 2, naming the first differing setting) unless --force. Sweeps may run at\n"
             "once on one database: each run is claimed by one of them, and a sweep waits for\n"
             "the runs another one has claimed.\n"
             "Exit 0 when every run is done or diverged, 2 on an input error (also a corrupt\n"
             "or read-only database), 3 when some failed or timed out, 130 after Ctrl-C\n"
             "(SIGINT), 143 after SIGTERM.\n",
    .more = sweep_keys_help,
};

typedef struct {
    long jobs;          /* worker processes; 0 = as many as the cores allow */
    long shard, shards; /* this shard and how many */
    Device device;      /* where every run computes, when device_given */
    int device_given;   /* 1: --device overrides the file */
    const char *db;     /* database path */
    int dry_run;        /* print only */
    int force;          /* resume a sweep whose file changed */
    int json;           /* the closing summary as JSON */
    int quiet;          /* no progress */
    const char *file;   /* the sweep file */
} SweepArgs;

/* Reads the flags and the file into a; EXIT_OK, or the exit code of
 * a usage error, or CLI_HELPED. */
static int parse_args(int argc, char **argv, SweepArgs *a)
{
    CliParse p;
    *a = (SweepArgs){.jobs = 0, .shards = 1, .db = STORE_DEFAULT_PATH};
    cli_begin(&p, &sweep_command, argc, argv);
    for (int id; (id = cli_next(&p)) != CLI_END;) {
        switch (id) {
        case CLI_STOP: return p.rc == EXIT_OK ? CLI_HELPED : p.rc;
        case F_JOBS:
            if (cli_value_long(&p, 1, 4096, &a->jobs)) return EXIT_USAGE;
            break;
        case F_SHARD:
            if (sscanf(p.value, "%ld/%ld", &a->shard, &a->shards) != 2 || a->shards < 1 || a->shard < 0 ||
                a->shard >= a->shards || strspn(p.value, "0123456789/") != strlen(p.value))
                return cli_fail(EXIT_USAGE, "--shard: '%s' is not I/N with 0 <= I < N", p.value);
            break;
        case F_DEVICE:
            if (cli_device(p.value, &a->device) != EXIT_OK) return EXIT_USAGE;
            a->device_given = 1;
            break;
        case F_DB: a->db = p.value; break;
        case F_DRY_RUN: a->dry_run = 1; break;
        case F_QUIET: a->quiet = 1; break;
        case F_FORCE: a->force = 1; break;
        case F_JSON: a->json = 1; break;
        }
    }
    if (p.n_operands != 1) return cli_parse_error(&p, "expected one sweep file");
    a->file = p.operands[0];
    return EXIT_OK;
}

/* One line per run for --dry-run. */
static void print_run(long i, const RunConfig *cfg)
{
    char prob[CONFIG_TEXT_MAX], hp[CONFIG_TEXT_MAX], canonical[CONFIG_TEXT_MAX], key[KEY_TEXT_MAX];
    params_json(&cfg->problem_opts, prob, sizeof prob);
    params_json(&cfg->hparams, hp, sizeof hp);
    config_canonical(cfg, canonical, sizeof canonical);
    config_key(canonical, key);
    printf("%5ld %s %s %s %s %s seed %llu\n", i + 1, key, cfg->problem->name, prob, cfg->optimizer->name, hp,
           (unsigned long long)cfg->seed);
}

/* Loads each distinct problem of the runs once into loaded (room for n),
 * so that data that cannot be loaded is an input error before anything is
 * written, and points each run at its instance, which its worker then uses
 * rather than reading the data again. EXIT_OK, EXIT_USAGE after the
 * message of a problem that cannot be made, or EXIT_RUNTIME. */
static int load_problems(const char *file, RunConfig *runs, long n, LoadedProblem *loaded)
{
    char (*seen)[CONFIG_TEXT_MAX] = malloc(sizeof *seen * (size_t)(n ? n : 1));
    long n_seen = 0;
    int rc = seen && loaded ? EXIT_OK : cli_fail(EXIT_RUNTIME, "out of memory for %ld runs", n);
    for (long i = 0; i < n && rc == 0; i++) {
        char opts[CONFIG_TEXT_MAX - 64], text[CONFIG_TEXT_MAX], err[ERRMSG_MAX];
        params_json(&runs[i].problem_opts, opts, sizeof opts);
        snprintf(text, sizeof text, "%s %s", runs[i].problem->name, opts);
        long k = 0;
        while (k < n_seen && strcmp(seen[k], text)) k++;
        if (k == n_seen) {
            if (loaded_problem_make(runs[i].problem, &runs[i].problem_opts, &loaded[k], err, sizeof err) != 0) {
                rc = cli_fail(EXIT_USAGE, "%s: problems.%s: %s", file, text, err);
                break;
            }
            snprintf(seen[n_seen++], CONFIG_TEXT_MAX, "%s", text);
        }
        runs[i].loaded = &loaded[k];
    }
    free(seen);
    return rc;
}

/* Sets a->jobs when it was not given (the cores over threads_per_job);
 * returns 0, or prints why the runs' threads would not fit the cores and
 * returns -1. Single-threaded jobs may outnumber the cores, as before. */
static int check_threads(SweepArgs *a, const SweepSpec *spec)
{
    const int cores = host_cores(), per_job = spec->base.threads ? spec->base.threads : 1;
    if (per_job > cores) {
        cli_fail(EXIT_USAGE, "%s: threads_per_job: %d is more than the %d cores of this machine", a->file, per_job,
                 cores);
        return -1;
    }
    if (!a->jobs) a->jobs = cores / per_job;
    if (per_job > 1 && a->jobs * per_job > cores) {
        cli_fail(EXIT_USAGE, "--jobs %ld x threads_per_job %d (%s) = %ld threads, more than the %d cores of this machine",
                 a->jobs, per_job, a->file, a->jobs * per_job, cores);
        return -1;
    }
    return 0;
}

/* The end of a sweep: how its runs ended, then the best configuration per
 * problem x optimizer with its flags; as one JSON object with --json. */
static void print_summary(sqlite3 *db, const char *name, const ExecCounts *counts, int json)
{
    ReportData data = {0};
    char err[ERRMSG_MAX];
    int have_best = report_load(db, name, NULL, &data, err, sizeof err) == 0;
    if (json) {
        printf("{\"sweep\":");
        cli_json_string(stdout, name);
        printf(",\"runs\":%ld,\"done\":%ld,\"diverged\":%ld,\"failed\":%ld,\"timeout\":%ld,\"already_done\":%ld,"
               "\"elsewhere\":%ld,\"pruned\":%ld,\"steps_budget\":%ld,\"steps_saved\":%ld,\"interrupted\":%s,\"best\":",
               counts->total, counts->done, counts->diverged, counts->failed, counts->timeout, counts->already,
               counts->elsewhere, counts->pruned, counts->steps_budget, counts->steps_saved,
               counts->interrupted ? "true" : "false");
        if (have_best) best_print_json(&data, stdout);
        else printf("[]\n");
        printf("}\n");
    } else {
        char elsewhere[96] = "";
        if (counts->elsewhere)
            snprintf(elsewhere, sizeof elsewhere, ", %ld finished by another optbench process", counts->elsewhere);
        if (counts->already == counts->total)
            printf("sweep %s: %ld of %ld runs already done\n", name, counts->already, counts->total);
        else
            printf("sweep %s: %ld runs: %ld done, %ld diverged, %ld failed, %ld timeout, %ld already done%s%s\n", name,
                   counts->total, counts->done, counts->diverged, counts->failed, counts->timeout, counts->already,
                   elsewhere, counts->interrupted ? "; interrupted, re-run to resume" : "");
        if (counts->pruned)
            printf("pruning stopped %ld run%s early: %ld of the %ld steps asked for were not run (%.0f%%)\n",
                   counts->pruned, counts->pruned == 1 ? "" : "s", counts->steps_saved, counts->steps_budget,
                   100.0 * (double)counts->steps_saved / (double)counts->steps_budget);
        if (have_best) best_print_text(&data, stdout);
    }
    report_free(&data);
}

/* Whether the sweep is already recorded in db from another file: EXIT_OK
 * (with *changed set when it is and --force allows it), or EXIT_USAGE with a
 * message naming the first differing setting. Reads only, through the
 * writer's connection (which waits for another process's lock), before
 * anything is written. */
static int check_resume(sqlite3 *db, const SweepArgs *a, const SweepSpec *spec, int *changed)
{
    char *stored = NULL, key[256], was[128], now[128];
    int rc = EXIT_OK;
    int found = store_sweep_spec(db, spec->name, &stored);
    *changed = 0;
    if (found < 0) rc = cli_fail(EXIT_RUNTIME, "%s: %s", a->db, sqlite3_errmsg(db));
    else if (found == 0 && sweep_spec_difference(stored, spec->text, key, sizeof key, was, now, sizeof was)) {
        *changed = 1;
        if (!a->force)
            rc = cli_fail(EXIT_USAGE,
                          "%s: sweep '%s' in %s was recorded from another file: first difference at '%s' "
                          "(recorded %s, now %s); nothing written. Give the sweep a new name, or --force to "
                          "record this file and run its configurations beside the old runs",
                          a->file, spec->name, a->db, key, was, now);
    }
    free(stored);
    return rc;
}

/* The plugins whose optimizers the sweep's entries name, into used
 * (OPT_MAX_ADDED room); their count. */
static int used_plugins(const SweepSpec *spec, const PluginInfo **used)
{
    int n = 0;
    for (int i = 0; i < plugin_count(); i++)
        for (int e = 0; e < spec->n_optimizers; e++)
            if (spec->optimizers[e].optimizer == plugin_at(i)->optimizer) {
                used[n++] = plugin_at(i);
                break;
            }
    return n;
}

/* Whether each plugin the sweep uses is the build recorded with it, if
 * one is (cli_check_plugin_build); always EXIT_OK with --force. */
static int check_plugins(sqlite3 *db, const SweepArgs *a, const SweepSpec *spec, const PluginInfo *const *plugins,
                         int n)
{
    int rc = EXIT_OK;
    for (int i = 0; i < n && !a->force && rc == EXIT_OK; i++)
        rc = cli_check_plugin_build(db, a->db, a->file, spec->name, plugins[i],
                                    "Give the sweep a new name, or --force to record this build and run the "
                                    "sweep's unfinished configurations with it");
    return rc;
}

int cmd_sweep(int argc, char **argv)
{
    SweepArgs a;
    SweepSpec *spec = NULL;
    RunConfig *runs = NULL;
    LoadedProblem *loaded = NULL; /* the distinct problems of the runs */
    sqlite3 *db = NULL;
    long n = 0, kept = 0;
    int changed = 0;
    int64_t sweep_id;
    char err[ERRMSG_MAX], cpu[256], gpu[DEVICE_NAME_MAX] = "", machine[1024];
    ExecCounts counts;
    int rc = parse_args(argc, argv, &a);
    if (rc != EXIT_OK) return rc == CLI_HELPED ? EXIT_OK : rc;
    rc = EXIT_USAGE;
    if (sweep_load(a.file, &spec, err, sizeof err) || sweep_expand(spec, &runs, &n, err, sizeof err)) {
        cli_fail(EXIT_USAGE, "%s", err);
        goto cleanup;
    }
    for (long i = 0; i < n; i++) {
        if (i % a.shards != a.shard) continue;
        runs[kept] = runs[i];
        if (a.device_given) runs[kept].device = a.device;
        kept++;
    }
    loaded = calloc((size_t)(kept ? kept : 1), sizeof *loaded);
    if ((rc = load_problems(a.file, runs, kept, loaded)) != EXIT_OK) goto cleanup;
    rc = EXIT_USAGE;
    if (check_threads(&a, spec)) goto cleanup;
    for (long i = 0; i < kept; i++)
        if (runs[i].device == DEVICE_CUDA && config_check_device(&runs[i], gpu, sizeof gpu, err, sizeof err) != 0) {
            cli_fail(EXIT_USAGE, "%s: device cuda: %s", a.file, err);
            goto cleanup;
        }
    if (a.dry_run) {
        printf("sweep %s: %ld runs%s\n", spec->name, kept, a.shards > 1 ? " in this shard" : "");
        for (long i = 0; i < kept; i++) print_run(i, &runs[i]);
        rc = EXIT_OK;
        goto cleanup;
    }
    if (store_open(a.db, &db, err, sizeof err)) {
        cli_fail(EXIT_USAGE, "%s", err);
        goto cleanup;
    }
    const PluginInfo *plugins[OPT_MAX_ADDED];
    const int n_plugins = used_plugins(spec, plugins);
    if ((rc = check_plugins(db, &a, spec, plugins, n_plugins)) != EXIT_OK ||
        (rc = check_resume(db, &a, spec, &changed)) != EXIT_OK)
        goto cleanup;
    host_cpu_name(cpu, sizeof cpu);
    host_machine_json(machine, sizeof machine, (int)a.jobs, spec->base.threads);
    ExecOptions opt = {.jobs = (int)a.jobs, .timeout_s = spec->base.timeout_s, .quiet = a.quiet, .prune = spec->prune,
                       .order_seed = spec->search_seed, .machine = machine};
    rc = EXIT_RUNTIME;
    if (store_sweep(db, spec->name, spec->text, gpu[0] ? gpu : cpu, &sweep_id, err, sizeof err) ||
        store_sweep_machine(db, sweep_id, machine, err, sizeof err) ||
        store_set_sweep_plugins(db, sweep_id, plugins, n_plugins, err, sizeof err) ||
        (changed && store_set_sweep_spec(db, sweep_id, spec->text, err, sizeof err)) ||
        execute_runs(db, sweep_id, runs, kept, &opt, &counts, err, sizeof err)) {
        cli_fail(EXIT_RUNTIME, "%s: %s", a.db, err);
        goto cleanup;
    }
    print_summary(db, spec->name, &counts, a.json);
    rc = counts.interrupted ? EXIT_SIGNAL + counts.interrupted : counts.failed || counts.timeout ? EXIT_RUNTIME : EXIT_OK;
cleanup:
    store_close(db);
    for (long i = 0; loaded && i < kept; i++) loaded_problem_free(&loaded[i]);
    free(loaded);
    free(runs);
    sweep_free(spec);
    return rc;
}
