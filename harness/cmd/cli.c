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

/* ---- a command line from one table ---------------------------------- */

enum {
    VAL_HELP = 1 << 20,  /* getopt_long's val for --help */
    VAL_FLAG = 1 << 21,  /* val of CliParse.flags[i]: VAL_FLAG + i */
    HELP_COLUMN_MAX = 28 /* help text starts at most this far in */
};

/* "--name ARG" of f into buf; its length. */
static int flag_label(const CliFlag *f, char *buf, size_t len)
{
    return snprintf(buf, len, "--%s%s%s", f->name, f->arg ? " " : "", f->arg ? f->arg : "");
}

/* The help of the run setting flag f sets (its name with '_' for '-'). */
static void flag_setting_help(const CliFlag *f, char *buf, size_t len)
{
    char key[64];
    const RunSetting *s;
    snprintf(key, sizeof key, "%s", f->name);
    for (char *c = key; *c; c++)
        if (*c == '-') *c = '_';
    if ((s = setting_find(key))) setting_help(s, SETTING_RUN, buf, len);
    else buf[0] = '\0';
}

/* Stops the program when a command's table outgrows CLI_FLAGS_MAX (n
 * flags taken so far): a programming error, caught on the command's first
 * parse or --help (tests/e2e/help_cli.sh runs every command's). */
static void too_many_flags(const CliCommand *cmd, int n)
{
    if (n < CLI_FLAGS_MAX) return;
    fprintf(stderr, "optbench: %s: more than CLI_FLAGS_MAX (%d) flags\n", cmd->name, CLI_FLAGS_MAX);
    abort();
}

/* cmd's flags into flags (room for CLI_FLAGS_MAX and the end): one per run
 * setting of cmd->settings' scope, named in names, then cmd->flags. */
static void collect_flags(const CliCommand *cmd, CliFlag *flags, char (*names)[40])
{
    int n = 0;
    for (int i = 0; cmd->settings && i < n_run_settings; i++) {
        const RunSetting *s = &run_settings[i];
        if (!(s->scope & cmd->settings)) continue;
        too_many_flags(cmd, n);
        setting_flag(s, names[n], sizeof names[n]);
        flags[n] = (CliFlag){names[n], s->arg, CLI_SETTING + i, 0, NULL}; /* help: the setting's */
        n++;
    }
    for (const CliFlag *f = cmd->flags; f && f->name; f++) {
        too_many_flags(cmd, n);
        flags[n++] = *f;
    }
    flags[n] = (CliFlag){0};
}

int cli_has_flag(const CliCommand *cmd, int id)
{
    for (const CliFlag *f = cmd->flags; f && f->name; f++)
        if (f->id == id) return 1;
    return 0;
}

void cli_help(const CliCommand *cmd, FILE *out)
{
    CliFlag flags[CLI_FLAGS_MAX + 1];
    char label[128], names[CLI_FLAGS_MAX][40];
    int width = 0, optional = 0;
    collect_flags(cmd, flags, names);
    fprintf(out, "usage: optbench %s", cmd->name);
    if (cmd->operands) fprintf(out, " %s", cmd->operands);
    for (const CliFlag *f = flags; f->name; f++) {
        const int w = flag_label(f, label, sizeof label);
        if (f->required) fprintf(out, " %s", label);
        else optional = 1;
        if (w > width) width = w;
    }
    fprintf(out, "%s%s%s\n", optional ? " [options]" : "", cmd->after ? " " : "", cmd->after ? cmd->after : "");
    if (cmd->about) fputs(cmd->about, out);
    const int column = 2 + width + 2 < HELP_COLUMN_MAX ? 2 + width + 2 : HELP_COLUMN_MAX;
    for (const CliFlag *f = flags; f->name; f++) {
        const int w = flag_label(f, label, sizeof label);
        fprintf(out, "  %s", label);
        if (2 + w + 2 > column) fprintf(out, "\n%*s", column, "");
        else fprintf(out, "%*s", column - 2 - w, "");
        char help[512];
        if (!f->help) flag_setting_help(f, help, sizeof help);
        for (const char *h = f->help ? f->help : help; *h; h++) {
            fputc(*h, out);
            if (*h == '\n') fprintf(out, "%*s", column, "");
        }
        fputc('\n', out);
    }
    if (cmd->notes) fputs(cmd->notes, out);
    if (cmd->more) cmd->more(out);
}

