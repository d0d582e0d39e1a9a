/* spec.h — the NAME[,key=value...] strings that name a problem, an optimizer
 * or a schedule on the command line ("lion,lr=3e-4,weight_decay=0.5",
 * "mlp,hidden=[256,128]"). Commas inside [...] belong to the value. */
#ifndef OPTBENCH_SPEC_H
#define OPTBENCH_SPEC_H

#include <stddef.h>

#include "harness/core/params.h"

#define SPEC_MAX_KEYS 32 /* most key=value pairs one spec may hold */

typedef struct {
    char name[64];                        /* the NAME before the first comma */
    int n;                                /* number of key=value pairs */
    char key[SPEC_MAX_KEYS][64];          /* keys in the order written */
    char value[SPEC_MAX_KEYS][PARAM_TEXT_MAX]; /* their values as text */
} Spec;

/* Splits text into a Spec; returns 0, or -1 with a message in err. */
int spec_parse(const char *text, Spec *out, char *err, size_t errlen);

/* Applies every key=value of spec to ps; returns 0, or -1 with the first
 * error in err. A key given twice is an error. */
int spec_apply(const Spec *spec, ParamSet *ps, char *err, size_t errlen);

#endif
