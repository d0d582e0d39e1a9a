/* cli.c — messages and number parsing for the subcommands. */
#include "harness/cmd/cli.h"

#include "harness/core/number.h"
#include "harness/core/params.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints "optbench: <message>" and a newline to stderr, with any control
 * character of the message (from a file name, a spec or a key the user
 * gave) written \n, \t or \xNN, so that every message is one line. */
static void print_message(const char *fmt, va_list ap)
{
    char msg[4096], shown[16384];
    vsnprintf(msg, sizeof msg, fmt, ap);
    fprintf(stderr, "optbench: %s\n", params_printable(msg, shown, sizeof shown));
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    print_message(fmt, ap);
    va_end(ap);
    fputs(usage, stderr);
    return EXIT_USAGE;
}

int cli_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    print_message(fmt, ap);
    va_end(ap);
    return code;
}

void cli_note_unreadable(const char *db_path, const char *command, const char *sweep, long n, const char *ids)
{
    char of[160] = "";
    if (n == 0) return;
    if (sweep) snprintf(of, sizeof of, " of sweep '%s'", sweep);
    cli_fail(EXIT_OK, "%s: %s: %ld run%s%s left out: the stored JSON does not parse (run %s)", db_path, command, n,
             n == 1 ? "" : "s", of, ids);
}

/* What a flag allows, in words: "an integer in [1, 1000000000]", "a number >= 0". */
static void allowed_text(double lo, double hi, int integer, char *buf, size_t len)
{
    char l[40], h[40];
    const char *what = integer ? "an integer" : "a number";
    format_number(lo, l, sizeof l);
    format_number(hi, h, sizeof h);
    if (isinf(lo) && isinf(hi)) snprintf(buf, len, "a finite number");
    else if (isinf(hi)) snprintf(buf, len, "%s >= %s", what, l);
    else snprintf(buf, len, "%s in [%s, %s]", what, l, h);
}

/* Reads text as a number of [lo, hi] (whole when integer); prints the
 * message and returns EXIT_USAGE when it is not one. */
static int flag_number(const char *flag, const char *text, double lo, double hi, int integer, double *out)
{
    char allowed[128];
    double v;
    const NumberStatus st = number_parse(text, &v);
    if (st == NUMBER_OK && v >= lo && v <= hi && (!integer || v == floor(v))) {
        *out = v;
        return 0;
    }
    allowed_text(lo, hi, integer, allowed, sizeof allowed);
    char shown[160];
    params_printable(text, shown, sizeof shown);
    if (st != NUMBER_OK) return cli_fail(EXIT_USAGE, "%s: '%s': %s; allowed %s", flag, shown, number_status_text(st), allowed);
    return cli_fail(EXIT_USAGE, "%s: '%s' is not %s", flag, shown, allowed);
}

int cli_long(const char *flag, const char *text, long lo, long hi, long *out)
{
    double v = 0;
    if (flag_number(flag, text, (double)lo, (double)hi, 1, &v)) return EXIT_USAGE;
    *out = (long)v;
    return 0;
}

int cli_double(const char *flag, const char *text, double lo, double hi, double *out)
{
    return flag_number(flag, text, lo, hi, 0, out);
}

int cli_device(const char *text, Device *out)
{
    char err[ERRMSG_MAX];
    if (config_parse_device(text, out, err, sizeof err) == 0) return EXIT_OK;
    return cli_fail(EXIT_USAGE, "--device: %s", err);
}

int cli_check_plugin_build(sqlite3 *db, const char *db_path, const char *where, const char *sweep,
                           const PluginInfo *plugin, const char *advice)
{
    char path[PLUGIN_PATH_MAX], sha[SHA256_HEX_LEN + 1];
    const char *name = plugin->optimizer->name;
    const int recorded = store_sweep_plugin(db, sweep, name, path, sizeof path, sha);
    if (recorded < 0) return cli_fail(EXIT_RUNTIME, "%s: %s", db_path, sqlite3_errmsg(db));
    if (recorded && strcmp(sha, plugin->sha256))
        return cli_fail(EXIT_USAGE,
                        "%s: sweep '%s' in %s ran optimizer %s from plugin %s with SHA-256 %s, but plugin %s has "
                        "SHA-256 %s: another build; nothing written. %s",
                        where, sweep, db_path, name, path, sha, plugin->path, plugin->sha256, advice);
    return EXIT_OK;
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
