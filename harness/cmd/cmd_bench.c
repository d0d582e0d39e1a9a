/* cmd_bench.c — `optbench bench`: each optimizer's fused step (CPU: at each
 * thread count; cuda: the GPU kernel) at each size, as GB/s of useful
 * traffic and as a fraction of the roofline measured in the same run
 * (bench.h); with --gemm, training steps of problems as GFLOP/s and as
 * model FLOP utilisation against the sgemm rate on the problem's own
 * product shapes, measured in the same run. A measurement, never a test. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/check/bench.h"
#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/core/child.h"
#include "harness/run/config.h"
#include "harness/core/device.h"
#include "harness/core/hostinfo.h"
#include "harness/run/runner.h"
#include "problems/gemm.h"

#include <omp.h>

#define LIST_MAX 16 /* most values of a comma-separated flag */
#define BENCH_SGEMM_SECONDS 0.5 /* --gemm: timed passes over a problem's products after its run */
/* The problems --gemm times by default: the configurations of BENCHMARKS.md */
#define BENCH_TRANSFORMER "transformer,layers=2,d_model=128,heads=4,context=64,batch=16"
#define BENCH_MLP "mlp,dataset=fashion_mnist,hidden=[256,128],batch=128"

#define DEFAULT_REPEATS 20 /* --repeats' default */
#define DEFAULT_WARMUP 3   /* --warmup's default */

enum { F_OPT = CLI_FIRST, F_N, F_THREADS, F_DEVICE, F_REPEATS, F_WARMUP, F_JSON, F_GEMM, F_PROBLEM };

static const CliFlag flags[] = {
    {"optimizer", "LIST", F_OPT, 0,
     "optimizer specs, NAME[,key=value...] each, a key=value item belonging to\n"
     "the name before it (default adamw,lion; adamw,adamw,state=int8: two)"},
    {"plugin", "PATH", CLI_PLUGIN, 0,
     "load an optimizer plugin (a shared object; repeatable); its step is\n"
     "timed on one vector tensor, its roofline from its state_streams"},
    {"n", "LIST", F_N, 0, "parameter counts (default 1e6,1e7,3e7; cuda: 1e6,1e7,1e8)"},
    {"threads", "LIST", F_THREADS, 0, "OpenMP thread counts (default 1,2; not used on cuda)"},
    {"device", "cpu|cuda", F_DEVICE, 0, "where the steps run (default cpu)"},
    {"repeats", "N", F_REPEATS, 0, "timed steps per measurement (default " CLI_TEXT(DEFAULT_REPEATS) ")"},
    {"warmup", "N", F_WARMUP, 0, "untimed steps before them (default " CLI_TEXT(DEFAULT_WARMUP) ")"},
    {"json", NULL, F_JSON, 0, "one JSON object per line instead of the table"},
    {"gemm", NULL, F_GEMM, 0,
     "time training steps (AdamW) of each --problem instead: FLOPs per step,\n"
     "GFLOP/s, the sgemm floor (the step's own matrix products alone, same\n"
     "shapes and transposes, same thread count, timed in the same process\n"
     "right after the steps: ms per step) and MFU against that sgemm rate"},
    {"problem", "SPEC", F_PROBLEM, 0,
     "a problem for --gemm (repeatable; default the bench configurations:\n"
     BENCH_TRANSFORMER " and\n" BENCH_MLP ")"},
    {0},
};

const CliCommand bench_command = {
    .name = "bench",
    .flags = flags,
    .notes = "  For each combination: the median step time, the GB/s of useful traffic (a step\n"
             "  reads p, g and every state slot and writes p and every slot: 4 bytes a value, a\n"
             "  slot in its stored width, int8 with its absmax per 256 values), and\n"
             "  the fraction of the roofline: a streaming kernel with the same read and write\n"
             "  streams, timed alternately with the step in the same run. On cuda both are\n"
             "  timed with CUDA events on device buffers, and the streaming kernel is the\n"
             "  device's copy bandwidth for that pattern. The steps run in a child process: exit\n"
             "  3 with one line naming the plugin, its function and the step when one crashes.\n",
};

