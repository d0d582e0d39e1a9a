/* number.c — the strict decimal reader of number.h. */
#include "harness/core/number.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>

/* Skips decimal digits; returns how many there were. */
static int digits(const char **p)
{
    int n = 0;
    while (isdigit((unsigned char)**p)) (*p)++, n++;
    return n;
}

NumberStatus number_scan(const char *s, const char **end, double *out)
{
    const char *p = s;
    *end = s;
    if (*p == '+' || *p == '-') p++;
    int mantissa = digits(&p);
    if (*p == '.') {
        p++;
        mantissa += digits(&p);
    }
    if (!mantissa) return NUMBER_SYNTAX;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        if (*q == '+' || *q == '-') q++;
        if (digits(&q)) p = q; /* "1e" stops before the e */
    }
    /* strtod reads exactly the decimal just checked: it has no hex or inf prefix */
    char *stop;
    const double v = strtod(s, &stop);
    if (stop != p) return NUMBER_SYNTAX;
    *end = p;
    *out = v;
    if (isinf(v)) return NUMBER_OVERFLOW;
    if (fabs(v) < DBL_MIN)
        for (const char *q = s; q < p && *q != 'e' && *q != 'E'; q++)
            if (*q >= '1' && *q <= '9') return NUMBER_TINY; /* nonzero digits */
    return NUMBER_OK;
}

NumberStatus number_parse(const char *text, double *out)
{
    const char *p = text, *end;
    while (isspace((unsigned char)*p)) p++;
    NumberStatus st = number_scan(p, &end, out);
    if (st == NUMBER_SYNTAX) return st;
    while (isspace((unsigned char)*end)) end++;
    return *end ? NUMBER_SYNTAX : st;
}

const char *number_status_text(NumberStatus st)
{
    switch (st) {
    case NUMBER_OK: return "";
    case NUMBER_SYNTAX: return "not a decimal number (inf, nan and hex are not taken)";
    case NUMBER_OVERFLOW: return "beyond the largest double, 1.7976931348623157e308";
    case NUMBER_TINY:
        return "nonzero but below 2.2250738585072014e-308, the smallest normal double (a subnormal is not taken)";
    }
    return "not a number";
}
