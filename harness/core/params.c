/* params.c — parsing, range checks and canonical JSON of ParamSet values. */
#include "harness/core/params.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
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

int params_index(const ParamSet *ps, const char *key)
{
    for (int i = 0; i < ps->n; i++)
        if (strcmp(ps->defs[i].name, key) == 0) return i;
    return -1;
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

void format_number(double x, char *buf, size_t len)
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

void params_range_text(const ParamDef *d, char *buf, size_t len)
{
    char lo[32], hi[32];
    switch (d->kind) {
    case PARAM_BOOL: snprintf(buf, len, "0|1"); return;
    case PARAM_CHOICE: snprintf(buf, len, "%s", d->choices); return;
    case PARAM_TEXT: snprintf(buf, len, "text"); return;
    case PARAM_LIST: snprintf(buf, len, "[n,...] with n >= 1"); return;
    default: break;
    }
    format_number(d->lo, lo, sizeof lo);
    format_number(d->hi, hi, sizeof hi);
    snprintf(buf, len, "%c%s, %s%c", (d->flags & PARAM_LO_OPEN) || isinf(d->lo) ? '(' : '[', lo, hi,
             (d->flags & PARAM_HI_OPEN) || isinf(d->hi) ? ')' : ']');
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

/* Copies word number idx of a "a|b|c" list into buf. */
static void choice_word(const char *choices, int idx, char *buf, size_t len)
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
    case PARAM_CHOICE: choice_word(d->choices, (int)d->def, buf, len); break;
    case PARAM_TEXT:
    case PARAM_LIST: snprintf(buf, len, "%s", d->choices ? d->choices : ""); break;
    default: format_number(d->def, buf, len); break;
    }
}

/* Reads a whole-string number; returns 0 or -1. */
static int parse_number(const char *text, double *out)
{
    char *end;
    errno = 0;
    while (isspace((unsigned char)*text)) text++;
    if (!*text) return -1;
    double v = strtod(text, &end);
    while (isspace((unsigned char)*end)) end++;
    if (*end || errno == ERANGE || isnan(v)) return -1;
    *out = v;
    return 0;
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

int params_set(ParamSet *ps, const char *key, const char *text, char *err, size_t errlen)
{
    int i = params_index(ps, key);
    if (i < 0) {
        char known[PARAMS_MAX * 32] = "";
        for (int k = 0; k < ps->n; k++) {
            strcat(known, k ? ", " : "");
            strcat(known, ps->defs[k].name);
        }
        snprintf(err, errlen, "unknown key '%s' (known: %s)", key, ps->n ? known : "none");
        return -1;
    }
    const ParamDef *d = &ps->defs[i];
    char range[96];
    params_range_text(d, range, sizeof range);
    double v;
    switch (d->kind) {
    case PARAM_BOOL:
        if (!strcasecmp(text, "1") || !strcasecmp(text, "true")) v = 1;
        else if (!strcasecmp(text, "0") || !strcasecmp(text, "false")) v = 0;
        else goto bad;
        ps->num[i] = v;
        break;
    case PARAM_CHOICE: {
        int c = choice_index(d->choices, text);
        if (c < 0) goto bad;
        ps->num[i] = c;
        break;
    }
    case PARAM_TEXT:
        if (!*text || strlen(text) >= PARAM_TEXT_MAX) goto bad;
        snprintf(ps->text[i], PARAM_TEXT_MAX, "%s", text);
        break;
    case PARAM_LIST:
        if (parse_list(text, ps->text[i], PARAM_TEXT_MAX) != 0) goto bad;
        break;
    case PARAM_INT:
    case PARAM_REAL:
        if (parse_number(text, &v) != 0) goto bad;
        if (d->kind == PARAM_INT && v != floor(v)) goto bad;
        if (v < d->lo || v > d->hi || ((d->flags & PARAM_LO_OPEN) && v == d->lo) ||
            ((d->flags & PARAM_HI_OPEN) && v == d->hi))
            goto bad;
        ps->num[i] = v;
        break;
    }
    ps->given[i] = 1;
    return 0;
bad:
    snprintf(err, errlen, "%s = '%s': %s, allowed %s", key, text,
             d->kind == PARAM_REAL || d->kind == PARAM_INT ? "not a number in range" : "not a valid value",
             range);
    return -1;
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

static int cmp_defs_by_name(const void *a, const void *b)
{
    const ParamDef *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

int params_json(const ParamSet *ps, char *buf, size_t len)
{
    const ParamDef *order[PARAMS_MAX];
    for (int i = 0; i < ps->n; i++) order[i] = &ps->defs[i];
    qsort(order, (size_t)ps->n, sizeof order[0], cmp_defs_by_name);
    size_t used = 0;
    int rc = append(buf, len, &used, "{");
    for (int k = 0; k < ps->n && rc == 0; k++) {
        const ParamDef *d = order[k];
        int i = (int)(d - ps->defs);
        char val[PARAM_TEXT_MAX + 8], item[PARAM_TEXT_MAX + 80];
        switch (d->kind) {
        case PARAM_BOOL: snprintf(val, sizeof val, "%s", ps->num[i] != 0 ? "true" : "false"); break;
        case PARAM_CHOICE: {
            char w[64];
            choice_word(d->choices, (int)ps->num[i], w, sizeof w);
            snprintf(val, sizeof val, "\"%s\"", w);
            break;
        }
        case PARAM_TEXT: {
            /* JSON-escape quotes and backslashes of paths */
            size_t o = 0;
            val[o++] = '"';
            for (const char *s = ps->text[i]; *s && o < sizeof val - 3; s++) {
                if (*s == '"' || *s == '\\') val[o++] = '\\';
                val[o++] = *s;
            }
            val[o++] = '"';
            val[o] = 0;
            break;
        }
        case PARAM_LIST: snprintf(val, sizeof val, "%s", ps->text[i]); break;
        default: format_number(ps->num[i], val, sizeof val); break;
        }
        snprintf(item, sizeof item, "%s\"%s\":%s", k ? "," : "", d->name, val);
        rc = append(buf, len, &used, item);
    }
    if (rc == 0) rc = append(buf, len, &used, "}");
    return rc;
}
