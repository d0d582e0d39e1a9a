/* config.c — building RunConfig from spec strings, canonical text, keys. */
#include "harness/run/config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/core/device.h"
#include "harness/core/spec.h"

void config_defaults(RunConfig *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->problem = problem_registry[0];
    params_init(&cfg->problem_opts, cfg->problem->options, cfg->problem->n_options);
    cfg->optimizer = optimizer_registry[0];
    params_init(&cfg->hparams, cfg->optimizer->hparams, cfg->optimizer->n_hparams);
    cfg->schedule = schedule_registry[0];
    params_init(&cfg->schedule_opts, cfg->schedule->options, cfg->schedule->n_options);
    cfg->steps = 100;
    cfg->device = DEVICE_CPU;
    cfg->accum = 1;
    cfg->log_every = 1;
    cfg->target = NAN;
    cfg->divergence_factor = 1e6;
}

int config_set_problem(RunConfig *cfg, const char *text, char *err, size_t errlen)
{
    Spec spec;
    char msg[ERRMSG_MAX];
    if (spec_parse(text, &spec, msg, sizeof msg) != 0) goto fail;
    const ProblemDef *def = problem_find(spec.name);
    if (!def) {
        snprintf(msg, sizeof msg, "unknown problem '%s' (known: %s)", spec.name, problem_names());
        goto fail;
    }
    params_init(&cfg->problem_opts, def->options, def->n_options);
    if (spec_apply(&spec, &cfg->problem_opts, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "%s: %s", def->name, msg);
        return -1;
    }
    cfg->problem = def;
    return 0;
fail:
    snprintf(err, errlen, "%s", msg);
    return -1;
}

int config_set_optimizer(RunConfig *cfg, const char *text, char *err, size_t errlen)
{
    Spec spec;
    char msg[ERRMSG_MAX];
    if (spec_parse(text, &spec, msg, sizeof msg) != 0) goto fail;
    const OptimizerDef *def = optimizer_find(spec.name);
    if (!def) {
        snprintf(msg, sizeof msg, "unknown optimizer '%s' (known: %s)", spec.name, optimizer_names());
        goto fail;
    }
    if (optimizer_configure(def, &spec, &cfg->hparams, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "%s: %s", def->name, msg);
        return -1;
    }
    cfg->optimizer = def;
    return 0;
fail:
    snprintf(err, errlen, "%s", msg);
    return -1;
}

int config_set_schedule(RunConfig *cfg, const char *text, char *err, size_t errlen)
{
    Spec spec;
    char msg[ERRMSG_MAX];
    if (spec_parse(text, &spec, msg, sizeof msg) != 0) goto fail;
    const ScheduleDef *def = schedule_find(spec.name);
    if (!def) {
        snprintf(msg, sizeof msg, "unknown schedule '%s' (known: constant, cosine, linear)", spec.name);
        goto fail;
    }
    params_init(&cfg->schedule_opts, def->options, def->n_options);
    if (spec_apply(&spec, &cfg->schedule_opts, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "%s: %s", def->name, msg);
        return -1;
    }
    cfg->schedule = def;
    return 0;
fail:
    snprintf(err, errlen, "%s", msg);
    return -1;
}

double config_target(const RunConfig *cfg)
{
    return isnan(cfg->target) ? cfg->problem->default_target : cfg->target;
}

/* {"name":NAME,...options} from a ParamSet's sorted JSON. */
static int named_json(const char *name, const ParamSet *ps, char *buf, size_t len)
{
    char inner[CONFIG_TEXT_MAX];
    if (params_json(ps, inner, sizeof inner) != 0) return -1;
    const char *rest = inner + 1; /* the options after '{', ending in '}' */
    int w = snprintf(buf, len, "{\"name\":\"%s\"%s%s", name, *rest == '}' ? "" : ",", rest);
    return w < 0 || (size_t)w >= len ? -1 : 0;
}

int config_schedule_json(const RunConfig *cfg, char *buf, size_t len)
{
    return named_json(cfg->schedule->name, &cfg->schedule_opts, buf, len);
}

int config_canonical(const RunConfig *cfg, char *buf, size_t len)
{
    char prob[CONFIG_TEXT_MAX], opt[CONFIG_TEXT_MAX], sched[512], clip[32], div[32], target[32];
    if (named_json(cfg->problem->name, &cfg->problem_opts, prob, sizeof prob) != 0 ||
        named_json(cfg->optimizer->name, &cfg->hparams, opt, sizeof opt) != 0 ||
        config_schedule_json(cfg, sched, sizeof sched) != 0)
        return -1;
    format_number(cfg->clip, clip, sizeof clip);
    format_number(cfg->divergence_factor, div, sizeof div);
    format_number(config_target(cfg), target, sizeof target);
    int w = snprintf(buf, len,
                     "{\"accum\":%d,\"clip\":%s,\"device\":\"%s\",\"divergence_factor\":%s,"
                     "\"eval_every\":%ld,\"log_every\":%ld,\"optimizer\":%s,\"problem\":%s,"
                     "\"schedule\":%s,\"seed\":%llu,\"steps\":%ld,\"target\":%s}",
                     cfg->accum, clip, device_name(cfg->device), div, cfg->eval_every, cfg->log_every,
                     opt, prob, sched, (unsigned long long)cfg->seed, cfg->steps, target);
    return w < 0 || (size_t)w >= len ? -1 : 0;
}

void config_key(const char *canonical, char key[KEY_TEXT_MAX])
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)canonical; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    snprintf(key, KEY_TEXT_MAX, "%016llx", (unsigned long long)h);
}

int config_check_device(const RunConfig *cfg, char *gpu, size_t len, char *err, size_t errlen)
{
    if (len) gpu[0] = 0;
    if (cfg->device != DEVICE_CUDA) return 0;
    if (device_probe(gpu, len, err, errlen) != 0) return -1;
    if (!cfg->optimizer->step_cuda) {
        snprintf(err, errlen, "optimizer %s has no CUDA step", cfg->optimizer->name);
        return -1;
    }
    if (!cfg->problem->cuda) {
        snprintf(err, errlen, "problem %s has no CUDA implementation", cfg->problem->name);
        return -1;
    }
    return 0;
}

int device_parse(const char *name)
{
    if (strcmp(name, "cpu") == 0) return DEVICE_CPU;
    if (strcmp(name, "cuda") == 0) return DEVICE_CUDA;
    return -1;
}

const char *device_name(Device d) { return d == DEVICE_CUDA ? "cuda" : "cpu"; }
