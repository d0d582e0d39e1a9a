/* fuzz_idx.c — libFuzzer target: an IDX pair through data_load_idx. The
 * first byte picks the part fuzzed: even, the rest is the images file
 * (labels: tests/data/good-labels.idx); odd, the rest is the labels file
 * (images: tests/data/good-images.idx). Run from the repository root. */
#include "problems/data.h"
#include "harness/core/params.h"
#include "tests/fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[128], err[ERRMSG_MAX];
    Dataset ds;
    if (size < 1) return 0;
    const char *fuzzed = fuzz_file("data.idx", data + 1, size - 1, path, sizeof path);
    const int labels = data[0] & 1;
    if (data_load_idx(labels ? "tests/data/good-images.idx" : fuzzed, labels ? fuzzed : "tests/data/good-labels.idx",
                      10, &ds, err, sizeof err) == 0)
        data_free(&ds);
    return 0;
}
