/* schedule.h — learning-rate schedules, named by a spec string
 * (`constant`, `cosine,warmup=100,min_lr=0`, `linear,warmup=10`).
 *
 * Step t counts from 1 to steps. With warmup W > 0 the lr rises linearly,
 * lr * t / W, reaching lr at t = W. After warmup, with e = t - W - 1 and
 * T = steps - W (torch's scheduler epoch and horizon):
 *   constant: lr
 *   cosine:   min_lr + (lr - min_lr) * (1 + cos(pi * e / T)) / 2
 *   linear:   lr + (min_lr - lr) * e / T
 */
#ifndef OPTBENCH_SCHEDULE_H
#define OPTBENCH_SCHEDULE_H

#include "harness/core/params.h"

typedef struct {
    const char *name;        /* registry name */
    const char *summary;     /* one line for help texts */
    const ParamDef *options; /* option table */
    int n_options;           /* entries in options */
    int kind;                /* SCHEDULE_CONSTANT, _COSINE or _LINEAR */
} ScheduleDef;

enum { SCHEDULE_CONSTANT, SCHEDULE_COSINE, SCHEDULE_LINEAR };

/* Every schedule; NULL-terminated. */
extern const ScheduleDef *const schedule_registry[];

/* Looks up by name; NULL when unknown. */
const ScheduleDef *schedule_find(const char *name);

/* The learning rate of step t (1-based) of a run of `steps` steps. */
double schedule_lr(const ScheduleDef *def, const ParamSet *opts, double base_lr, long t, long steps);

#endif
