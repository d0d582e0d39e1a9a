/* cli.c — messages and number parsing for the subcommands. */
#include "harness/cmd/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int cli_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("optbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fputs(usage, stderr);
    return EXIT_USAGE;
}

int cli_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("optbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

int cli_long(const char *text, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end); /* accepts 1e6 */
    if (end == text || *end || errno || v != floor(v) || v < (double)lo || v > (double)hi) return -1;
    *out = (long)v;
    return 0;
}

int cli_double(const char *text, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno || isnan(v) || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int cli_device(const char *text, Device *out)
{
    char err[ERRMSG_MAX];
    if (config_parse_device(text, out, err, sizeof err) == 0) return EXIT_OK;
    return cli_fail(EXIT_USAGE, "--device: %s", err);
}

void cli_json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        if (*s == '"' || *s == '\\') fprintf(out, "\\%c", *s);
        else if (*s < 0x20) fprintf(out, "\\u%04x", *s);
        else fputc(*s, out);
    }
    fputc('"', out);
}
