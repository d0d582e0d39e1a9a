/* fuzz_golden.c — libFuzzer target: a golden-vector file through
 * golden_load. */
#include "harness/check/golden.h"
#include "harness/core/params.h"
#include "tests/fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[128], err[ERRMSG_MAX];
    Golden g;
    if (golden_load(fuzz_file("golden.txt", data, size, path, sizeof path), &g, err, sizeof err) == 0) golden_free(&g);
    return 0;
}
