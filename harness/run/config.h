/* config.h — one run's full configuration, its canonical text and its key.
 *
 * The canonical text is JSON with sorted keys and every default filled in,
 * numbers in their shortest exact form, so the same run has the same text
 * however it was written; the key is a 64-bit FNV-1a hash of that text in
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
} RunConfig;

/* Fills every field with its default (rosenbrock, sgd, constant, 100 steps). */
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

/* For a cuda run: 0 when a CUDA device is present (its name in gpu) and the
 * optimizer and problem have CUDA twins; else -1 with the reason in err.
 * For a cpu run: 0 and gpu "". */
int config_check_device(const RunConfig *cfg, char *gpu, size_t len, char *err, size_t errlen);

/* Device by name ("cpu", "cuda"); -1 when unknown. */
int device_parse(const char *name);
const char *device_name(Device d);

#endif
