/* fuzz_libsvm.c — libFuzzer target: a LIBSVM dataset file through
 * data_load_libsvm. */
#include "problems/data.h"
#include "harness/core/params.h"
#include "tests/fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[128], err[ERRMSG_MAX];
    Dataset ds;
    if (data_load_libsvm(fuzz_file("data.svm", data, size, path, sizeof path), &ds, err, sizeof err) == 0)
        data_free(&ds);
    return 0;
}
