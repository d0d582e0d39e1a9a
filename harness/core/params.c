/* params.c — parsing, range checks and canonical JSON of ParamSet values. */
#include "harness/core/params.h"

#include "harness/core/number.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void params_init(ParamSet *ps, const ParamDef *defs, int n)
{
    memset(ps, 0, sizeof *ps);
    ps->defs = defs;
    ps->n = n;
    for (int i = 0; i < n; i++) {
        ps->num[i] = defs[i].def;
        if ((defs[i].kind == PARAM_TEXT || defs[i].kind == PARAM_LIST) && defs[i].choices)
            snprintf(ps->text[i], PARAM_TEXT_MAX, "%s", defs[i].choices);
    }
}

/* The definition of every group's lr_scale. */
static const ParamDef lr_scale_def = {"lr_scale", PARAM_REAL, 1, 0, INFINITY, 0, NULL,
                                      "multiplies the group's scheduled learning rate"};

int params_index(const ParamSet *ps, const char *key)
{
    for (int i = 0; i < ps->n; i++)
        if (strcmp(ps->defs[i].name, key) == 0) return i;
    return -1;
}

/* Splits GROUP.KEY of a grouped set: the group (-1: unknown), the index of
 * KEY (PARAM_LR_SCALE for lr_scale, -1: unknown) and KEY; 0 when key has
 * no group part or the set is not grouped. */
static int split_group(const ParamSet *ps, const char *key, int *group, int *index, const char **sub)
{
    const char *dot = strchr(key, '.');
    char name[64];
    if (!ps->grouped || !dot || (size_t)(dot - key) >= sizeof name) return 0;
    snprintf(name, sizeof name, "%.*s", (int)(dot - key), key);
    *group = group_parse(name);
    *sub = dot + 1;
    *index = !strcmp(*sub, lr_scale_def.name) ? PARAM_LR_SCALE : params_index(ps, *sub);
    return 1;
}

const ParamDef *params_def(const ParamSet *ps, const char *key)
{
    int g, i;
    const char *sub;
    if (!split_group(ps, key, &g, &i, &sub)) i = params_index(ps, key), g = 0;
    if (g < 0 || i < 0) return NULL;
    return i == PARAM_LR_SCALE ? &lr_scale_def : &ps->defs[i];
}

double params_group_num(const ParamSet *ps, int g, int i)
{
    if (ps->group_given[g][i]) return ps->group_num[g][i];
    return i == PARAM_LR_SCALE ? lr_scale_def.def : ps->num[i];
}

void params_group_values(const ParamSet *ps, int g, double *out)
{
    for (int i = 0; i < ps->n; i++) out[i] = params_group_num(ps, g, i);
}

double params_num(const ParamSet *ps, const char *key)
{
    int i = params_index(ps, key);
    return i < 0 ? NAN : ps->num[i];
}

const char *params_text(const ParamSet *ps, const char *key)
{
    int i = params_index(ps, key);
    return i < 0 ? "" : ps->text[i];
}

#define NUMBER_CACHE 256 /* recent numbers format_number remembers, per thread (a power of 2) */

/* The shortest round-trip text of x, by trying 1 to 17 digits. */
static void shortest_text(double x, char *buf, size_t len)
{
    if (isinf(x)) {
        snprintf(buf, len, "%s", x > 0 ? "inf" : "-inf");
        return;
    }
    if (x == floor(x) && fabs(x) < 1e15) { /* whole numbers without an exponent */
        snprintf(buf, len, "%.0f", x);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) return;
    }
}

/* A sweep formats the same few numbers (its grid's values, the defaults)
 * into every configuration's key and texts: each is searched for once and
 * then copied from a small cache keyed by its bits (BENCHMARKS.md). */
void format_number(double x, char *buf, size_t len)
{
    static _Thread_local struct {
        uint64_t bits; /* the number's bits */
        char text[32]; /* its text; "" for an empty slot */
    } cache[NUMBER_CACHE];
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    const size_t slot = (size_t)((bits * 0x9E3779B97F4A7C15ull) >> 56) & (NUMBER_CACHE - 1);
    if (!(cache[slot].text[0] && cache[slot].bits == bits)) {
        shortest_text(x, cache[slot].text, sizeof cache[slot].text);
        cache[slot].bits = bits;
    }
    if (len == 0) return;
    size_t l = strlen(cache[slot].text); /* as snprintf "%s" would, truncated to len - 1 */
    l = l < len ? l : len - 1;
    memcpy(buf, cache[slot].text, l);
    buf[l] = 0;
}

