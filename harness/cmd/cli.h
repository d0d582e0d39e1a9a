/* cli.h — exit codes, messages and flag parsing shared by the subcommands. */
#ifndef OPTBENCH_CLI_H
#define OPTBENCH_CLI_H

#include <getopt.h>
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

/* ---- a command line from one table -------------------------------------
 *
 * Each subcommand describes its flags once, in a table of CliFlag: the
 * flag's name, the name of its value, its help and the id the parser
 * returns for it. getopt_long's options, the usage line, the flag lines of
 * --help and the messages about a flag (unknown, missing value, missing
 * when required, a bad number) are all made from that table:
 *
 *     CliParse p;
 *     cli_begin(&p, &cmd, argc, argv);
 *     for (int id; (id = cli_next(&p)) != CLI_END;)
 *         switch (id) {
 *         case CLI_STOP: return p.rc;             // --help printed (EXIT_OK), or an error
 *         case F_DB: db_path = p.value; break;
 *         ...
 *         }
 *     // operands: p.operands[0 .. p.n_operands)
 */

#define CLI_FLAGS_MAX 48 /* most flags of one command */

/* Reserved ids: what cli_next returns besides a flag's own id. */
enum {
    CLI_END = -1,    /* no flag left: the operands are in CliParse.operands */
    CLI_STOP = 0,    /* --help was printed (rc EXIT_OK) or an error (rc EXIT_USAGE) */
    CLI_PLUGIN = 1,    /* --plugin, which main.c takes out of argv before the command parses */
    CLI_SETTING = 128, /* + its index in run_settings: a run setting's flag (CliCommand.settings) */
    CLI_FIRST = 256,   /* a command's own ids start here */
};

/* What a command's own parse function returns after --help was printed
 * (else EXIT_OK, or the exit code of a usage error); the command then
 * returns EXIT_OK. */
#define CLI_HELPED (-1)

/* One flag. */
typedef struct {
    const char *name; /* the long name, without "--" ("db"); NULL ends a table */
    const char *arg;  /* the name of its value in help and messages ("PATH"); NULL: it takes none */
    int id;           /* what cli_next returns for it: CLI_FIRST or more (CLI_PLUGIN for --plugin) */
    int required;     /* 1: the command refuses to run without it; it then shows in the usage line */
    const char *help; /* its help, a '\n' starting a new line aligned under the first; NULL: the
                         flag sets the run setting of its name (config.h; "log-every" sets
                         log_every), whose help and default it shows */
} CliFlag;

/* A default both a flag's help and its code use, as text: CLI_TEXT(1e-3) is "1e-3". */
#define CLI_TEXT_(x) #x
#define CLI_TEXT(x) CLI_TEXT_(x)

/* The flag --db PATH of the commands that read or write a database. */
#define CLI_DB_FLAG(id) {"db", "PATH", id, 0, "result database (default " STORE_DEFAULT_PATH ")"}

/* The flag --plugin PATH of the commands that name optimizers (main.c loads
 * the plugins before the command parses the rest). */
#define CLI_PLUGIN_FLAG \
    {"plugin", "PATH", CLI_PLUGIN, 0, \
     "load an optimizer plugin (a shared object built against\ninclude/optbench/plugin.h); repeatable"}

/* A subcommand's command line and help. */
typedef struct {
    const char *name;     /* as typed after `optbench` ("rm"); the prefix of its messages */
    const char *operands; /* what follows the name in the usage line ("BASE.db NEW.db"); NULL: the
                             command takes none, and cli_next refuses any */
    const char *after;    /* what follows the options in the usage line ("> job.sbatch"); NULL: none */
    const char *about;    /* what the command does, indented lines after the usage line; NULL: none */
    int settings;         /* SETTING_RUN: each run setting of that scope is a flag too ("--log-every K"),
                             listed first, with the setting's help; 0: none */
    const CliFlag *flags; /* its own flags in help order, ended by a NULL name; --help (-h) is added */
    const char *notes;    /* lines after the flag lines; NULL: none */
    void (*more)(FILE *out); /* prints more help after the notes (text made from other tables); NULL: none */
} CliCommand;

/* The state of one parse. */
typedef struct {
    const CliCommand *cmd;                 /* what argv is parsed against */
    int argc;                              /* how many words the command has */
    char **argv;                           /* its words, argv[0] its name (getopt_long permutes them) */
    CliFlag flags[CLI_FLAGS_MAX + 1];      /* the command's flags: its settings', then cmd->flags */
    char names[CLI_FLAGS_MAX][40];         /* the names of the settings' flags */
    struct option opts[CLI_FLAGS_MAX + 2]; /* getopt_long's table, made from flags */
    unsigned char given[CLI_FLAGS_MAX];    /* which of flags were given */
    const CliFlag *flag;                   /* the flag cli_next returned last */
    const char *value;                     /* its value; NULL for a flag without one */
    int rc;                                /* after CLI_STOP: the command's exit code */
    char **operands;                       /* after CLI_END: the words that are not flags */
    int n_operands;                        /* how many */
} CliParse;

/* Starts parsing argv (argv[0]: the command's name) against cmd. */
void cli_begin(CliParse *p, const CliCommand *cmd, int argc, char **argv);

/* The id of the next flag, with its value in p->value; CLI_END when none
 * is left (after checking that every required flag was given, and that
 * there is no operand where cmd->operands is NULL); CLI_STOP
 * after --help (printed to stdout, p->rc EXIT_OK) or after a usage error
 * (an unknown or ambiguous flag, a missing or unwanted value, a required
 * flag missing: its message and the usage on stderr, p->rc EXIT_USAGE). */
int cli_next(CliParse *p);

/* Whether cmd->flags has the flag of id (CLI_PLUGIN: whether cmd takes --plugin). */
int cli_has_flag(const CliCommand *cmd, int id);

/* Prints cmd's help: the usage line, about, one line per flag, notes, more. */
void cli_help(const CliCommand *cmd, FILE *out);

/* Prints "optbench: NAME: <message>" and cmd's help to stderr; returns EXIT_USAGE. */
int cli_parse_error(const CliParse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The current flag's value as a whole number in [lo, hi] or a finite
 * number in [lo, hi] (cli_long and cli_double with the flag's name). */
int cli_value_long(const CliParse *p, long lo, long hi, long *out);
int cli_value_double(const CliParse *p, double lo, double hi, double *out);

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
