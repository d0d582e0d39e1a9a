/* registry.c — the table of every problem, and lookup by name.
 * To add a problem: write problems/NAME.c defining a ProblemDef, declare it
 * here and add one line to the table. */
#include <string.h>

#include "problems/problem.h"

extern const ProblemDef problem_rosenbrock;
extern const ProblemDef problem_logreg;
extern const ProblemDef problem_mlp;
extern const ProblemDef problem_transformer;

const ProblemDef *const problem_registry[] = {
    &problem_rosenbrock,
    &problem_logreg,
    &problem_mlp,
    &problem_transformer,
    NULL,
};

const ProblemDef *problem_find(const char *name)
{
    for (int i = 0; problem_registry[i]; i++)
        if (strcmp(problem_registry[i]->name, name) == 0) return problem_registry[i];
    return NULL;
}

const char *problem_names(void)
{
    static char names[256];
    if (!names[0])
        for (int i = 0; problem_registry[i]; i++) {
            strcat(names, i ? ", " : "");
            strcat(names, problem_registry[i]->name);
        }
    return names;
}
