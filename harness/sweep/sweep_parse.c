/* sweep_parse.c — reading a YAML sweep file with libyaml's document API and
 * checking every key and value against the registries, with file:line:col
 * in each message. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "harness/core/file.h"
#include "harness/core/number.h"
#include "harness/core/spec.h"
#include "harness/sweep/sweep.h"
#include "optimizers/plugin.h"

/* Parsing state: the document and where to write an error. */
typedef struct {
    yaml_document_t doc; /* the loaded document */
    SweepSpec *spec;     /* being filled */
    char *err;           /* message buffer */
    size_t errlen;       /* its size */
} Parser;

/* Writes "file:line:col: what: message" for a node; returns -1. */
static int fail_at(Parser *ps, const yaml_node_t *node, const char *what, const char *fmt, ...)
{
    char msg[ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char shown_what[256], shown[ERRMSG_MAX]; /* keys and values of the file may hold control characters */
    snprintf(ps->err, ps->errlen, "%s:%lu:%lu: %s: %s", ps->spec->path,
             (unsigned long)node->start_mark.line + 1, (unsigned long)node->start_mark.column + 1,
             params_printable(what, shown_what, sizeof shown_what), params_printable(msg, shown, sizeof shown));
    return -1;
}

static yaml_node_t *node_at(Parser *ps, int index) { return yaml_document_get_node(&ps->doc, index); }

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A scalar as a finite decimal number (number.h); -1 when it is none. */
static int scalar_number(const yaml_node_t *n, double *out)
{
    const char *s = scalar(n);
    return s && number_parse(s, out) == NUMBER_OK ? 0 : -1;
}

/* Checks one value text against a setting's definition in the defaults
 * tmpl; with text NULL, only that the key exists. */
static int check_value(Parser *ps, const yaml_node_t *node, const char *what, const ParamSet *tmpl,
                       const char *key, const char *text)
{
    ParamSet scratch = *tmpl;
    char msg[ERRMSG_MAX];
    if (!text && params_def(&scratch, key)) return 0;
    if (params_set(&scratch, key, text ? text : "", msg, sizeof msg) != 0) return fail_at(ps, node, what, "%s", msg);
    return 0;
}

/* Text of a list-valued setting ([256, 128]) from a sequence of scalars. */
static int flow_list_text(Parser *ps, const yaml_node_t *seq, const char *what, char *buf, size_t len)
{
    size_t used = 0;
    buf[used++] = '[';
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
        const char *s = scalar(node_at(ps, *it));
        if (!s) return fail_at(ps, seq, what, "a list of numbers was expected");
        int w = snprintf(buf + used, len - used, "%s%s", it == seq->data.sequence.items.start ? "" : ",", s);
        if (w < 0 || (size_t)w >= len - used - 1) return fail_at(ps, seq, what, "list too long");
        used += (size_t)w;
    }
    buf[used++] = ']';
    buf[used] = 0;
    return 0;
}

static int add_value(Parser *ps, Axis *axis, const yaml_node_t *node, const char *what, const char *text)
{
    if (axis->n_values == SWEEP_MAX_VALUES)
        return fail_at(ps, node, what, "more than %d values on one axis", SWEEP_MAX_VALUES);
    axis->values[axis->n_values] = strdup(text);
    if (!axis->values[axis->n_values]) return fail_at(ps, node, what, "out of memory");
    axis->n_values++;
    return 0;
}

/* Reads the two bounds [a, b] of a spaced or random axis. */
static int read_bounds(Parser *ps, const yaml_node_t *n, const char *what, double *lo, double *hi)
{
    if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top - n->data.sequence.items.start != 2 ||
        scalar_number(node_at(ps, n->data.sequence.items.start[0]), lo) != 0 ||
        scalar_number(node_at(ps, n->data.sequence.items.start[1]), hi) != 0)
        return fail_at(ps, n, what, "expected two numbers [a, b]");
    return 0;
}

/* Parses one axis (key: node) of a problem or optimizer entry whose
 * defaults are tmpl. */
