/* spec.c — splitting NAME,key=value,... strings. */
#include "harness/core/spec.h"

#include <stdio.h>
#include <string.h>

/* Copies s[0..l) into dst of size cap, trimming spaces; -1 if it does not fit. */
static int copy_trimmed(char *dst, size_t cap, const char *s, size_t l)
{
    while (l && (*s == ' ' || *s == '\t')) s++, l--;
    while (l && (s[l - 1] == ' ' || s[l - 1] == '\t')) l--;
    if (l >= cap) return -1;
    memcpy(dst, s, l);
    dst[l] = 0;
    return 0;
}

int spec_parse(const char *text, Spec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *p = text;
    const char *comma = strchr(p, ',');
    size_t nl = comma ? (size_t)(comma - p) : strlen(p);
    if (copy_trimmed(out->name, sizeof out->name, p, nl) != 0 || !out->name[0]) {
        snprintf(err, errlen, "'%s': expected NAME[,key=value...]", text);
        return -1;
    }
    p = comma;
    while (p && *p == ',') {
        p++;
        const char *start = p;
        int depth = 0;
        while (*p && (depth > 0 || *p != ',')) {
            if (*p == '[') depth++;
            if (*p == ']') depth--;
            p++;
        }
        const char *eq = memchr(start, '=', (size_t)(p - start));
        if (!eq) {
            snprintf(err, errlen, "'%.*s': expected key=value", (int)(p - start), start);
            return -1;
        }
        if (out->n == SPEC_MAX_KEYS) {
            snprintf(err, errlen, "more than %d key=value pairs", SPEC_MAX_KEYS);
            return -1;
        }
        if (copy_trimmed(out->key[out->n], sizeof out->key[0], start, (size_t)(eq - start)) != 0 ||
            !out->key[out->n][0] ||
            copy_trimmed(out->value[out->n], sizeof out->value[0], eq + 1, (size_t)(p - eq - 1)) != 0) {
            snprintf(err, errlen, "'%.*s': key or value too long or empty", (int)(p - start), start);
            return -1;
        }
        out->n++;
    }
    return 0;
}

int spec_apply(const Spec *spec, ParamSet *ps, char *err, size_t errlen)
{
    for (int i = 0; i < spec->n; i++) {
        for (int j = 0; j < i; j++)
            if (strcmp(spec->key[i], spec->key[j]) == 0) {
                snprintf(err, errlen, "key '%s' given twice", spec->key[i]);
                return -1;
            }
        if (params_set(ps, spec->key[i], spec->value[i], err, errlen) != 0) return -1;
    }
    return 0;
}
