/* golden_cases.h — the golden update vector files of tests/golden/ as the
 * parameters of a Criterion ParameterizedTest, one case per file, so that
 * the CPU and the CUDA suites replay every file the folder holds. */
#ifndef OPTBENCH_TEST_GOLDEN_CASES_H
#define OPTBENCH_TEST_GOLDEN_CASES_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>

#define GOLDEN_DIR "tests/golden"

typedef struct {
    char file[64]; /* golden file name under GOLDEN_DIR */
} GoldenCase;

static void golden_cases_free(struct criterion_test_params *params) { cr_free(params->params); }

/* One case per GOLDEN_DIR/\*.txt, whatever its optimizer; none when the
 * folder is empty or unreadable (the registry test then fails). */
static inline struct criterion_test_params golden_cases(void)
{
    glob_t files;
    GoldenCase *cases = NULL;
    size_t n = 0;
    if (glob(GOLDEN_DIR "/*.txt", 0, NULL, &files) == 0) {
        cases = cr_malloc(files.gl_pathc * sizeof *cases);
        for (size_t i = 0; cases && i < files.gl_pathc; i++)
            snprintf(cases[n++].file, sizeof cases->file, "%s", files.gl_pathv[i] + strlen(GOLDEN_DIR "/"));
        globfree(&files);
    }
    return cr_make_param_array(GoldenCase, cases, n, golden_cases_free);
}

#endif