static int parse_axis(Parser *ps, const char *entry, const ParamSet *tmpl, const char *key,
                      const yaml_node_t *node, Axis *axis)
{
    char what[160], text[PARAM_TEXT_MAX];
    snprintf(what, sizeof what, "%s.%s", entry, key);
    memset(axis, 0, sizeof *axis);
    snprintf(axis->key, sizeof axis->key, "%s", key);
    axis->line = (int)node->start_mark.line + 1;
    axis->column = (int)node->start_mark.column + 1;
    const ParamDef *def = params_def(tmpl, key);
    const int list_kind = def->kind == PARAM_LIST;
    axis->kind = AXIS_VALUES;

    if (node->type == YAML_SCALAR_NODE) {
        if (check_value(ps, node, what, tmpl, key, scalar(node))) return -1;
        return add_value(ps, axis, node, what, scalar(node));
    }
    if (node->type == YAML_SEQUENCE_NODE) {
        yaml_node_item_t *start = node->data.sequence.items.start, *top = node->data.sequence.items.top;
        if (start == top) return fail_at(ps, node, what, "empty axis: give at least one value");
        if (list_kind && node_at(ps, *start)->type == YAML_SCALAR_NODE) {
            if (flow_list_text(ps, node, what, text, sizeof text) ||
                check_value(ps, node, what, tmpl, key, text))
                return -1;
            return add_value(ps, axis, node, what, text);
        }
        for (yaml_node_item_t *it = start; it < top; it++) {
            const yaml_node_t *v = node_at(ps, *it);
            if (list_kind && v->type == YAML_SEQUENCE_NODE) {
                if (flow_list_text(ps, v, what, text, sizeof text)) return -1;
            } else if (v->type == YAML_SCALAR_NODE) {
                snprintf(text, sizeof text, "%s", scalar(v));
            } else {
                return fail_at(ps, v, what, "a value was expected");
            }
            if (check_value(ps, v, what, tmpl, key, text) || add_value(ps, axis, v, what, text)) return -1;
        }
        return 0;
    }
    /* a mapping: {log|linear: [a, b], num: k} or a random-search distribution */
    const yaml_node_t *range = NULL;
    double num = -1;
    const char *form = NULL;
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
        const char *f = scalar(node_at(ps, p->key));
        const yaml_node_t *v = node_at(ps, p->value);
        if (!f) return fail_at(ps, node, what, "unexpected mapping key");
        if (!strcmp(f, "num")) {
            if (scalar_number(v, &num) != 0 || num < 1 || num != floor(num) || num > SWEEP_MAX_VALUES)
                return fail_at(ps, v, what, "num must be an integer in [1, %d]", SWEEP_MAX_VALUES);
            continue;
        }
        if (form) return fail_at(ps, node_at(ps, p->key), what, "'%s' and '%s' given together", form, f);
        form = f;
        range = v;
        if (!strcmp(f, "log")) axis->kind = AXIS_LOG;
        else if (!strcmp(f, "linear")) axis->kind = AXIS_LINEAR;
        else if (!strcmp(f, "log_uniform")) axis->kind = AXIS_LOG_UNIFORM;
        else if (!strcmp(f, "uniform")) axis->kind = AXIS_UNIFORM;
        else if (!strcmp(f, "choice")) axis->kind = AXIS_VALUES;
        else
            return fail_at(ps, node_at(ps, p->key), what,
                           "unknown axis form '%s' (log, linear, log_uniform, uniform, choice)", f);
    }
    if (!form) return fail_at(ps, node, what, "expected {log: [a, b], num: k}, {linear: ...} or a distribution");
    if (axis->kind == AXIS_VALUES) {
        if (num >= 0) return fail_at(ps, node, what, "'num' belongs to log and linear axes");
        if (range->type != YAML_SEQUENCE_NODE) return fail_at(ps, range, what, "choice needs a list");
        return parse_axis(ps, entry, tmpl, key, range, axis);
    }
    if (def->kind != PARAM_REAL && def->kind != PARAM_INT)
        return fail_at(ps, node, what, "'%s' needs a numeric setting", form);
    if (read_bounds(ps, range, what, &axis->lo, &axis->hi)) return -1;
    if (axis->lo > axis->hi) return fail_at(ps, range, what, "lower bound above upper bound");
    if ((axis->kind == AXIS_LOG || axis->kind == AXIS_LOG_UNIFORM) && axis->lo <= 0)
        return fail_at(ps, range, what, "log spacing needs bounds > 0");
    int spaced = axis->kind == AXIS_LOG || axis->kind == AXIS_LINEAR;
    if (spaced && num < 0) return fail_at(ps, node, what, "'%s' needs num: k", form);
    if (!spaced && num >= 0) return fail_at(ps, node, what, "'num' belongs to log and linear axes");
    if (!spaced && !ps->spec->random) return fail_at(ps, node, what, "'%s' needs search: random or quasirandom", form);
    if (!spaced && !strncmp(entry, "problems.", 9))
        return fail_at(ps, node, what, "'%s' applies to optimizer hyperparameters only", form);
    axis->num = spaced ? (int)num : 0;
    for (int b = 0; b < 2; b++) {
        char bound[40];
        format_number(b ? axis->hi : axis->lo, bound, sizeof bound);
        if (check_value(ps, range, what, tmpl, key, bound)) return -1;
    }
    return 0;
}

