/* cli.h — exit codes, messages and flag parsing shared by the subcommands. */
#ifndef OPTBENCH_CLI_H
#define OPTBENCH_CLI_H

#include <stdio.h>

#include "harness/run/config.h"
#include "harness/store/store.h"

enum {
    EXIT_OK = 0,       /* success */
    EXIT_MISMATCH = 1, /* a check found a regression or mismatch */
    EXIT_USAGE = 2,    /* usage or input error */
    EXIT_RUNTIME = 3,  /* runtime error */
    EXIT_SIGNAL = 128, /* plus the signal that stopped a run or sweep: 130 SIGINT, 143 SIGTERM */
};

/* The --plugin flag's line of help; main.c loads the plugins of the
 * commands that take it before they parse their own flags. */
#define CLI_PLUGIN_HELP \
    "  --plugin PATH          load an optimizer plugin (a shared object built against\n" \
    "                         include/optbench/plugin.h); repeatable\n"

/* Prints "optbench: <message>" and the usage text to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "optbench: <message>" to stderr and returns code. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Names on stderr the n runs (ids, "3, 17") that a read-only command left
 * out because their stored JSON does not parse: "optbench: DB: COMMAND: 2
 * runs of sweep 'S' left out: ..." (of every sweep when sweep is NULL).
 * Prints nothing when n is 0. */
void cli_note_unreadable(const char *db_path, const char *command, const char *sweep, long n, const char *ids);

/* Whole-string numbers for the value text of a flag: plain decimal (1e6
 * counts as an integer) in [lo, hi], finite. Return 0, or print
 * "optbench: FLAG: ..." naming the allowed range and return EXIT_USAGE. */
int cli_long(const char *flag, const char *text, long lo, long hi, long *out);
int cli_double(const char *flag, const char *text, double lo, double hi, double *out);

/* The --device flag of every subcommand: EXIT_OK with *out set, or
 * EXIT_USAGE after "optbench: --device: 'tpu' is not cpu or cuda". */
int cli_device(const char *text, Device *out);

/* Whether plugin is the build that sweep `sweep` of the database at db_path
 * records for its optimizer, if it records one: EXIT_OK; EXIT_USAGE after
 * "WHERE: sweep 'S' in DB ran optimizer O from plugin P with SHA-256 A, but
 * plugin Q has SHA-256 B: another build; nothing written. ADVICE"; or
 * EXIT_RUNTIME on a database error. */
int cli_check_plugin_build(sqlite3 *db, const char *db_path, const char *where, const char *sweep,
                           const PluginInfo *plugin, const char *advice);

/* Writes text to out as a JSON string, quotes included. */
void cli_json_string(FILE *out, const char *text);

#endif