/* The parsed flags. */
typedef struct {
    const OptimizerDef *opts[LIST_MAX]; /* optimizers to measure */
    ParamSet hps[LIST_MAX];             /* their values: the defaults and the spec's keys */
    char labels[LIST_MAX][PARAM_TEXT_MAX]; /* each as given (NAME[,key=value...]) */
    int n_opts;                         /* entries in opts */
    long sizes[LIST_MAX];               /* parameter counts */
    int n_sizes;                        /* entries in sizes */
    long threads[LIST_MAX];             /* thread counts */
    int n_threads;                      /* entries in threads */
    long repeats;                       /* timed steps */
    long warmup;                        /* untimed steps */
    int json;                           /* JSON lines instead of the table */
    Device device;                      /* where the steps run */
    int sizes_given;                    /* --n was given */
    int gemm;                           /* --gemm: problems' training steps */
    const char *problems[LIST_MAX];     /* --problem specs for --gemm */
    int n_problems;                     /* entries in problems */
} BenchArgs;

/* Splits a comma list of integers in [lo, hi] (1e6 allowed) into out;
 * returns the count, or -1 after printing what is wrong. */
static int parse_longs(const char *flag, const char *text, long lo, long hi, long *out)
{
    char buf[512], *save = NULL;
    int n = 0;
    snprintf(buf, sizeof buf, "%s", text);
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == LIST_MAX) return cli_fail(-1, "%s: more than %d values", flag, LIST_MAX);
        if (cli_long(flag, tok, lo, hi, &out[n++]) != 0) return -1;
    }
    return n ? n : cli_fail(-1, "%s: an empty list", flag);
}

/* Splits a comma list of optimizer specs (a key=value item belongs to the
 * name before it: "adamw,adamw,state=int8" is two) into a's optimizers,
 * values and labels; returns the count, or -1 after printing what is wrong:
 * an unknown name, a built-in tensor-aware one (no fused pass to time), a
 * bad key. A plugin's step is timed on one vector tensor of n floats. */
static int parse_optimizers(const char *text, BenchArgs *a)
{
    char buf[512], *save = NULL, err[ERRMSG_MAX];
    int n = 0;
    snprintf(buf, sizeof buf, "%s", text);
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (strchr(tok, '=') && n) {
            const size_t used = strlen(a->labels[n - 1]);
            snprintf(a->labels[n - 1] + used, sizeof a->labels[0] - used, ",%s", tok);
            continue;
        }
        if (n == LIST_MAX) return cli_fail(-1, "--optimizer: more than %d optimizers", LIST_MAX);
        snprintf(a->labels[n++], sizeof a->labels[0], "%s", tok);
    }
    for (int k = 0; k < n; k++) {
        Spec spec;
        if (spec_parse(a->labels[k], &spec, err, sizeof err) != 0) return cli_fail(-1, "--optimizer: %s", err);
        if (!(a->opts[k] = optimizer_find(spec.name)) || !(a->opts[k]->step_cpu || a->opts[k]->origin))
            return cli_fail(-1, "--optimizer: '%s' is not an elementwise optimizer or a plugin (%s)", spec.name,
                            optimizer_names());
        if (optimizer_configure(a->opts[k], &spec, &a->hps[k], err, sizeof err) != 0)
            return cli_fail(-1, "--optimizer: %s: %s", a->labels[k], err);
    }
    return n ? n : cli_fail(-1, "--optimizer: an empty list");
}