/* A top-level number in [lo, hi]; integer when whole is set. */
static int parse_number(Parser *ps, const yaml_node_t *node, const char *key, double lo, double hi, int whole,
                        double *out)
{
    if (scalar_number(node, out) || *out < lo || *out > hi || (whole && *out != floor(*out))) {
        char l[32], h[32];
        format_number(lo, l, sizeof l);
        format_number(hi, h, sizeof h);
        return fail_at(ps, node, key, "'%s' is not %s in [%s, %s]", scalar(node) ? scalar(node) : "(not a scalar)",
                       whole ? "an integer" : "a number", l, h);
    }
    return 0;
}

/* A run setting (run_settings of config.h) from a scalar into cfg (the
 * sweep's shared settings, or a problem entry's own), named `key` in a
 * message; the schedule also as {name: NAME, key: value, ...}. */
static int parse_setting(Parser *ps, const RunSetting *set, const yaml_node_t *node, const char *key, RunConfig *cfg)
{
    char text[1024], err[ERRMSG_MAX];
    if (node->type == YAML_SCALAR_NODE) {
        snprintf(text, sizeof text, "%s", scalar(node));
    } else if (node->type == YAML_MAPPING_NODE && set->store == STORE_SPEC) {
        const char *name = NULL;
        char rest[900] = "";
        for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
            const char *k = scalar(node_at(ps, p->key)), *v = scalar(node_at(ps, p->value));
            if (!k || !v) return fail_at(ps, node, key, "expected key: value pairs");
            if (!strcmp(k, "name")) name = v;
            else if (strlen(rest) + strlen(k) + strlen(v) + 3 < sizeof rest)
                strcat(strcat(strcat(strcat(rest, ","), k), "="), v);
        }
        if (!name) return fail_at(ps, node, key, "needs name: %s", set->def.help);
        snprintf(text, sizeof text, "%s%s", name, rest);
    } else if (set->store == STORE_SPEC) {
        return fail_at(ps, node, key, "expected a name or {name: ..., key: value}");
    } else {
        return fail_at(ps, node, key, "expected one value, not a list or mapping");
    }
    if (setting_apply(set, cfg, text, err, sizeof err)) return fail_at(ps, node, key, "%s", err);
    return 0;
}

/* Adds the axis key: value to out (prefix "GROUP." for a nested group). */
static int add_axis(Parser *ps, const char *entry, const ParamSet *tmpl, const char *prefix,
                    const yaml_node_pair_t *p, SweepEntry *out)
{
    const yaml_node_t *kn = node_at(ps, p->key);
    const char *name = scalar(kn);
    char key[64], what[160];
    if (!name) return fail_at(ps, kn, entry, "keys must be plain names");
    if (snprintf(key, sizeof key, "%s%s", prefix, name) >= (int)sizeof key) return fail_at(ps, kn, entry, "key too long");
    for (int i = 0; i < out->n_axes; i++)
        if (!strcmp(out->axes[i].key, key)) return fail_at(ps, kn, entry, "key '%s' given twice", key);
    if (out->n_axes == PARAMS_MAX) return fail_at(ps, kn, entry, "too many keys");
    snprintf(what, sizeof what, "%s.%s", entry, key);
    if (check_value(ps, kn, what, tmpl, key, NULL)) return -1;
    /* counted before parsing, so that sweep_free also frees a half-read axis */
    return parse_axis(ps, entry, tmpl, key, node_at(ps, p->value), &out->axes[out->n_axes++]);
}

