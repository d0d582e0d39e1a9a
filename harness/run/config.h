/* config.h — one run's full configuration, the table of run settings, its
 * canonical text and its key.
 *
 * Every run setting (steps, seed, clip, accum, log_every, eval_every,
 * target, divergence_factor, timeout_s, device and the problem, optimizer
 * and schedule specs) is described once in run_settings[]: its key, type,
 * default, range and help. The flags of `optbench run`, the top-level keys
 * of a sweep file, `--help` and every message about a bad value are made
 * from that table.
 *
 * The canonical text is JSON with sorted keys and every default filled in,
 * numbers in their shortest exact form, so the same run has the same text
 * however it was written (a sweep's study number, set by the expansion, is
 * written only where there is one, so that runs without studies keep their
 * keys); the key is a 64-bit FNV-1a hash of that text in
 * hex. A sweep resumes by skipping keys already finished.
 */
#ifndef OPTBENCH_CONFIG_H
#define OPTBENCH_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "optimizers/optimizer.h"
#include "problems/problem.h"
#include "harness/run/schedule.h"

#define CONFIG_TEXT_MAX 4096 /* room for a canonical config text */
#define KEY_TEXT_MAX 17      /* 16 hex digits and the terminator */

typedef enum { DEVICE_CPU, DEVICE_CUDA } Device;

typedef struct LoadedProblem LoadedProblem; /* a problem made once for many runs (runner.h) */

typedef struct {
    const ProblemDef *problem;     /* what is minimised */
    ParamSet problem_opts;         /* its options */
    const OptimizerDef *optimizer; /* how */
    ParamSet hparams;              /* its hyperparameters */
    const ScheduleDef *schedule;   /* lr schedule */
    ParamSet schedule_opts;        /* its options */
    long steps;                    /* optimizer updates */
    uint64_t seed;                 /* drives init, batches and noise */
    Device device;                 /* where it runs */
    double clip;                   /* max global gradient norm; 0 = no clipping */
    int accum;                     /* minibatches averaged into one update */
    long log_every;                /* metrics row every k steps (and the last) */
    long eval_every;               /* held-out evaluation every k steps; 0 = end only */
    double target;                 /* target training loss; NAN = problem default */
    double divergence_factor;      /* diverged when loss > factor * first loss */
    int study;                     /* the replica of its sweep's search it belongs to, 1..studies; 0 in a
                                      sweep without studies (and then not in the canonical text) */
    double timeout_s;              /* per-run limit in seconds, kept by the worker pool; 0 = none
                                      (not part of the canonical text) */
    int threads;                   /* OpenMP threads of the run; 0 = the cores over the sweep's jobs
                                      (not part of the canonical text: losses do not depend on it) */
    double sgemm_seconds;          /* how long the run times its products' sgemm rate (MFU);
                                      0 = a short default (set by `bench --gemm`, no setting) */
    const LoadedProblem *loaded;   /* an instance of problem with problem_opts that the command made
                                      before running (its workers, forked after, share it); NULL: the
                                      run makes its own (no setting, not in the canonical text) */
} RunConfig;

/* Where a setting is accepted. */
enum {
    SETTING_RUN = 1,   /* a flag of `optbench run` (--key, '_' written '-') */
    SETTING_SWEEP = 2, /* a top-level key of a sweep file */
    SETTING_PROBLEM = 4, /* also a key of a sweep file's problem entry, for that problem's runs */
};

/* The C type of a setting's field in RunConfig. */
typedef enum {
    STORE_LONG,   /* long */
    STORE_INT,    /* int */
    STORE_U64,    /* uint64_t */
    STORE_DOUBLE, /* double */
    STORE_DEVICE, /* Device, the index of the choice */
    STORE_SPEC,   /* a spec string read by the setting's parse function */
} SettingStore;

