/* test_data.c — the dataset loaders of problems/data.c on the fixture files
 * of tests/data/: what good files hold, and the message of every error. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/core/memory.h"
#include "harness/core/params.h"
#include "problems/data.h"
#include "problems/datasets.h"

#define FIX "tests/data/"

Test(data, csv_with_counted_header)
{
    Dataset d;
    char err[ERRMSG_MAX];
    cr_assert_eq(data_load_csv(FIX "good_counted.csv", &d, err, sizeof err), 0, "%s", err);
    cr_expect_eq(d.rows, 4);
    cr_expect_eq(d.features, 2);
    cr_expect_eq(d.classes, 2);
    cr_expect_eq(d.x[2], 3.0f);
    cr_expect_eq(d.y[3], 0);
    data_free(&d);
}

Test(data, csv_with_column_names_crlf_and_blank_line)
{
    Dataset d;
    char err[ERRMSG_MAX];
    cr_assert_eq(data_load_csv(FIX "good_named.csv", &d, err, sizeof err), 0, "%s", err);
    cr_expect_eq(d.rows, 3);
    cr_expect_eq(d.classes, 3, "classes = largest label + 1");
    cr_expect_eq(d.x[5], 6.0f);
    cr_expect_eq(d.y[2], 1);
    data_free(&d);
}

Test(data, gzipped_and_plain_csv_read_alike)
{
    Dataset a, b;
    char err[ERRMSG_MAX];
    cr_assert_eq(data_load_csv(FIX "good_plain.csv.gz", &a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(data_load_csv(FIX "good_plain.csv", &b, err, sizeof err), 0, "%s", err);
    cr_expect_eq(a.rows, 3);
    cr_expect_eq(b.rows, 2);
    cr_expect_eq(memcmp(a.x, b.x, 4 * sizeof(float)), 0);
    data_free(&a);
    data_free(&b);
}

Test(data, libsvm_sparse_rows_and_label_mapping)
{
    Dataset d;
    char err[ERRMSG_MAX];
    cr_assert_eq(data_load_libsvm(FIX "good.svm", &d, err, sizeof err), 0, "%s", err);
    cr_expect_eq(d.rows, 3);
    cr_expect_eq(d.features, 3);
    cr_expect_eq(d.classes, 2, "-1 and +1 (and 1) map onto 0 and 1");
    const float x[9] = {0.5f, 0, 2, 0, 1.5f, 0, 1, 1, 1};
    cr_expect_eq(memcmp(d.x, x, sizeof x), 0);
    cr_expect(d.y[0] == 1 && d.y[1] == 0 && d.y[2] == 1);
    data_free(&d);
}

Test(data, idx_plain_and_gzipped)
{
    Dataset a, b;
    char err[ERRMSG_MAX];
    cr_assert_eq(data_load_idx(FIX "good-images.idx", FIX "good-labels.idx", 10, &a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(data_load_idx(FIX "good-images.idx.gz", FIX "good-labels.idx", 10, &b, err, sizeof err), 0, "%s", err);
    cr_expect_eq(a.rows, 4);
    cr_expect_eq(a.features, 6);
    cr_expect_eq(a.x[1], 7.0f);
    cr_expect_eq(a.y[2], 2);
    cr_expect_eq(memcmp(a.x, b.x, 24 * sizeof(float)), 0);
    data_free(&a);
    data_free(&b);
}

/* Every buffer of a failed load is given back. */
Test(data, failed_load_frees_everything)
{
    Dataset d;
    char err[ERRMSG_MAX];
    const size_t before = mem_current();
    cr_expect_neq(data_load_csv(FIX "ragged.csv", &d, err, sizeof err), 0);
    cr_expect_neq(data_load_idx(FIX "good-images.idx", FIX "range-labels.idx", 10, &d, err, sizeof err), 0);
    cr_expect_eq(mem_current(), before);
    cr_expect_null(d.x);
}

typedef struct {
    char format[8];   /* csv, libsvm or idx */
    char file[48];    /* fixture (idx: images; labels are good-labels.idx unless named below) */
    char labels[48];  /* idx labels fixture, or empty */
    char message[96]; /* text the error must contain */
} ErrorCase;

