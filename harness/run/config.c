/* config.c — the table of run settings, building RunConfig from it and
 * from spec strings, canonical text, keys. */
#include "harness/run/config.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/device.h"
#include "harness/core/number.h"
#include "harness/core/spec.h"

/* A row of the table: key, kind, default, lo, hi, choices/default text, help. */
#define NUM(key, kind, def, lo, hi, help) {key, kind, def, lo, hi, 0, NULL, help}
#define SPEC(key, def, help) {key, PARAM_TEXT, 0, 0, 0, 0, def, help}
#define AT(field) offsetof(RunConfig, field)

const RunSetting run_settings[] = {
    {SPEC("problem", "rosenbrock", "NAME[,key=value...]; see `optbench problems`"), "SPEC", NULL, NULL,
     SETTING_RUN, AT(problem), STORE_SPEC, config_set_problem},
    {SPEC("optimizer", "sgd", "NAME[,key=value...]; see `optbench optimizers`"), "SPEC", NULL, NULL,
     SETTING_RUN, AT(optimizer), STORE_SPEC, config_set_optimizer},
    {SPEC("schedule", "constant", "constant|cosine|linear[,warmup=N][,min_lr=X]"), "SPEC", NULL, NULL,
     SETTING_RUN | SETTING_SWEEP, AT(schedule), STORE_SPEC, config_set_schedule},
    {NUM("steps", PARAM_INT, 100, 1, 1e9, "optimizer updates"), "N", NULL, NULL,
     SETTING_RUN | SETTING_SWEEP | SETTING_PROBLEM, AT(steps), STORE_LONG, NULL},
    {NUM("seed", PARAM_INT, 0, 0, 9007199254740992.0, "seed of init, minibatches and noise"), "N", NULL, NULL,
     SETTING_RUN, AT(seed), STORE_U64, NULL},
    {{"device", PARAM_CHOICE, DEVICE_CPU, 0, 0, 0, "cpu|cuda", "where the run computes"}, "cpu|cuda", NULL, NULL,
     SETTING_RUN | SETTING_SWEEP, AT(device), STORE_DEVICE, NULL},
    {NUM("clip", PARAM_REAL, 0, 0, INFINITY, "clip the global gradient norm to X; 0: off"), "X", NULL, NULL,
     SETTING_RUN | SETTING_SWEEP, AT(clip), STORE_DOUBLE, NULL},
    {NUM("accum", PARAM_INT, 1, 1, 1 << 20, "average K minibatch gradients per update"), "K", NULL, NULL,
     SETTING_RUN | SETTING_SWEEP, AT(accum), STORE_INT, NULL},
    {NUM("log_every", PARAM_INT, 1, 1, 1e9, "metrics row every K steps and at the last"), "K", NULL, "10",
     SETTING_RUN | SETTING_SWEEP | SETTING_PROBLEM, AT(log_every), STORE_LONG, NULL},
    {NUM("eval_every", PARAM_INT, 0, 0, 1e9, "held-out evaluation every K steps; 0: at the end"), "K", NULL, NULL,
     SETTING_RUN | SETTING_SWEEP | SETTING_PROBLEM, AT(eval_every), STORE_LONG, NULL},
    {NUM("target", PARAM_REAL, NAN, -INFINITY, INFINITY, "target training loss for time-to-target"), "X",
     "the problem's", NULL, SETTING_RUN | SETTING_SWEEP | SETTING_PROBLEM, AT(target), STORE_DOUBLE, NULL},
    {NUM("divergence_factor", PARAM_REAL, 1e6, 1, INFINITY, "diverged when loss > X * first loss"), "X", NULL,
     NULL, SETTING_RUN | SETTING_SWEEP, AT(divergence_factor), STORE_DOUBLE, NULL},
    {NUM("timeout_s", PARAM_REAL, 0, 0, 1e9, "per-run limit in seconds; 0: none"), "X", NULL, NULL,
     SETTING_SWEEP, AT(timeout_s), STORE_DOUBLE, NULL},
    /* one field under two names: a run's threads, a sweep's threads per job */
    {NUM("threads", PARAM_INT, 0, 0, 1024, "CPU threads of the run, at most the cores; 0: every core"), "N", NULL,
     NULL, SETTING_RUN, AT(threads), STORE_INT, NULL},
    {NUM("threads_per_job", PARAM_INT, 0, 0, 1024, "CPU threads of each run, jobs x N <= cores; 0: cores / jobs"),
     "N", NULL, NULL, SETTING_SWEEP, AT(threads), STORE_INT, NULL},
};
const int n_run_settings = (int)(sizeof run_settings / sizeof run_settings[0]);

