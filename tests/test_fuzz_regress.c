/* test_fuzz_regress.c — every input that made a libFuzzer target of
 * tests/fuzz/ crash, leak or hang (kept under tests/fuzz/regress/TARGET/),
 * replayed through the same target code built with gcc, so that `make
 * test` (and `make test-asan`) guard each fix without clang. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* each target's entry point under its own name */
#define LLVMFuzzerTestOneInput fuzz_sweep
#include "tests/fuzz/fuzz_sweep.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_spec
#include "tests/fuzz/fuzz_spec.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_csv
#include "tests/fuzz/fuzz_csv.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_libsvm
#include "tests/fuzz/fuzz_libsvm.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_idx
#include "tests/fuzz/fuzz_idx.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_golden
#include "tests/fuzz/fuzz_golden.c"
#undef LLVMFuzzerTestOneInput

/* Replays every file of tests/fuzz/regress/name through target; returns
 * how many there were. */
static int replay(const char *name, int (*target)(const uint8_t *, size_t))
{
    char dir[128], path[512];
    int n = 0;
    snprintf(dir, sizeof dir, "tests/fuzz/regress/%s", name);
    DIR *d = opendir(dir);
    if (!d) return 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        cr_assert_not_null(f, "%s", path);
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        rewind(f);
        uint8_t *buf = malloc((size_t)len + 1);
        cr_assert(buf && fread(buf, 1, (size_t)len, f) == (size_t)len, "%s", path);
        fclose(f);
        cr_expect_eq(target(buf, (size_t)len), 0, "%s", path);
        free(buf);
        n++;
    }
    closedir(d);
    return n;
}

Test(fuzz_regress, every_kept_input)
{
    static const struct {
        const char *name;                         /* folder under tests/fuzz/regress */
        int (*target)(const uint8_t *, size_t);   /* its target */
    } targets[] = {
        {"sweep", fuzz_sweep}, {"spec", fuzz_spec},   {"csv", fuzz_csv},
        {"libsvm", fuzz_libsvm}, {"idx", fuzz_idx}, {"golden", fuzz_golden},
    };
    int total = 0;
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) total += replay(targets[i].name, targets[i].target);
    cr_log_info("%d kept inputs replayed", total);
    char path[128];
    snprintf(path, sizeof path, "/dev/shm/optbench-fuzz-%d-", (int)getpid());
    static const char *const tags[] = {"sweep.yaml", "data.csv", "data.svm", "data.idx", "golden.txt"};
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        char f[160];
        snprintf(f, sizeof f, "%s%s", path, tags[i]);
        unlink(f);
    }
}

/* The golden input above overflowed no buffer that ASan watches (it wrote
 * inside the gradients' buffer), so its fix is checked by its message. */
Test(fuzz_regress, golden_n_after_steps_is_refused)
{
    Golden g;
    char err[ERRMSG_MAX];
    cr_assert_eq(golden_load("tests/fuzz/regress/golden/n-after-steps.txt", &g, err, sizeof err), -1);
    cr_expect(strstr(err, "n-after-steps.txt:45: 'n' given twice or after 'steps'") != NULL, "%s", err);
}