/* Reads the flags into a; EXIT_OK, the exit code of a usage error, or CLI_HELPED. */
static int parse_args(int argc, char **argv, BenchArgs *a)
{
    CliParse p;
    cli_begin(&p, &bench_command, argc, argv);
    for (int id; (id = cli_next(&p)) != CLI_END;) {
        switch (id) {
        case CLI_STOP: return p.rc == EXIT_OK ? CLI_HELPED : p.rc;
        case F_OPT:
            if ((a->n_opts = parse_optimizers(p.value, a)) < 0) return EXIT_USAGE;
            break;
        case F_N:
            if ((a->n_sizes = parse_longs("--n", p.value, 1, 1L << 34, a->sizes)) < 0) return EXIT_USAGE;
            a->sizes_given = 1;
            break;
        case F_THREADS:
            if ((a->n_threads = parse_longs("--threads", p.value, 1, 1024, a->threads)) < 0) return EXIT_USAGE;
            break;
        case F_REPEATS:
            if (cli_value_long(&p, 1, 1000000, &a->repeats)) return EXIT_USAGE;
            break;
        case F_WARMUP:
            if (cli_value_long(&p, 0, 1000000, &a->warmup)) return EXIT_USAGE;
            break;
        case F_JSON: a->json = 1; break;
        case F_GEMM: a->gemm = 1; break;
        case F_PROBLEM:
            if (a->n_problems == LIST_MAX) return cli_fail(EXIT_USAGE, "--problem: at most %d", LIST_MAX);
            a->problems[a->n_problems++] = p.value;
            break;
        case F_DEVICE:
            if (cli_device(p.value, &a->device) != EXIT_OK) return EXIT_USAGE;
            break;
        }
    }
    return EXIT_OK;
}

/* One result; threads is 0 on cuda, and machine is the CPU or GPU name. */
static void print_row(const BenchArgs *a, const char *machine, const char *name, long n, long threads,
                      const BenchResult *r)
{
    if (a->json) {
        printf("{\"optimizer\":\"%s\",\"device\":\"%s\",\"n\":%ld,\"threads\":%ld,\"reads\":%d,"
               "\"writes\":%d,\"bytes_per_param\":%g,\"step_seconds\":%.6e,\"gbps\":%.4f,"
               "\"roofline_seconds\":%.6e,\"roofline_gbps\":%.4f,\"fraction\":%.4f,\"repeats\":%ld,\"%s\":",
               name, device_name(a->device), n, threads, r->reads, r->writes, r->bytes_per_param,
               r->step_seconds, r->gbps, r->roof_seconds, r->roof_gbps, r->fraction, a->repeats,
               a->device == DEVICE_CUDA ? "gpu" : "cpu");
        cli_json_string(stdout, machine);
        fputs("}\n", stdout);
    } else {
        printf("%-18s %11ld %7ld %7.3g %10.3f %8.2f %10.2f %8.1f%%\n", name, n, threads,
               r->bytes_per_param, 1e3 * r->step_seconds, r->gbps, r->roof_gbps, 100 * r->fraction);
    }
    fflush(stdout);
}

/* One measurement on the chosen device. */
static int measure(const BenchArgs *a, const OptimizerDef *opt, const ParamSet *hp, size_t n, int threads,
                   BenchResult *r, char *err, size_t errlen)
{
#ifdef OPTBENCH_CUDA
    if (a->device == DEVICE_CUDA)
        return bench_optimizer_cuda(opt, hp, n, (int)a->warmup, (int)a->repeats, r, err, errlen);
#endif
    return bench_optimizer(opt, hp, n, threads, (int)a->warmup, (int)a->repeats, r, err, errlen);
}

/* What the child that times the steps needs. */
typedef struct {
    const BenchArgs *a;     /* the flags */
    const char *machine;    /* the CPU or GPU name */
} BenchJob;

/* In a child (the optimizer may be a plugin's, whose crash then ends the
 * child only): every optimizer x size x thread count, a row each as it is
 * measured; the exit code. */