const RunSetting *setting_find(const char *key)
{
    for (int i = 0; i < n_run_settings; i++)
        if (!strcmp(run_settings[i].def.name, key)) return &run_settings[i];
    return NULL;
}

void setting_flag(const RunSetting *s, char *buf, size_t len)
{
    snprintf(buf, len, "%s", s->def.name);
    for (char *p = buf; *p; p++)
        if (*p == '_') *p = '-';
}

/* "'text' is not ..." for a value the setting refuses. */
static void bad_value(const ParamDef *d, const char *text, char *err, size_t errlen)
{
    char range[96], words[128] = "";
    if (d->kind == PARAM_CHOICE) { /* "a|b|c" read as "a, b or c" */
        size_t o = 0;
        for (const char *c = d->choices; *c && o + 4 < sizeof words; c++) {
            if (*c != '|') words[o++] = *c;
            else o += (size_t)snprintf(words + o, sizeof words - o, "%s", strchr(c + 1, '|') ? ", " : " or ");
        }
        words[o] = 0;
        snprintf(err, errlen, "'%s' is not %s", text, words);
        return;
    }
    char shown[PARAM_TEXT_MAX], allowed[160], *end;
    double v;
    const NumberStatus st = number_parse(text, &v);
    params_printable(text, shown, sizeof shown);
    params_range_text(d, range, sizeof range);
    if (isinf(d->lo) && isinf(d->hi)) snprintf(allowed, sizeof allowed, "a number");
    else snprintf(allowed, sizeof allowed, "%s in %s", d->kind == PARAM_INT ? "an integer" : "a number", range);
    strtod(text, &end);
    /* inf, nan, hex and out-of-range numbers get the reason; words and ranges the plain message */
    if (st == NUMBER_OVERFLOW || st == NUMBER_TINY || (st == NUMBER_SYNTAX && end != text && !*end))
        snprintf(err, errlen, "'%s': %s; allowed %s", shown, number_status_text(st), allowed);
    else snprintf(err, errlen, "'%s' is not %s", shown, allowed);
}

/* Writes a number into the setting's field of cfg. */
static void store_number(const RunSetting *s, RunConfig *cfg, double v)
{
    void *field = (char *)cfg + s->offset;
    switch (s->store) {
    case STORE_LONG: *(long *)field = (long)v; break;
    case STORE_INT: *(int *)field = (int)v; break;
    case STORE_U64: *(uint64_t *)field = (uint64_t)v; break;
    case STORE_DOUBLE: *(double *)field = v; break;
    case STORE_DEVICE: *(Device *)field = (Device)v; break;
    case STORE_SPEC: break;
    }
}

int setting_apply(const RunSetting *s, RunConfig *cfg, const char *text, char *err, size_t errlen)
{
    ParamSet one;
    char msg[ERRMSG_MAX];
    if (s->store == STORE_SPEC) return s->parse_spec(cfg, text, err, errlen);
    params_init(&one, &s->def, 1);
    if (params_set(&one, s->def.name, text, msg, sizeof msg) != 0) {
        bad_value(&s->def, text, err, errlen);
        return -1;
    }
    store_number(s, cfg, one.num[0]);
    return 0;
}

void setting_help(const RunSetting *s, int scope, char *buf, size_t len)
{
    char shown[64];
    if (scope == SETTING_SWEEP && s->sweep_default) snprintf(shown, sizeof shown, "%s", s->sweep_default);
    else if (s->shown_default) snprintf(shown, sizeof shown, "%s", s->shown_default);
    else params_default_text(&s->def, shown, sizeof shown);
    snprintf(buf, len, "%s (default %s)", s->def.help, shown);
}