void params_range_text(const ParamDef *d, char *buf, size_t len)
{
    char lo[32], hi[32];
    switch (d->kind) {
    case PARAM_BOOL: snprintf(buf, len, "0|1"); return;
    case PARAM_CHOICE: snprintf(buf, len, "%s", d->choices); return;
    case PARAM_TEXT: snprintf(buf, len, "text, no control chars"); return;
    case PARAM_LIST: snprintf(buf, len, "[n,...] with n >= 1"); return;
    default: break;
    }
    format_number(d->lo, lo, sizeof lo);
    format_number(d->hi, hi, sizeof hi);
    snprintf(buf, len, "%c%s, %s%c", (d->flags & PARAM_LO_OPEN) || isinf(d->lo) ? '(' : '[', lo, hi,
             (d->flags & PARAM_HI_OPEN) || isinf(d->hi) ? ')' : ']');
}

int params_has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
    return 0;
}

const char *params_printable(const char *s, char *buf, size_t len)
{
    size_t o = 0;
    for (; *s && o + 5 < len; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '\n') o += (size_t)snprintf(buf + o, len - o, "\\n");
        else if (c == '\t') o += (size_t)snprintf(buf + o, len - o, "\\t");
        else if (c < 0x20 || c == 0x7f) o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
        else buf[o++] = (char)c;
    }
    buf[o] = 0;
    return buf;
}

int params_check_name(const char *what, const char *name, size_t max, char *err, size_t errlen)
{
    char shown[160];
    if (!*name) snprintf(err, errlen, "%s: empty; give a name of 1 to %zu characters", what, max);
    else if (strlen(name) > max) snprintf(err, errlen, "%s: longer than %zu characters", what, max);
    else if (params_has_control(name))
        snprintf(err, errlen, "%s: '%s' holds a control character (a name may not)", what,
                 params_printable(name, shown, sizeof shown));
    else return 0;
    return -1;
}

/* Index of word in a "a|b|c" list, or -1. */
static int choice_index(const char *choices, const char *word)
{
    size_t wl = strlen(word);
    int idx = 0;
    for (const char *p = choices; *p; idx++) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        if (l == wl && strncmp(p, word, l) == 0) return idx;
        if (!bar) break;
        p = bar + 1;
    }
    return -1;
}

void params_choice_word(const char *choices, int idx, char *buf, size_t len)
{
    const char *p = choices;
    for (int i = 0; i < idx && p; i++) {
        p = strchr(p, '|');
        if (p) p++;
    }
    if (!p) p = "";
    const char *bar = strchr(p, '|');
    size_t l = bar ? (size_t)(bar - p) : strlen(p);
    snprintf(buf, len, "%.*s", (int)l, p);
}

void params_default_text(const ParamDef *d, char *buf, size_t len)
{
    switch (d->kind) {
    case PARAM_BOOL: snprintf(buf, len, "%s", d->def != 0 ? "true" : "false"); break;
    case PARAM_CHOICE: params_choice_word(d->choices, (int)d->def, buf, len); break;
    case PARAM_TEXT:
    case PARAM_LIST: snprintf(buf, len, "%s", d->choices ? d->choices : ""); break;
    default: format_number(d->def, buf, len); break;
    }
}

/* Normalises "[256, 128]" into "[256,128]"; returns 0 or -1. */
static int parse_list(const char *text, char *out, size_t len)
{
    const char *p = text;
    size_t used = 0;
    while (isspace((unsigned char)*p)) p++;
    if (*p++ != '[') return -1;
    out[used++] = '[';
    int count = 0;
    for (;;) {
        while (isspace((unsigned char)*p)) p++;
        if (*p == ']' && count == 0) break;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 1 || v > 1000000) return -1;
        int w = snprintf(out + used, len - used, "%s%ld", count ? "," : "", v);
        if (w < 0 || (size_t)w >= len - used) return -1;
        used += (size_t)w;
        count++;
        p = end;
        while (isspace((unsigned char)*p)) p++;
        if (*p == ',') { p++; continue; }
        if (*p == ']') break;
        return -1;
    }
    p++;
    while (isspace((unsigned char)*p)) p++;
    if (*p || count == 0 || used + 2 > len) return -1;
    out[used++] = ']';
    out[used] = 0;
    return 0;
}

/* Reads text as a value of d: a number, bool or choice index into *num, or
 * a TEXT or LIST value into textbuf (NULL: not allowed). Returns 0, -1, or
 * the NumberStatus of a number that is not plain finite decimal. */