/* Parses an entry's mapping of axes (or an empty/null entry). In an
 * optimizer entry a group name may hold a mapping of that group's axes:
 * `vectors: {weight_decay: [0, 0.1]}` is the axis vectors.weight_decay. */
static int parse_entry_axes(Parser *ps, const char *entry, const ParamSet *tmpl, const yaml_node_t *node,
                            SweepEntry *out)
{
    if (node->type == YAML_SCALAR_NODE && (!*scalar(node) || !strcmp(scalar(node), "~") || !strcmp(scalar(node), "null")))
        return 0;
    if (node->type != YAML_MAPPING_NODE) return fail_at(ps, node, entry, "expected a mapping of key: values");
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
        const char *key = scalar(node_at(ps, p->key));
        const yaml_node_t *v = node_at(ps, p->value);
        const RunSetting *set = out->problem && key ? setting_find(key) : NULL;
        if (set && (set->scope & SETTING_PROBLEM)) {
            /* the problem's own steps, log_every, eval_every or target */
            char what[160];
            snprintf(what, sizeof what, "%s.%s", entry, key);
            if (parse_setting(ps, set, v, what, &out->base)) return -1;
            continue;
        }
        if (tmpl->grouped && key && group_parse(key) >= 0) {
            char prefix[64], what[160];
            snprintf(prefix, sizeof prefix, "%s.", key);
            snprintf(what, sizeof what, "%s.%s", entry, key);
            if (v->type != YAML_MAPPING_NODE)
                return fail_at(ps, v, what, "expected a mapping of the group's keys ({weight_decay: [0]})");
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++)
                if (add_axis(ps, entry, tmpl, prefix, q, out)) return -1;
            continue;
        }
        if (add_axis(ps, entry, tmpl, "", p, out)) return -1;
    }
    return 0;
}

static int parse_problems(Parser *ps, const yaml_node_t *node)
{
    SweepSpec *spec = ps->spec;
    if (node->type != YAML_SEQUENCE_NODE || node->data.sequence.items.start == node->data.sequence.items.top)
        return fail_at(ps, node, "problems", "expected a non-empty list (- rosenbrock: {dim: 2})");
    for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
        const yaml_node_t *item = node_at(ps, *it), *opts = NULL, *name_node = item;
        const char *name = scalar(item);
        if (item->type == YAML_MAPPING_NODE && item->data.mapping.pairs.top - item->data.mapping.pairs.start == 1) {
            name_node = node_at(ps, item->data.mapping.pairs.start->key);
            name = scalar(name_node);
            opts = node_at(ps, item->data.mapping.pairs.start->value);
        }
        if (!name) return fail_at(ps, item, "problems", "expected '- NAME' or '- NAME: {options}'");
        const ProblemDef *def = problem_find(name);
        if (!def) return fail_at(ps, name_node, "problems", "unknown problem '%s' (known: %s)", name, problem_names());
        if (spec->n_problems == SWEEP_MAX_ENTRIES) return fail_at(ps, item, "problems", "too many problems");
        SweepEntry *e = &spec->problems[spec->n_problems++];
        e->problem = def;
        e->base = spec->base;
        e->line = (int)name_node->start_mark.line + 1;
        e->column = (int)name_node->start_mark.column + 1;
        char entry[96];
        snprintf(entry, sizeof entry, "problems.%s", name);
        ParamSet tmpl;
        params_init(&tmpl, def->options, def->n_options);
        if (opts && parse_entry_axes(ps, entry, &tmpl, opts, e)) return -1;
    }
    return 0;
}

