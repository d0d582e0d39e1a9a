/* params.h — typed, range-checked key=value settings.
 *
 * Optimizer hyperparameters, problem options and schedule options are all
 * described by a table of ParamDef and held in a ParamSet. Values arrive as
 * text (from a spec string on the command line or from a sweep file), are
 * checked against the table, and are written back in one canonical JSON form
 * so that "1e-3" and "0.001" name the same run.
 *
 * Optimizer hyperparameters are "grouped": besides its own values a set
 * holds overrides for each parameter group (harness/core/tensor.h), written
 * GROUP.KEY=value, and each group's lr_scale (GROUP.lr_scale, default 1).
 * A group's value of a key is its override, else the set-wide value.
 */
#ifndef OPTBENCH_PARAMS_H
#define OPTBENCH_PARAMS_H

#include <stddef.h>

#include "harness/core/tensor.h"

#define PARAMS_MAX 16      /* most settings any table has */
#define PARAM_TEXT_MAX 256 /* longest text value (a path, a list) */
#define ERRMSG_MAX 512     /* size of every error-message buffer */
#define PARAM_LR_SCALE PARAMS_MAX /* index of lr_scale among a group's overrides */

typedef enum {
    PARAM_REAL,   /* a real number in [lo, hi] */
    PARAM_INT,    /* an integer in [lo, hi] */
    PARAM_BOOL,   /* 0/1, true/false */
    PARAM_CHOICE, /* one of the '|'-separated words of `choices` */
    PARAM_TEXT,   /* free text: a dataset name, a path */
    PARAM_LIST,   /* a list of positive integers, written [a,b,...] */
} ParamKind;

/* Range flags. */
enum {
    PARAM_LO_OPEN = 1, /* the lower bound itself is not allowed */
    PARAM_HI_OPEN = 2, /* the upper bound itself is not allowed */
    PARAM_LOG = 4,     /* naturally searched on a log scale (lr, eps) */
    PARAM_QUIET_DEFAULT = 8, /* left out of the canonical JSON while at its default, so that a key
                                added to a table keeps the identity of every run recorded before */
};

typedef struct {
    const char *name;     /* key as written in specs and sweep files */
    ParamKind kind;       /* how the text is read */
    double def;           /* default of a number, bool or choice index */
    double lo;            /* smallest allowed number (-INFINITY: none) */
    double hi;            /* largest allowed number (INFINITY: none) */
    int flags;            /* PARAM_LO_OPEN | PARAM_HI_OPEN | PARAM_LOG */
    const char *choices;  /* PARAM_CHOICE: "a|b|c"; PARAM_TEXT/LIST: default text */
    const char *help;     /* one line for --help and `optbench optimizers` */
} ParamDef;

typedef struct {
    const ParamDef *defs;            /* the table these values follow */
    int n;                           /* entries in defs */
    double num[PARAMS_MAX];          /* numbers, bools (0/1) and choice indices */
    char text[PARAMS_MAX][PARAM_TEXT_MAX]; /* TEXT and LIST values */
    unsigned char given[PARAMS_MAX]; /* 1 where the user set the value */
    int grouped;                     /* 1: GROUP.KEY overrides are accepted (optimizer hyperparameters) */
    double group_num[N_ROLES][PARAMS_MAX + 1];          /* overrides; [PARAM_LR_SCALE]: lr_scale */
    unsigned char group_given[N_ROLES][PARAMS_MAX + 1]; /* 1 where an override is set */
} ParamSet;

/* Fills `ps` with the defaults of a table of n definitions. */
void params_init(ParamSet *ps, const ParamDef *defs, int n);

/* Sets key to the value written in `text`. Returns 0, or -1 with a one-line
 * message in err naming the key and what is allowed. */
int params_set(ParamSet *ps, const char *key, const char *text, char *err, size_t errlen);

/* The definition a key names: an entry of the table or, in a grouped set,
 * for GROUP.KEY the entry KEY (lr_scale has its own); NULL when unknown. */
const ParamDef *params_def(const ParamSet *ps, const char *key);

/* Group g's value of setting i (PARAM_LR_SCALE: its lr_scale). */
double params_group_num(const ParamSet *ps, int g, int i);

/* Group g's values of every setting, in table order, into out[ps->n]. */
void params_group_values(const ParamSet *ps, int g, double *out);

/* Index of key in the table, or -1. */
int params_index(const ParamSet *ps, const char *key);

/* Value of a number, bool or choice index by name (the key must exist). */
double params_num(const ParamSet *ps, const char *key);
/* Text of a TEXT or LIST value by name (the key must exist). */
const char *params_text(const ParamSet *ps, const char *key);

/* Appends {"key":value,...} with keys sorted to buf; returns 0 or -1 when
 * the buffer is too small. Group overrides appear, only where set, as
 * "GROUP":{"key":value,...} among the keys, in the same sorted order. A
 * PARAM_QUIET_DEFAULT key appears only when its value is not the default. */
int params_json(const ParamSet *ps, char *buf, size_t len);

/* Writes every value as spec text into buf: "key=value,..." for each key
 * in table order (bools 0/1, choices by name, numbers in their shortest
 * exact form; a PARAM_QUIET_DEFAULT key only when not at its default),
 * then "GROUP.KEY=value" for each group override that is set; "" for a
 * table without keys. Returns 0, or -1 when buf is too small. */
int params_spec_text(const ParamSet *ps, char *buf, size_t len);

/* Writes the allowed range of def (e.g. "[0, 1)") into buf. */
void params_range_text(const ParamDef *def, char *buf, size_t len);

/* Copies word number idx of a "a|b|c" list into buf ("" past the end). */
void params_choice_word(const char *choices, int idx, char *buf, size_t len);

/* Writes the default of def as text into buf. */
void params_default_text(const ParamDef *def, char *buf, size_t len);

/* 1 when s holds a control character (a newline, a tab, ESC, DEL, ...),
 * which no name or text value may hold. */
int params_has_control(const char *s);

/* s with its control characters written \n, \t or \xNN, for a one-line
 * message (cut to fit buf); returns buf. */
const char *params_printable(const char *s, char *buf, size_t len);

/* Checks a name that a user gives (a sweep's): 1 to max characters, none
 * a control character. Returns 0, or -1 with "WHAT: ..." in err. */
int params_check_name(const char *what, const char *name, size_t max, char *err, size_t errlen);

/* Shortest decimal text that reads back as exactly x ("0.001", "1e-08"). */
void format_number(double x, char *buf, size_t len);

#endif