typedef struct {
    ParamDef def;              /* key (as in a sweep file), kind, default, range and help */
    const char *arg;           /* what the flag takes, for --help: N, X, SPEC */
    const char *shown_default; /* the default as --help says it, where the value alone says
                                  too little (NULL: the value) */
    const char *sweep_default; /* default in a sweep file where it differs (NULL: the same) */
    int scope;                 /* SETTING_RUN | SETTING_SWEEP | SETTING_PROBLEM */
    size_t offset;             /* offsetof the field in RunConfig */
    SettingStore store;        /* its type */
    /* STORE_SPEC: sets the field from a spec string; 0, or -1 with a message. */
    int (*parse_spec)(RunConfig *cfg, const char *text, char *err, size_t errlen);
} RunSetting;

/* The run settings, in the order of --help; n_run_settings entries. */
extern const RunSetting run_settings[];
extern const int n_run_settings;

/* The setting of a key (e.g. "log_every"); NULL when none. */
const RunSetting *setting_find(const char *key);

/* Sets one setting of cfg from text. Returns 0, or -1 with a message that
 * quotes the text and says what is allowed ("'0' is not an integer in
 * [1, 1000000000]"), without the key: the caller prefixes its own name for
 * it (--steps, file:line:col: steps). */
int setting_apply(const RunSetting *s, RunConfig *cfg, const char *text, char *err, size_t errlen);

/* Writes the flag of a setting ("log-every") into buf. */
void setting_flag(const RunSetting *s, char *buf, size_t len);

/* Writes a setting's help and its default in scope (SETTING_RUN or
 * SETTING_SWEEP) into buf: "optimizer updates (default 100)". */
void setting_help(const RunSetting *s, int scope, char *buf, size_t len);

/* Writes one --help line per setting of scope into buf, as flags
 * (SETTING_RUN: "  --steps N   optimizer updates (default 100)") or as
 * sweep-file keys (SETTING_SWEEP); returns 0, or -1 when it does not fit. */
int settings_help(int scope, char *buf, size_t len);

/* Applies the sweep-file defaults where they differ from the run defaults. */
void config_sweep_defaults(RunConfig *cfg);

/* Fills every field with its default from run_settings (rosenbrock, sgd,
 * constant, 100 steps, ...). */
void config_defaults(RunConfig *cfg);

/* Sets the problem, optimizer or schedule from a spec string. Returns 0, or
 * -1 with a one-line message naming the key and what is allowed. */
int config_set_problem(RunConfig *cfg, const char *spec_text, char *err, size_t errlen);
int config_set_optimizer(RunConfig *cfg, const char *spec_text, char *err, size_t errlen);
int config_set_schedule(RunConfig *cfg, const char *spec_text, char *err, size_t errlen);

/* The effective target loss (cfg->target or the problem's default). */
double config_target(const RunConfig *cfg);

/* Writes the canonical text; returns 0 or -1 when it does not fit. */
int config_canonical(const RunConfig *cfg, char *buf, size_t len);

/* Writes the key of a canonical text (16 hex digits). */
void config_key(const char *canonical, char key[KEY_TEXT_MAX]);

/* JSON of the schedule: {"name":"cosine","min_lr":0,"warmup":100}. */
int config_schedule_json(const RunConfig *cfg, char *buf, size_t len);

/* For a cuda run: 0 when the optimizer and problem have CUDA twins ("no
 * CUDA kernel for NAME" else) and a CUDA device is present (its name in
 * gpu); else -1 with the reason in err.
 * For a cpu run: 0 and gpu "". */
int config_check_device(const RunConfig *cfg, char *gpu, size_t len, char *err, size_t errlen);

/* The name of a device ("cpu", "cuda"), as the device setting's choices. */
const char *device_name(Device d);

/* Reads a device name through the device setting, the one parser of every
 * --device flag and device key; 0, or -1 with the message of a bad value
 * ("'tpu' is not cpu or cuda"). */
int config_parse_device(const char *text, Device *out, char *err, size_t errlen);

#endif