static int parse_optimizers(Parser *ps, const yaml_node_t *node)
{
    SweepSpec *spec = ps->spec;
    if (node->type != YAML_MAPPING_NODE || node->data.mapping.pairs.start == node->data.mapping.pairs.top)
        return fail_at(ps, node, "optimizers", "expected a non-empty mapping (adamw: {lr: [...]})");
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
        const yaml_node_t *name_node = node_at(ps, p->key);
        const char *name = scalar(name_node);
        const OptimizerDef *def = name ? optimizer_find(name) : NULL;
        if (!def)
            return fail_at(ps, name_node, "optimizers", "unknown optimizer '%s' (known: %s)", name ? name : "?",
                           optimizer_names());
        if (spec->n_optimizers == SWEEP_MAX_ENTRIES) return fail_at(ps, name_node, "optimizers", "too many optimizers");
        SweepEntry *e = &spec->optimizers[spec->n_optimizers++];
        e->optimizer = def;
        e->line = (int)name_node->start_mark.line + 1;
        e->column = (int)name_node->start_mark.column + 1;
        char entry[96];
        snprintf(entry, sizeof entry, "optimizers.%s", name);
        ParamSet tmpl;
        optimizer_defaults(def, &tmpl);
        if (parse_entry_axes(ps, entry, &tmpl, node_at(ps, p->value), e)) return -1;
    }
    return 0;
}

/* Loads each plugin of the list, a path relative to the sweep file's folder
 * unless absolute, so that its optimizer is known to the entries below. */
static int parse_plugins(Parser *ps, const yaml_node_t *node)
{
    char path[2 * PLUGIN_PATH_MAX], msg[ERRMSG_MAX];
    const char *slash = strrchr(ps->spec->path, '/');
    const int dir_len = slash ? (int)(slash - ps->spec->path) + 1 : 0; /* the file's folder, '/' included */
    if (node->type != YAML_SEQUENCE_NODE)
        return fail_at(ps, node, "plugins", "expected a list of plugin paths ([build/plugins/my.so])");
    for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
        const yaml_node_t *n = node_at(ps, *it);
        const char *file = scalar(n);
        if (!file || !*file) return fail_at(ps, n, "plugins", "expected the path of a plugin (a .so file)");
        snprintf(path, sizeof path, "%.*s%s", file[0] == '/' ? 0 : dir_len, ps->spec->path, file);
        if (plugin_load(path, msg, sizeof msg) != 0) return fail_at(ps, n, "plugins", "%s", msg);
    }
    return 0;
}

static int parse_seeds(Parser *ps, const yaml_node_t *node)
{
    SweepSpec *spec = ps->spec;
    RunConfig scratch;
    char err[ERRMSG_MAX];
    double v;
    spec->n_seeds = 0;
    if (node->type == YAML_SCALAR_NODE) {
        if (scalar_number(node, &v) || v < 1 || v != floor(v) || v > SWEEP_MAX_SEEDS)
            return fail_at(ps, node, "seeds", "a list of seeds or a count in [1, %d]", SWEEP_MAX_SEEDS);
        for (int i = 0; i < (int)v; i++) spec->seeds[spec->n_seeds++] = i;
        return 0;
    }
    if (node->type != YAML_SEQUENCE_NODE || node->data.sequence.items.start == node->data.sequence.items.top)
        return fail_at(ps, node, "seeds", "a non-empty list of seeds, or a count");
    for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
        const yaml_node_t *s = node_at(ps, *it);
        if (setting_apply(setting_find("seed"), &scratch, scalar(s) ? scalar(s) : "?", err, sizeof err))
            return fail_at(ps, s, "seeds", "%s", err);
        if (spec->n_seeds == SWEEP_MAX_SEEDS) return fail_at(ps, s, "seeds", "more than %d seeds", SWEEP_MAX_SEEDS);
        spec->seeds[spec->n_seeds++] = (long)scratch.seed;
    }
    return 0;
}