static int measure_all(void *ctx)
{
    const BenchJob *job = ctx;
    const BenchArgs *a = job->a;
    char err[ERRMSG_MAX];
    for (int o = 0; o < a->n_opts; o++)
        for (int s = 0; s < a->n_sizes; s++)
            for (int t = 0; t < a->n_threads; t++) {
                BenchResult r;
                child_task("timing %s at n = %ld", a->labels[o], a->sizes[s]);
                if (measure(a, a->opts[o], &a->hps[o], (size_t)a->sizes[s], (int)a->threads[t], &r, err, sizeof err))
                    return cli_fail(EXIT_RUNTIME, "%s", err);
                print_row(a, job->machine, a->labels[o], a->sizes[s], a->threads[t], &r);
            }
    return EXIT_OK;
}

/* The machine: CPU, cores, BLAS build and kernel family. */
static void print_machine(void)
{
    char facts[1024];
    host_machine_json(facts, sizeof facts, 1, 0);
    printf("# machine %s\n", facts);
}

/* x in JSON: %.6g, or null when it is not a number (a problem without products). */
static const char *json_real(char *buf, size_t size, double x)
{
    snprintf(buf, size, isnan(x) ? "null" : "%.6g", x);
    return buf;
}

/* Drops metrics rows: --gemm keeps only the summary. */
static void no_rows(void *ctx, const MetricRow *row) { (void)ctx, (void)row; }

/* --gemm: for each problem and thread count, a run of warmup + repeats
 * AdamW steps, then the problem's products alone, timed by the run itself
 * over BENCH_SGEMM_SECONDS (RunConfig.sgemm_seconds; gemm_rate: the median
 * pass over every product of a step, each as often as a step computes it),
 * the rate its MFU is stored against; the median step's GFLOP/s, the sgemm
 * floor (that pass's ms: what the step's products cost without the rest)
 * and the step's MFU against the same rate. */
static int bench_gemm(BenchArgs *a)
{
    static LoadedProblem loaded[LIST_MAX]; /* each problem, made once for all its runs */
    char err[ERRMSG_MAX];
    int rc = EXIT_OK;
    if (!a->n_problems) {
        a->problems[a->n_problems++] = BENCH_TRANSFORMER;
        a->problems[a->n_problems++] = BENCH_MLP;
    }
    static RunConfig cfgs[LIST_MAX]; /* static: large */
    for (int p = 0; p < a->n_problems; p++) { /* every spec checked before anything is printed */
        RunConfig *cfg = &cfgs[p];
        config_defaults(cfg);
        if (config_set_problem(cfg, a->problems[p], err, sizeof err) ||
            config_set_optimizer(cfg, "adamw", err, sizeof err) ||
            loaded_problem_make(cfg->problem, &cfg->problem_opts, &loaded[p], err, sizeof err)) {
            rc = cli_fail(EXIT_USAGE, "--problem %s: %s", a->problems[p], err);
            goto cleanup;
        }
        cfg->loaded = &loaded[p];
        cfg->steps = a->warmup + a->repeats;
        cfg->log_every = cfg->steps;
        cfg->sgemm_seconds = BENCH_SGEMM_SECONDS;
    }
    if (!a->json) {
        print_machine();
        printf("%-60s %7s %10s %9s %9s %11s %11s %7s\n", "problem", "threads", "GFLOP/step", "step ms", "GFLOP/s",
               "sgemm GF/s", "sgemm ms", "MFU");
    }
    for (int p = 0; p < a->n_problems; p++) {
        RunConfig cfg = cfgs[p];
        double gemm_flops = 0; /* of the products of one step */
        const ProblemFlops *flops = &loaded[p].pb->flops;
        for (int g = 0; g < flops->n_gemms; g++) {
            const GemmShape *sh = &flops->gemms[g];
            gemm_flops += 2.0 * sh->M * sh->N * sh->K * sh->count;
        }
        for (int t = 0; t < a->n_threads; t++) {
            RunSummary s;
            omp_set_num_threads((int)a->threads[t]);
            runner_run(&cfg, no_rows, NULL, &s);
            if (s.status == RUN_FAILED) {
                rc = cli_fail(EXIT_RUNTIME, "%s: %s", a->problems[p], s.error);
                goto cleanup;
            }
            const double rate = s.sgemm_gflops; /* GFLOP/s, timed by the run after its steps */
            const double floor_ms = gemm_flops / rate / 1e6;
            char r[32], f[32], m[32];
            if (a->json)
                printf("{\"problem\":\"%s\",\"threads\":%d,\"flops_per_step\":%.6g,\"step_ms\":%.6g,"
                       "\"gflops\":%.6g,\"sgemm_gflops\":%s,\"sgemm_floor_ms\":%s,\"mfu\":%s}\n",
                       a->problems[p], s.threads, s.flops_per_step, 1e3 * s.step_median, s.gflops,
                       json_real(r, sizeof r, rate), json_real(f, sizeof f, floor_ms),
                       json_real(m, sizeof m, s.gflops / rate));
            else
                printf("%-60s %7d %10.4g %9.3f %9.2f %11.2f %11.3f %6.1f%%\n", a->problems[p], s.threads,
                       s.flops_per_step / 1e9, 1e3 * s.step_median, s.gflops, rate, floor_ms, 100 * s.gflops / rate);
        }
    }
cleanup:
    for (int p = 0; p < a->n_problems; p++) loaded_problem_free(&loaded[p]);
    return rc;
}