static int parse_value(const ParamDef *d, const char *text, double *num, char *textbuf)
{
    double v;
    switch (d->kind) {
    case PARAM_BOOL:
        if (!strcasecmp(text, "1") || !strcasecmp(text, "true")) *num = 1;
        else if (!strcasecmp(text, "0") || !strcasecmp(text, "false")) *num = 0;
        else return -1;
        return 0;
    case PARAM_CHOICE: {
        int c = choice_index(d->choices, text);
        if (c < 0) return -1;
        *num = c;
        return 0;
    }
    case PARAM_TEXT:
        if (!textbuf || !*text || strlen(text) >= PARAM_TEXT_MAX || params_has_control(text)) return -1;
        snprintf(textbuf, PARAM_TEXT_MAX, "%s", text);
        return 0;
    case PARAM_LIST: return textbuf ? parse_list(text, textbuf, PARAM_TEXT_MAX) : -1;
    case PARAM_INT:
    case PARAM_REAL:
    {
        const NumberStatus st = number_parse(text, &v);
        if (st != NUMBER_OK) return (int)st;
        if (d->kind == PARAM_INT && v != floor(v)) return -1;
        if (v < d->lo || v > d->hi || ((d->flags & PARAM_LO_OPEN) && v == d->lo) ||
            ((d->flags & PARAM_HI_OPEN) && v == d->hi))
            return -1;
        *num = v;
        return 0;
    }
    }
    return -1;
}

/* The table's names, comma-separated, into known (room for every name). */
static void known_keys(const ParamSet *ps, char *known, size_t len)
{
    snprintf(known, len, "%s", ps->n ? "" : "none");
    for (int k = 0; k < ps->n; k++) {
        strcat(known, k ? ", " : "");
        strcat(known, ps->defs[k].name);
    }
}

int params_set(ParamSet *ps, const char *key, const char *text, char *err, size_t errlen)
{
    char known[PARAMS_MAX * 32 + 16], range[96], shown[PARAM_TEXT_MAX];
    int g = -1, i;
    const char *sub = key;
    if (split_group(ps, key, &g, &i, &sub)) {
        if (g < 0) {
            snprintf(err, errlen, "unknown group in '%s' (known: %s, %s, %s)", key, group_name(ROLE_MATRIX),
                     group_name(ROLE_EMBEDDING), group_name(ROLE_VECTOR));
            return -1;
        }
    } else {
        i = params_index(ps, key);
    }
    if (i < 0) {
        known_keys(ps, known, sizeof known);
        snprintf(err, errlen, "unknown key '%s' (known: %s%s)", key, known,
                 ps->grouped ? "; GROUP.KEY and GROUP.lr_scale for a group" : "");
        return -1;
    }
    const ParamDef *d = i == PARAM_LR_SCALE ? &lr_scale_def : &ps->defs[i];
    params_range_text(d, range, sizeof range);
    double v = 0;
    const int rc = parse_value(d, text, &v, g < 0 ? ps->text[i] : NULL);
    if (rc != 0) {
        snprintf(err, errlen, "%s = '%s': %s, allowed %s", key, params_printable(text, shown, sizeof shown),
                 rc > 0 ? number_status_text((NumberStatus)rc)
                 : d->kind == PARAM_REAL || d->kind == PARAM_INT ? "not a number in range" : "not a valid value",
                 range);
        return -1;
    }
    if (g >= 0) {
        ps->group_num[g][i] = v;
        ps->group_given[g][i] = 1;
        return 0;
    }
    if (d->kind != PARAM_TEXT && d->kind != PARAM_LIST) ps->num[i] = v;
    ps->given[i] = 1;
    return 0;
}

/* Appends formatted text; returns -1 once the buffer is full. */
static int append(char *buf, size_t len, size_t *used, const char *s)
{
    size_t l = strlen(s);
    if (*used + l + 1 > len) return -1;
    memcpy(buf + *used, s, l + 1);
    *used += l;
    return 0;
}

/* The JSON text of a number, bool or choice value of d. */
static void number_json(const ParamDef *d, double num, char *val, size_t len)
{
    switch (d->kind) {
    case PARAM_BOOL: snprintf(val, len, "%s", num != 0 ? "true" : "false"); break;
    case PARAM_CHOICE: {
        char w[64];
        params_choice_word(d->choices, (int)num, w, sizeof w);
        snprintf(val, len, "\"%s\"", w);
        break;
    }
    default: format_number(num, val, len); break;
    }
}

/* One "key":value item of a JSON object, to be sorted by key. */
typedef struct {
    const char *key;                 /* the key */
    char val[PARAM_TEXT_MAX + 1024]; /* its JSON value */
} JsonItem;

static int cmp_items(const void *a, const void *b)
{
    return strcmp(((const JsonItem *)a)->key, ((const JsonItem *)b)->key);
}