/* prune: {method: asha, min_steps: K, reduction: R} or {method: median, after: K}. */
static int parse_prune(Parser *ps, const yaml_node_t *node)
{
    PruneSpec *pr = &ps->spec->prune;
    const char *method = NULL;
    double v;
    if (node->type != YAML_MAPPING_NODE)
        return fail_at(ps, node, "prune",
                       "expected {method: asha, min_steps: K, reduction: 3} or {method: median, after: K}");
    pr->reduction = 3;
    pr->min_steps = pr->after = -1;
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn = node_at(ps, p->key), *vn = node_at(ps, p->value);
        const char *key = scalar(kn);
        char what[64];
        snprintf(what, sizeof what, "prune.%s", key ? key : "?");
        if (!key) return fail_at(ps, kn, "prune", "keys must be plain names");
        if (!strcmp(key, "method")) {
            method = scalar(vn);
            if (!method || (strcmp(method, "asha") && strcmp(method, "median")))
                return fail_at(ps, vn, what, "expected asha or median");
            pr->method = !strcmp(method, "asha") ? PRUNE_ASHA : PRUNE_MEDIAN;
        } else if (!strcmp(key, "min_steps")) {
            if (parse_number(ps, vn, what, 1, 1e9, 1, &v)) return -1;
            pr->min_steps = (long)v;
        } else if (!strcmp(key, "reduction")) {
            if (parse_number(ps, vn, what, 2, 100, 1, &v)) return -1;
            pr->reduction = (int)v;
        } else if (!strcmp(key, "after")) {
            if (parse_number(ps, vn, what, 0, 1e9, 1, &v)) return -1;
            pr->after = (long)v;
        } else {
            return fail_at(ps, kn, what, "unknown key (known: method, min_steps, reduction, after)");
        }
    }
    if (!method) return fail_at(ps, node, "prune", "needs method: asha or median");
    if (pr->method == PRUNE_ASHA && pr->min_steps < 0)
        return fail_at(ps, node, "prune", "method asha needs min_steps: K");
    if (pr->method == PRUNE_ASHA && pr->after >= 0)
        return fail_at(ps, node, "prune", "'after' belongs to method median");
    if (pr->method == PRUNE_MEDIAN && pr->after < 0) return fail_at(ps, node, "prune", "method median needs after: K");
    if (pr->method == PRUNE_MEDIAN && pr->min_steps >= 0)
        return fail_at(ps, node, "prune", "'min_steps' belongs to method asha");
    return 0;
}

/* Every top-level key; problems and optimizers are read after the rest so
 * that `search: random` is known whatever the key order. */
static int parse_root(Parser *ps, const yaml_node_t *root)
{
    SweepSpec *spec = ps->spec;
    const yaml_node_t *problems = NULL, *optimizers = NULL, *studies = NULL;
    const RunSetting *set;
    double v;
    if (!root || root->type != YAML_MAPPING_NODE)
        return fail_at(ps, root ? root : &(yaml_node_t){0}, "sweep", "the file must be a mapping of settings");
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn = node_at(ps, p->key), *vn = node_at(ps, p->value);
        const char *key = scalar(kn);
        if (!key) return fail_at(ps, kn, "sweep", "keys must be plain names");
        int rc = 0;
        if (!strcmp(key, "name")) {
            char where[sizeof spec->path + 48];
            if (!scalar(vn)) return fail_at(ps, vn, key, "expected a name of 1 to %d characters", SWEEP_NAME_MAX);
            snprintf(where, sizeof where, "%s:%lu:%lu: name", spec->path, (unsigned long)vn->start_mark.line + 1,
                     (unsigned long)vn->start_mark.column + 1);
            if (params_check_name(where, scalar(vn), SWEEP_NAME_MAX, ps->err, ps->errlen) != 0) return -1;
            snprintf(spec->name, sizeof spec->name, "%s", scalar(vn));
        } else if ((set = setting_find(key)) && (set->scope & SETTING_SWEEP)) {
            rc = parse_setting(ps, set, vn, key, &spec->base);
        } else if (!strcmp(key, "seeds")) {
            rc = parse_seeds(ps, vn);
        } else if (!strcmp(key, "search")) {
            const char *s = scalar(vn);
            if (!s || (strcmp(s, "grid") && strcmp(s, "random") && strcmp(s, "quasirandom")))
                return fail_at(ps, vn, key, "expected grid, random or quasirandom");
            spec->quasirandom = !strcmp(s, "quasirandom");
            spec->random = spec->quasirandom || !strcmp(s, "random");
        } else if (!strcmp(key, "samples")) {
            rc = parse_number(ps, vn, key, 1, 1e6, 1, &v);
            spec->samples = (long)v;
        } else if (!strcmp(key, "studies")) {
            rc = parse_number(ps, vn, key, 1, SWEEP_MAX_STUDIES, 1, &v);
            spec->studies = (int)v;
            studies = vn;
        } else if (!strcmp(key, "search_seed")) {
            rc = parse_number(ps, vn, key, 0, 9007199254740992.0, 1, &v);
            spec->search_seed = (uint64_t)v;
        } else if (!strcmp(key, "prune")) {
            rc = parse_prune(ps, vn);
        } else if (!strcmp(key, "plugins")) {
            rc = parse_plugins(ps, vn);
        } else if (!strcmp(key, "problems")) {
            problems = vn;
        } else if (!strcmp(key, "optimizers")) {
            optimizers = vn;
        } else {
            char known[512] = "name, seeds";
            for (int i = 0; i < n_run_settings; i++)
                if (run_settings[i].scope & SETTING_SWEEP) strcat(strcat(known, ", "), run_settings[i].def.name);
            return fail_at(ps, kn, key, "unknown key (known: %s, " SWEEP_OTHER_KEYS ", problems, optimizers)", known);
        }
        if (rc) return -1;
    }
    if (!spec->name[0]) return fail_at(ps, root, "name", "missing: every sweep needs a name");
    if (!problems) return fail_at(ps, root, "problems", "missing: list at least one problem");
    if (!optimizers) return fail_at(ps, root, "optimizers", "missing: name at least one optimizer");
    if (spec->random && spec->samples < 1)
        return fail_at(ps, root, "samples", "search: %s needs samples: N", spec->quasirandom ? "quasirandom" : "random");
    if (!spec->random && spec->samples) return fail_at(ps, root, "samples", "samples needs search: random or quasirandom");
    if (!spec->random && studies)
        return fail_at(ps, studies, "studies", "studies needs search: random or quasirandom (a grid's replicas are the same)");
    return parse_problems(ps, problems) || parse_optimizers(ps, optimizers) ? -1 : 0;
}