int cmd_bench(int argc, char **argv)
{
    BenchArgs a = {
        .opts = {optimizer_find("adamw"), optimizer_find("lion")}, .n_opts = 2,
        .sizes = {1000000, 10000000, 30000000}, .n_sizes = 3,
        .threads = {1, 2}, .n_threads = 2, .repeats = DEFAULT_REPEATS, .warmup = DEFAULT_WARMUP,
    };
    char machine[DEVICE_NAME_MAX], err[ERRMSG_MAX];
    int rc = parse_args(argc, argv, &a);
    if (rc != EXIT_OK) return rc == CLI_HELPED ? EXIT_OK : rc;
    for (int o = 0; o < a.n_opts && !a.labels[o][0]; o++) { /* the defaults: adamw and lion */
        optimizer_defaults(a.opts[o], &a.hps[o]);
        snprintf(a.labels[o], sizeof a.labels[o], "%s", a.opts[o]->name);
    }
    if (a.device == DEVICE_CUDA) {
        if (device_probe(machine, sizeof machine, err, sizeof err) != 0)
            return cli_fail(EXIT_USAGE, "--device cuda: %s", err);
        for (int o = 0; o < a.n_opts; o++)
            if (!a.opts[o]->step_cuda)
                return cli_fail(EXIT_USAGE, "--optimizer: no CUDA kernel for %s (bench it with --device cpu)",
                                a.opts[o]->name);
        if (!a.sizes_given) a.sizes[2] = 100000000;
        a.threads[0] = 0;
        a.n_threads = 1;
    } else {
        host_cpu_name(machine, sizeof machine);
    }
    if (!a.json && !a.gemm) print_machine();
    if (a.gemm) {
        if (a.device == DEVICE_CUDA) return cli_fail(EXIT_USAGE, "--gemm: CPU only");
        return bench_gemm(&a);
    }
    if (!a.json)
        printf("# %s; median of %ld steps after %ld warm-up\n"
               "%-18s %11s %7s %7s %10s %8s %10s %9s\n", machine, a.repeats, a.warmup, "optimizer", "n",
               "threads", "B/param", "step ms", "GB/s", "roof GB/s", "of roof");
    const BenchJob job = {&a, machine};
    rc = child_run(measure_all, (void *)&job, "bench", err, sizeof err);
    return rc < 0 ? cli_fail(EXIT_RUNTIME, "%s", err) : rc;
}
