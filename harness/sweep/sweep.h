/* sweep.h — YAML sweep files: parsing (libyaml), validation and expansion
 * into run configurations.
 *
 * A sweep file names the shared settings (steps, seeds, schedule, ...), a
 * list of problems and a map of optimizers. Inside a problem or optimizer
 * entry, each key holds an axis: a scalar (one value), a list (a grid axis),
 * {log: [a, b], num: k} or {linear: [a, b], num: k} (spaced axes), and with
 * `search: random` or `search: quasirandom` also {log_uniform: [a, b]}, {uniform: [a, b]} and
 * {choice: [...]}. `plugins:` lists optimizer plugins (shared objects,
 * optimizers/plugin.h; paths relative to the file's folder) loaded before
 * the optimizers are read. The whole file is checked before anything is written;
 * every error names file:line:column and the key.
 */
#ifndef OPTBENCH_SWEEP_H
#define OPTBENCH_SWEEP_H

#include "harness/run/config.h"
#include "harness/sweep/prune.h"

#define SWEEP_MAX_ENTRIES 32  /* problems or optimizers in one file */
#define SWEEP_MAX_VALUES 64   /* values on one listed axis */
#define SWEEP_MAX_SEEDS 1024  /* seeds of one sweep */
#define SWEEP_MAX_STUDIES 100 /* replicas of a random search */
/* The top-level keys of a sweep file beside name, seeds, problems,
 * optimizers and the run settings, for messages and help. */
#define SWEEP_OTHER_KEYS "search, samples, studies, search_seed, prune, plugins"
#define SWEEP_NAME_MAX 127    /* longest sweep name (no control characters) */
#define SWEEP_MAX_BYTES (1 << 20) /* largest sweep file */
#define SWEEP_MAX_DEPTH 32    /* deepest nesting of YAML lists and mappings */
#define SWEEP_MAX_RUNS 50000  /* most runs one sweep expands to, checked before expanding */

typedef enum {
    AXIS_VALUES,      /* listed values (a scalar is a list of one; choice in random search) */
    AXIS_LOG,         /* num points spaced evenly in log between lo and hi */
    AXIS_LINEAR,      /* num points spaced evenly between lo and hi */
    AXIS_LOG_UNIFORM, /* random search: drawn uniformly in log between lo and hi */
    AXIS_UNIFORM,     /* random search: drawn uniformly between lo and hi */
} AxisKind;

typedef struct {
    char key[64];        /* setting the axis varies */
    AxisKind kind;       /* how its values are made */
    int n_values;        /* AXIS_VALUES: number of values */
    char *values[SWEEP_MAX_VALUES]; /* AXIS_VALUES: values as text (owned) */
    double lo, hi;       /* range of the other kinds */
    int num;             /* points of AXIS_LOG / AXIS_LINEAR */
    int line, column;    /* where the axis is written (1-based) */
} Axis;

typedef struct {
    const ProblemDef *problem;     /* set for a problem entry */
    const OptimizerDef *optimizer; /* set for an optimizer entry */
    RunConfig base;                /* problem entry: the shared settings with its own steps,
                                      log_every, eval_every and target applied */
    int n_axes;                    /* axes used */
    Axis axes[PARAMS_MAX];         /* one per key given */
    int line, column;              /* where the entry starts */
} SweepEntry;

typedef struct {
    char path[1024];          /* the file, for messages */
    char name[SWEEP_NAME_MAX + 1]; /* sweep name */
    char *text;               /* the whole file, stored with the sweep */
    RunConfig base;           /* steps, device, schedule, clip, ... shared by every run */
    int n_seeds;              /* seeds per configuration */
    long seeds[SWEEP_MAX_SEEDS]; /* the seeds */
    int random;               /* 1: random or quasirandom search, 0: grid */
    int quasirandom;          /* 1: the random search draws a scrambled Halton sequence */
    long samples;             /* random search: configurations per problem x optimizer */
    uint64_t search_seed;     /* random search: seed of the draws */
    int studies;              /* random search: independent replicas of the search, each of `samples`
                                 (1: the search alone) */
    PruneSpec prune;          /* stopping hopeless runs early (method PRUNE_NONE: never) */
    int n_problems;           /* problem entries */
    SweepEntry problems[SWEEP_MAX_ENTRIES];
    int n_optimizers;         /* optimizer entries */
    SweepEntry optimizers[SWEEP_MAX_ENTRIES];
} SweepSpec;

/* Reads and validates a sweep file. Returns 0, or -1 with
 * "file:line:column: key: message" in err. The spec is heap-allocated:
 * free it with sweep_free. */
int sweep_load(const char *path, SweepSpec **out, char *err, size_t errlen);

void sweep_free(SweepSpec *spec);

/* Expands a spec into run configurations, duplicates (same key) removed, in
 * file order: problem, optimizer, study, axis point, seed. *out is malloc'ed.
 * Returns 0, or -1 with a located message (e.g. an invalid combination). */
int sweep_expand(const SweepSpec *spec, RunConfig **out, long *n_out, char *err, size_t errlen);

/* Compares a sweep's stored file text with a new one as YAML (comments, key
 * order and spellings of one number do not count). Returns 0 when they say
 * the same; 1 with the path of the first differing setting in key
 * ("steps", "optimizers.adamw.lr[2]") and the two values there (or
 * "(absent)"); an unreadable stored text differs at "(the whole file)". */
int sweep_spec_difference(const char *stored, const char *text, char *key, size_t keylen, char *old_value,
                          char *new_value, size_t valuelen);

#endif