int settings_help(int scope, char *buf, size_t len)
{
    size_t used = 0;
    for (int i = 0; i < n_run_settings; i++) {
        const RunSetting *s = &run_settings[i];
        char name[64], help[512];
        if (!(s->scope & scope)) continue;
        if (scope == SETTING_RUN) {
            char flag[40];
            setting_flag(s, flag, sizeof flag);
            snprintf(name, sizeof name, "--%s %s", flag, s->arg);
        } else {
            snprintf(name, sizeof name, "%s", s->def.name);
        }
        setting_help(s, scope, help, sizeof help);
        int w = snprintf(buf + used, len - used, "  %-23s%s\n", name, help);
        if (w < 0 || (size_t)w >= len - used) return -1;
        used += (size_t)w;
    }
    return 0;
}

/* The table's own defaults always parse, so their result is not checked. */
void config_defaults(RunConfig *cfg)
{
    char err[ERRMSG_MAX];
    memset(cfg, 0, sizeof *cfg);
    for (int i = 0; i < n_run_settings; i++) {
        const RunSetting *s = &run_settings[i];
        if (s->store == STORE_SPEC) (void)s->parse_spec(cfg, s->def.choices, err, sizeof err);
        else store_number(s, cfg, s->def.def);
    }
}

void config_sweep_defaults(RunConfig *cfg)
{
    char err[ERRMSG_MAX];
    for (int i = 0; i < n_run_settings; i++)
        if (run_settings[i].sweep_default)
            (void)setting_apply(&run_settings[i], cfg, run_settings[i].sweep_default, err, sizeof err);
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
    char prob[CONFIG_TEXT_MAX], opt[CONFIG_TEXT_MAX], sched[512], clip[32], div[32], target[32], study[32] = "";
    if (named_json(cfg->problem->name, &cfg->problem_opts, prob, sizeof prob) != 0 ||
        named_json(cfg->optimizer->name, &cfg->hparams, opt, sizeof opt) != 0 ||
        config_schedule_json(cfg, sched, sizeof sched) != 0)
        return -1;
    format_number(cfg->clip, clip, sizeof clip);
    format_number(cfg->divergence_factor, div, sizeof div);
    format_number(config_target(cfg), target, sizeof target);
    if (cfg->study > 0) snprintf(study, sizeof study, "\"study\":%d,", cfg->study);
    int w = snprintf(buf, len,
                     "{\"accum\":%d,\"clip\":%s,\"device\":\"%s\",\"divergence_factor\":%s,"
                     "\"eval_every\":%ld,\"log_every\":%ld,\"optimizer\":%s,\"problem\":%s,"
                     "\"schedule\":%s,\"seed\":%llu,\"steps\":%ld,%s\"target\":%s}",
                     cfg->accum, clip, device_name(cfg->device), div, cfg->eval_every, cfg->log_every,
                     opt, prob, sched, (unsigned long long)cfg->seed, cfg->steps, study, target);
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
#ifdef OPTBENCH_CUDA /* what this build lacks first, whatever the machine */
    if (!optimizer_has_cuda(cfg->optimizer)) {
        snprintf(err, errlen, "no CUDA kernel for %s (run it with --device cpu)", cfg->optimizer->name);
        return -1;
    }
    for (int g = 0; g < N_ROLES; g++) {
        double hp[PARAMS_MAX];
        params_group_values(&cfg->hparams, g, hp);
        if (optimizer_state_cpu_only(cfg->optimizer, hp)) {
            snprintf(err, errlen, "%s keeps state other than fp32 on the CPU only (run it with --device cpu)",
                     cfg->optimizer->name);
            return -1;
        }
    }
    if (!cfg->problem->cuda) {
        snprintf(err, errlen, "problem %s has no CUDA implementation", cfg->problem->name);
        return -1;
    }
#endif
    return device_probe(gpu, len, err, errlen);
}

int config_parse_device(const char *text, Device *out, char *err, size_t errlen)
{
    RunConfig cfg;
    if (setting_apply(setting_find("device"), &cfg, text, err, errlen) != 0) return -1;
    *out = cfg.device;
    return 0;
}

const char *device_name(Device d) { return d == DEVICE_CUDA ? "cuda" : "cpu"; }
