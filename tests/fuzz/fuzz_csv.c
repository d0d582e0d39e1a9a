/* fuzz_csv.c — libFuzzer target: a CSV dataset file through data_load_csv. */
#include "problems/data.h"
#include "harness/core/params.h"
#include "tests/fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[128], err[ERRMSG_MAX];
    Dataset ds;
    if (data_load_csv(fuzz_file("data.csv", data, size, path, sizeof path), &ds, err, sizeof err) == 0) data_free(&ds);
    return 0;
}