/* Writes libyaml's syntax error as "file:line:col: YAML: ..."; returns -1. */
static int yaml_syntax_error(const char *path, const yaml_parser_t *parser, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s:%lu:%lu: YAML: %s%s%s", path, (unsigned long)parser->problem_mark.line + 1,
             (unsigned long)parser->problem_mark.column + 1, parser->problem ? parser->problem : "syntax error",
             parser->context ? " " : "", parser->context ? parser->context : "");
    return -1;
}

/* Reads the events of the file once before its document is built, and
 * stops at the first alias (*name: a node used twice, which lets a few
 * hundred bytes stand for billions of nodes), nesting deeper than
 * SWEEP_MAX_DEPTH or a second document. Stopping there bounds the work
 * whatever the file holds: libyaml's cost grows with the depth. */
static int check_events(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    int rc = 1, depth = 0, documents = 0; /* rc 1: not decided yet */
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "%s: cannot start the YAML parser", path);
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    while (rc == 1) {
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = yaml_syntax_error(path, &parser, err, errlen);
            break;
        }
        const unsigned long line = (unsigned long)ev.start_mark.line + 1, col = (unsigned long)ev.start_mark.column + 1;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: rc = 0; break;
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1) {
                snprintf(err, errlen, "%s:%lu:%lu: YAML: a second document; a sweep file holds one", path, line, col);
                rc = -1;
            }
            break;
        case YAML_ALIAS_EVENT:
            snprintf(err, errlen, "%s:%lu:%lu: YAML: alias *%s: aliases (and the anchors they name) are not taken "
                     "in a sweep file", path, line, col, (const char *)ev.data.alias.anchor);
            rc = -1;
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (++depth > SWEEP_MAX_DEPTH) {
                snprintf(err, errlen, "%s:%lu:%lu: YAML: nested more than %d deep", path, line, col, SWEEP_MAX_DEPTH);
                rc = -1;
            }
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: depth--; break;
        default: break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return rc;
}

/* A key of a mapping, for finding keys given twice. */
typedef struct {
    const char *key; /* the scalar */
    size_t index;    /* its position in the mapping */
    const yaml_node_t *node; /* where it is */
} KeySlot;