ParameterizedTestParameters(data, errors)
{
    static ErrorCase cases[] = {
        {"csv", "missing.csv", "", "tests/data/missing.csv: cannot open: No such file"},
        {"csv", "empty.csv", "", "empty.csv:1: no data rows"},
        {"csv", "ragged.csv", "", "ragged.csv:4: 2 fields, expected 3 (2 features and the label)"},
        {"csv", "not_number.csv", "", "not_number.csv:3: field 2: 'abc' is not a number"},
        {"csv", "label_range.csv", "", "label_range.csv:3: field 3 (label): 3 is not an integer in [0, 3)"},
        {"csv", "label_fraction.csv", "", "label_fraction.csv:2: field 3 (label): 1.5 is not an integer"},
        {"csv", "label_negative.csv", "", "label_negative.csv:2: field 3 (label): -1 is not an integer"},
        {"csv", "truncated.csv", "", "truncated.csv:5: 3 data rows, the header (line 1, field 1) says 5"},
        {"csv", "truncated.csv.gz", "", "truncated.csv.gz: byte "},
        {"libsvm", "index_order.svm", "", "index_order.svm:1: field 3: '1:3' is not index:value with an index above 2"},
        {"libsvm", "svm_not_number.svm", "", "svm_not_number.svm:2: field 2: 'abc' is not a number"},
        {"libsvm", "svm_label.svm", "", "svm_label.svm:1: field 1 (label): '1.5' is not an integer"},
        {"libsvm", "svm_field.svm", "", "svm_field.svm:1: field 3: 'x' is not index:value"},
        {"libsvm", "empty.csv", "", "empty.csv:1: no data rows"},
        {"csv", "nan_first.csv", "", "nan_first.csv:1: field 1: 'nan' is not a number"},
        {"csv", "inf_feature.csv", "", "inf_feature.csv:3: field 2: 'Infinity' is not a number"},
        {"csv", "neginf_feature.csv", "", "neginf_feature.csv:1: field 2: '-inf' is not a number"},
        {"csv", "hex_feature.csv", "", "hex_feature.csv:2: field 1: '0x10' is not a number"},
        {"csv", "counted_features.csv", "", "counted_features.csv:2: 3 fields, the header (line 1, field 2) says 1000000000000"},
        {"csv", "binary.csv", "", "binary.csv: byte 8: NUL byte: not a text file"},
        {"libsvm", "svm_values.svm", "", "svm_values.svm: 65 rows x 1048576 features, more than the 67108864 values"},
        {"libsvm", "svm_huge_index.svm", "", "svm_huge_index.svm:1: field 2: index 2000000000 above 1048576"},
        {"libsvm", "svm_hex.svm", "", "svm_hex.svm:1: field 2: '0x1p-3' is not a number"},
        {"libsvm", "svm_nan.svm", "", "svm_nan.svm:1: field 2: 'nan' is not a number"},
        {"idx", "missing-images.idx", "", "missing-images.idx: cannot open"},
        {"idx", "magic-images.idx", "", "magic-images.idx: byte 0: bad IDX magic (expected 0x00000803"},
        {"idx", "header-images.idx", "", "header-images.idx: byte 10: file ends inside the IDX header"},
        {"idx", "zero-images.idx", "", "zero-images.idx: byte 4: size of dimension 1 is 0"},
        {"idx", "short-images.idx", "", "short-images.idx: byte 35: file ends early: the header declares 24 bytes"},
        {"idx", "long-images.idx", "", "long-images.idx: byte 40: data beyond the 24 bytes the header declares"},
        {"idx", "good-images.idx", "count-labels.idx", "count-labels.idx: byte 4: 3 labels for the 4 images"},
        {"idx", "good-images.idx", "range-labels.idx", "range-labels.idx: byte 10: label 12 out of range [0, 10)"},
        {"idx", "good-images.idx", "good-images.idx", "good-images.idx: byte 0: bad IDX magic (expected 0x00000801"},
        {"idx", "overflow-images.idx", "", "overflow-images.idx: byte 2048: file ends early: the header declares 4611686018427387904 bytes"},
        {"idx", "huge-images.idx", "", "huge-images.idx: byte 116: file ends early: the header declares 4294967296 bytes"},
        {"idx", "good-images.idx", "huge-labels.idx", "huge-labels.idx: byte 12: file ends early: the header declares 4294967295"},
    };
    return cr_make_param_array(ErrorCase, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(ErrorCase *c, data, errors)
{
    Dataset d;
    char err[ERRMSG_MAX] = "", path[128], labels[128];
    int rc;
    snprintf(path, sizeof path, FIX "%s", c->file);
    snprintf(labels, sizeof labels, FIX "%s", c->labels[0] ? c->labels : "good-labels.idx");
    if (!strcmp(c->format, "csv")) rc = data_load_csv(path, &d, err, sizeof err);
    else if (!strcmp(c->format, "libsvm")) rc = data_load_libsvm(path, &d, err, sizeof err);
    else rc = data_load_idx(path, labels, 10, &d, err, sizeof err);
    cr_expect_eq(rc, -1, "%s loaded", c->file);
    cr_expect(strstr(err, c->message) != NULL, "%s: got '%s', want '%s'", c->file, err, c->message);
    cr_expect(strchr(err, '\n') == NULL, "one line: '%s'", err);
}

Test(data, unknown_dataset_names_the_known_ones)
{
    DataSplit s;
    char err[ERRMSG_MAX];
    cr_expect_neq(datasplit_load(&s, "mnist", "", 0.2, err, sizeof err), 0);
    cr_expect(strstr(err, "dataset 'mnist' is unknown (known: digits|") != NULL, "%s", err);
}

/* The split is fixed, sized by test_fraction, and standardises the training
 * rows to mean 0 and standard deviation 1. */
Test(data, split_and_standardisation)
{
    DataSplit s;
    char err[ERRMSG_MAX];
    cr_assert_eq(datasplit_load(&s, "iris", "", 0.2, err, sizeof err), 0, "%s", err);
    cr_expect_eq(s.train.rows, 120);
    cr_expect_eq(s.test.rows, 30);
    cr_expect_eq(s.train.classes, 3);
    for (size_t f = 0; f < s.train.features; f++) {
        double sum = 0, sq = 0;
        for (size_t r = 0; r < s.train.rows; r++) {
            sum += s.train.x[r * 4 + f];
            sq += (double)s.train.x[r * 4 + f] * s.train.x[r * 4 + f];
        }
        cr_expect(fabs(sum / 120) < 1e-5 && fabs(sq / 120 - 1) < 1e-4, "feature %zu", f);
    }
    DataSplit again;
    cr_assert_eq(datasplit_load(&again, "iris", "", 0.2, err, sizeof err), 0, "%s", err);
    cr_expect_eq(memcmp(s.test.x, again.test.x, 30 * 4 * sizeof(float)), 0);
    datasplit_free(&s);
    datasplit_free(&again);
    cr_expect_neq(datasplit_load(&s, "csv:" FIX "good_plain.csv", "", 0.9, err, sizeof err), 0);
    cr_expect(strstr(err, "test_fraction 0.9 leaves no training rows of 2") != NULL, "%s", err);
}

/* Only regular files are read: a device or a FIFO would never end (or
 * block forever), and a file larger than DATA_MAX_BYTES is refused from its
 * size, without reading it. */
Test(data, only_regular_files_of_bounded_size)
{
    static const struct {
        const char *path;   /* the input */
        const char *reason; /* what the message must say */
    } cases[] = {
        {"/dev/zero", "/dev/zero: not a regular file (a character device)"},
        {"/dev/urandom", "/dev/urandom: not a regular file (a character device)"},
        {"tests/data", "tests/data: not a regular file (a folder)"},
    };
    Dataset d;
    char err[ERRMSG_MAX], *buf;
    size_t len;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_expect_eq(data_load_csv(cases[i].path, &d, err, sizeof err), -1);
        cr_expect(strstr(err, cases[i].reason) != NULL, "got '%s'", err);
        cr_expect_eq(data_read_file(cases[i].path, &buf, &len, err, sizeof err), -1);
        cr_expect_eq(data_load_idx(cases[i].path, FIX "good-labels.idx", 10, &d, err, sizeof err), -1);
        cr_expect(strstr(err, cases[i].reason) != NULL, "got '%s'", err);
    }
    char fifo[64], big[64];
    snprintf(fifo, sizeof fifo, "/tmp/optbench-fifo-%d", (int)getpid());
    snprintf(big, sizeof big, "/tmp/optbench-big-%d.csv", (int)getpid());
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_expect_eq(data_load_libsvm(fifo, &d, err, sizeof err), -1); /* returns at once: no writer is waited for */
    cr_expect(strstr(err, "not a regular file (a FIFO)") != NULL, "got '%s'", err);
    unlink(fifo);
    FILE *f = fopen(big, "w");
    cr_assert_not_null(f);
    cr_assert_eq(ftruncate(fileno(f), (off_t)DATA_MAX_BYTES + 1), 0); /* sparse: no disk used */
    fclose(f);
    cr_expect_eq(data_read_file(big, &buf, &len, err, sizeof err), -1);
    cr_expect(strstr(err, "bytes, more than the 268435456 such a file may hold") != NULL, "got '%s'", err);
    unlink(big);
}