void cli_begin(CliParse *p, const CliCommand *cmd, int argc, char **argv)
{
    int n = 0;
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->argc = argc;
    p->argv = argv;
    collect_flags(cmd, p->flags, p->names);
    for (const CliFlag *f = p->flags; f->name; f++, n++)
        p->opts[n] = (struct option){f->name, f->arg ? required_argument : no_argument, NULL, VAL_FLAG + n};
    p->opts[n++] = (struct option){"help", no_argument, NULL, VAL_HELP};
    p->opts[n] = (struct option){NULL, 0, NULL, 0};
    opterr = 0;
    optind = 1;
}

/* cli_parse_error with its arguments as a va_list. */
static int parse_error_v(const CliParse *p, const char *fmt, va_list ap)
{
    char msg[4096];
    vsnprintf(msg, sizeof msg, fmt, ap);
    cli_fail(EXIT_USAGE, "%s: %s", p->cmd->name, msg);
    cli_help(p->cmd, stderr);
    return EXIT_USAGE;
}

/* Prints "optbench: NAME: <message>" and the help to stderr; CLI_STOP with rc EXIT_USAGE. */
static int parse_stop(CliParse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int parse_stop(CliParse *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    p->rc = parse_error_v(p, fmt, ap);
    va_end(ap);
    return CLI_STOP;
}

/* The message of a word getopt_long did not take: an abbreviation of more
 * than one flag ("ambiguous option '--d': --db, --device"), or unknown. */
static int unknown_flag(CliParse *p, const char *word)
{
    char names[1024] = "";
    size_t used = 0, len = strcspn(word, "=");
    int matches = 0;
    if (!strncmp(word, "--", 2))
        for (const struct option *o = p->opts; o->name; o++)
            if (len > 2 && !strncmp(o->name, word + 2, len - 2) && used < sizeof names) {
                used += (size_t)snprintf(names + used, sizeof names - used, "%s--%s", matches ? ", " : "", o->name);
                matches++;
            }
    if (matches > 1) return parse_stop(p, "ambiguous option '%.*s': %s", (int)len, word, names);
    return parse_stop(p, "unknown option '%s'", word);
}

/* The flag getopt_long's val or optopt names; NULL for another value. */
static const CliFlag *flag_of(const CliParse *p, int val)
{
    const int i = val - VAL_FLAG;
    return i >= 0 && i < CLI_FLAGS_MAX && p->opts[i].name && p->opts[i].val == val ? &p->flags[i] : NULL;
}

int cli_next(CliParse *p)
{
    const int c = getopt_long(p->argc, p->argv, ":h", p->opts, NULL);
    const CliFlag *f = flag_of(p, c == ':' || c == '?' ? optopt : c);
    char label[128];
    if (c == -1) {
        for (const CliFlag *r = p->flags; r->name; r++)
            if (r->required && !p->given[r - p->flags]) {
                flag_label(r, label, sizeof label);
                return parse_stop(p, "%s is required", label);
            }
        p->operands = p->argv + optind;
        p->n_operands = p->argc - optind;
        if (!p->cmd->operands && p->n_operands) return parse_stop(p, "unexpected argument '%s'", p->operands[0]);
        return CLI_END;
    }
    if (c == VAL_HELP || c == 'h') {
        cli_help(p->cmd, stdout);
        p->rc = EXIT_OK;
        return CLI_STOP;
    }
    if (c == ':' && f) return parse_stop(p, "--%s: expected %s", f->name, f->arg);
    if (c == '?' && f) return parse_stop(p, "--%s takes no value", f->name);
    if (c == '?' && optopt > 0 && optopt < 256) return parse_stop(p, "unknown option '-%c'", optopt);
    if (!f) return unknown_flag(p, p->argv[optind - 1]);
    /* main.c loads the plugins of the whole words --plugin and --plugin=; what is left is a shortening */
    if (f->id == CLI_PLUGIN) return parse_stop(p, "--plugin is read before the other flags: write it in full");
    p->given[f - p->flags] = 1;
    p->flag = f;
    p->value = f->arg ? optarg : NULL;
    return f->id;
}

int cli_parse_error(const CliParse *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const int rc = parse_error_v(p, fmt, ap);
    va_end(ap);
    return rc;
}

int cli_value_long(const CliParse *p, long lo, long hi, long *out)
{
    char flag[128];
    snprintf(flag, sizeof flag, "--%s", p->flag->name);
    return cli_long(flag, p->value, lo, hi, out);
}

int cli_value_double(const CliParse *p, double lo, double hi, double *out)
{
    char flag[128];
    snprintf(flag, sizeof flag, "--%s", p->flag->name);
    return cli_double(flag, p->value, lo, hi, out);
}
