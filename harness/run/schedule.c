/* schedule.c — the lr schedules and their registry. */
#include "harness/run/schedule.h"

#include <math.h>
#include <string.h>

enum { OPT_WARMUP, OPT_MIN_LR, N_OPTS };

static const ParamDef options[N_OPTS] = {
    {"warmup", PARAM_INT, 0, 0, 1e12, 0, NULL, "steps of linear warmup from lr/warmup to lr"},
    {"min_lr", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "learning rate at the end of the decay"},
};

static const ScheduleDef constant = {"constant", "lr after warmup", options, 1, SCHEDULE_CONSTANT};
static const ScheduleDef cosine = {"cosine", "cosine decay to min_lr after warmup", options, N_OPTS,
                                   SCHEDULE_COSINE};
static const ScheduleDef linear = {"linear", "linear decay to min_lr after warmup", options, N_OPTS,
                                   SCHEDULE_LINEAR};

const ScheduleDef *const schedule_registry[] = {&constant, &cosine, &linear, NULL};

const ScheduleDef *schedule_find(const char *name)
{
    for (int i = 0; schedule_registry[i]; i++)
        if (strcmp(schedule_registry[i]->name, name) == 0) return schedule_registry[i];
    return NULL;
}

double schedule_lr(const ScheduleDef *def, const ParamSet *opts, double base_lr, long t, long steps)
{
    const long warmup = (long)opts->num[OPT_WARMUP];
    if (t <= warmup) return base_lr * (double)t / (double)warmup;
    if (def->kind == SCHEDULE_CONSTANT) return base_lr;
    const double min_lr = opts->num[OPT_MIN_LR];
    const double e = (double)(t - warmup - 1), horizon = (double)(steps > warmup ? steps - warmup : 1);
    if (def->kind == SCHEDULE_COSINE) return min_lr + (base_lr - min_lr) * (1 + cos(M_PI * e / horizon)) / 2;
    return base_lr + (min_lr - base_lr) * e / horizon;
}
