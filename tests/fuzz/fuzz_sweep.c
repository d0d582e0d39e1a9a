/* fuzz_sweep.c — libFuzzer target: a sweep file through sweep_load and,
 * when it loads, sweep_expand (every run of it validated and keyed). */
#include <stdlib.h>

#include "harness/sweep/sweep.h"
#include "tests/fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[128], err[ERRMSG_MAX];
    SweepSpec *spec = NULL;
    RunConfig *runs = NULL;
    long n = 0;
    if (sweep_load(fuzz_file("sweep.yaml", data, size, path, sizeof path), &spec, err, sizeof err) == 0) {
        if (sweep_expand(spec, &runs, &n, err, sizeof err) == 0) free(runs);
        sweep_free(spec);
    }
    return 0;
}