static int cmp_key_slot(const void *a, const void *b)
{
    const KeySlot *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Refuses a key given twice in any mapping of the document, naming the
 * second one and where the first is. `what` is the dotted path of node
 * ("optimizers.adam"). Sorting keeps this n log n in the number of keys. */
static int check_duplicates(Parser *ps, const yaml_node_t *node, const char *what)
{
    if (!node) return 0;
    if (node->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++)
            if (check_duplicates(ps, node_at(ps, *it), what)) return -1;
        return 0;
    }
    if (node->type != YAML_MAPPING_NODE) return 0;
    const size_t n = (size_t)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
    KeySlot *slots = malloc((n ? n : 1) * sizeof *slots);
    size_t used = 0;
    int rc = 0;
    if (!slots) return fail_at(ps, node, what, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const yaml_node_t *k = node_at(ps, node->data.mapping.pairs.start[i].key);
        if (scalar(k)) slots[used++] = (KeySlot){scalar(k), i, k};
    }
    qsort(slots, used, sizeof *slots, cmp_key_slot);
    const KeySlot *second = NULL, *first = NULL; /* the repeat that comes first in the file */
    for (size_t i = 1; i < used; i++)
        if (!strcmp(slots[i].key, slots[i - 1].key) && (!second || slots[i].index < second->index) &&
            (i < 2 || strcmp(slots[i].key, slots[i - 2].key))) {
            second = &slots[i];
            first = &slots[i - 1];
        }
    if (second)
        rc = fail_at(ps, second->node, what, "key '%s' given twice (first at %lu:%lu)", second->key,
                     (unsigned long)first->node->start_mark.line + 1, (unsigned long)first->node->start_mark.column + 1);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const yaml_node_pair_t *p = &node->data.mapping.pairs.start[i];
        const char *k = scalar(node_at(ps, p->key));
        char sub[256];
        snprintf(sub, sizeof sub, "%s%s%s", strcmp(what, "sweep") ? what : "", strcmp(what, "sweep") ? "." : "",
                 k ? k : "?");
        rc = check_duplicates(ps, node_at(ps, p->value), sub);
    }
    free(slots);
    return rc;
}

int sweep_load(const char *path, SweepSpec **out, char *err, size_t errlen)
{
    Parser ps = {.err = err, .errlen = errlen};
    yaml_parser_t parser;
    size_t len = 0;
    int rc = -1, have_doc = 0, have_parser = 0;
    *out = NULL;
    ps.spec = calloc(1, sizeof *ps.spec);
    if (!ps.spec) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto cleanup;
    }
    snprintf(ps.spec->path, sizeof ps.spec->path, "%s", path);
    config_defaults(&ps.spec->base);
    config_sweep_defaults(&ps.spec->base);
    ps.spec->seeds[0] = 0;
    ps.spec->n_seeds = 1;
    ps.spec->studies = 1;
    if (file_read_input(path, SWEEP_MAX_BYTES, &ps.spec->text, &len, err, errlen) != 0 ||
        check_events(path, ps.spec->text, len, err, errlen) != 0)
        goto cleanup;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "%s: cannot start the YAML parser", path);
        goto cleanup;
    }
    have_parser = 1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)ps.spec->text, len);
    if (!yaml_parser_load(&parser, &ps.doc)) {
        yaml_syntax_error(path, &parser, err, errlen);
        goto cleanup;
    }
    have_doc = 1;
    if (!yaml_document_get_root_node(&ps.doc)) {
        snprintf(err, errlen, "%s:1:1: sweep: the file is empty", path);
        goto cleanup;
    }
    if (check_duplicates(&ps, yaml_document_get_root_node(&ps.doc), "sweep") != 0 ||
        parse_root(&ps, yaml_document_get_root_node(&ps.doc)) != 0)
        goto cleanup;
    *out = ps.spec;
    ps.spec = NULL;
    rc = 0;
cleanup:
    if (have_doc) yaml_document_delete(&ps.doc);
    if (have_parser) yaml_parser_delete(&parser);
    sweep_free(ps.spec);
    return rc;
}

void sweep_free(SweepSpec *spec)
{
    if (!spec) return;
    SweepEntry *lists[2] = {spec->problems, spec->optimizers};
    int counts[2] = {spec->n_problems, spec->n_optimizers};
    for (int l = 0; l < 2; l++)
        for (int e = 0; e < counts[l]; e++)
            for (int a = 0; a < lists[l][e].n_axes; a++)
                for (int v = 0; v < lists[l][e].axes[a].n_values; v++) free(lists[l][e].axes[a].values[v]);
    free(spec->text);
    free(spec);
}