/* Writes {"key":value,...} of n items, sorted by key, into buf. */
static int items_json(JsonItem *items, int n, char *buf, size_t len)
{
    qsort(items, (size_t)n, sizeof items[0], cmp_items);
    size_t used = 0;
    int rc = append(buf, len, &used, "{");
    /* piece by piece: a snprintf per item was most of a sweep's claim (BENCHMARKS.md) */
    for (int k = 0; k < n && rc == 0; k++) {
        rc = append(buf, len, &used, k ? ",\"" : "\"");
        if (rc == 0) rc = append(buf, len, &used, items[k].key);
        if (rc == 0) rc = append(buf, len, &used, "\":");
        if (rc == 0) rc = append(buf, len, &used, items[k].val);
    }
    return rc == 0 ? append(buf, len, &used, "}") : rc;
}

/* Group g's overrides as a sorted JSON object into buf; 0 items: "". */
static int group_json(const ParamSet *ps, int g, char *buf, size_t len)
{
    JsonItem items[PARAMS_MAX + 1];
    int n = 0;
    buf[0] = 0;
    for (int i = 0; i <= PARAMS_MAX; i++) {
        if (!ps->group_given[g][i]) continue;
        const ParamDef *d = i == PARAM_LR_SCALE ? &lr_scale_def : &ps->defs[i];
        items[n].key = d->name;
        number_json(d, ps->group_num[g][i], items[n++].val, sizeof items[0].val);
    }
    return n ? items_json(items, n, buf, len) : 0;
}

/* The spec text of a number, bool (0/1) or choice value of d. */
static void number_text(const ParamDef *d, double num, char *val, size_t len)
{
    if (d->kind == PARAM_BOOL) snprintf(val, len, "%d", num != 0);
    else if (d->kind == PARAM_CHOICE) params_choice_word(d->choices, (int)num, val, len);
    else format_number(num, val, len);
}

int params_spec_text(const ParamSet *ps, char *buf, size_t len)
{
    size_t used = 0;
    int rc = 0;
    buf[0] = 0;
    for (int i = 0; i < ps->n && rc == 0; i++) {
        char val[PARAM_TEXT_MAX], item[PARAM_TEXT_MAX + 80];
        const ParamDef *d = &ps->defs[i];
        if ((d->flags & PARAM_QUIET_DEFAULT) && ps->num[i] == d->def) continue;
        if (d->kind == PARAM_TEXT || d->kind == PARAM_LIST) snprintf(val, sizeof val, "%s", ps->text[i]);
        else number_text(d, ps->num[i], val, sizeof val);
        snprintf(item, sizeof item, "%s%s=%s", used ? "," : "", d->name, val);
        rc = append(buf, len, &used, item);
    }
    for (int g = 0; g < N_ROLES && ps->grouped; g++)
        for (int i = 0; i <= PARAMS_MAX && rc == 0; i++) {
            char val[64], item[160];
            if (!ps->group_given[g][i]) continue;
            const ParamDef *d = i == PARAM_LR_SCALE ? &lr_scale_def : &ps->defs[i];
            number_text(d, ps->group_num[g][i], val, sizeof val);
            snprintf(item, sizeof item, "%s%s.%s=%s", used ? "," : "", group_name((TensorRole)g), d->name, val);
            rc = append(buf, len, &used, item);
        }
    return rc;
}

int params_json(const ParamSet *ps, char *buf, size_t len)
{
    JsonItem items[PARAMS_MAX + N_ROLES];
    int n = 0;
    for (int i = 0; i < ps->n; i++) {
        const ParamDef *d = &ps->defs[i];
        if ((d->flags & PARAM_QUIET_DEFAULT) && ps->num[i] == d->def) continue;
        char *val = items[n].val;
        const size_t vlen = sizeof items[0].val;
        items[n++].key = d->name;
        if (d->kind == PARAM_TEXT) {
            /* JSON-escape quotes and backslashes of paths */
            size_t o = 0;
            val[o++] = '"';
            for (const char *s = ps->text[i]; *s && o < vlen - 3; s++) {
                if (*s == '"' || *s == '\\') val[o++] = '\\';
                val[o++] = *s;
            }
            val[o++] = '"';
            val[o] = 0;
        } else if (d->kind == PARAM_LIST) {
            snprintf(val, vlen, "%s", ps->text[i]);
        } else {
            number_json(d, ps->num[i], val, vlen);
        }
    }
    for (int g = 0; g < N_ROLES; g++) {
        if (group_json(ps, g, items[n].val, sizeof items[0].val) != 0) return -1;
        if (items[n].val[0]) items[n++].key = group_name((TensorRole)g);
    }
    return items_json(items, n, buf, len);
}
