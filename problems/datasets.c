/* datasets.c — named datasets, the fixed train/test split and
 * standardisation of datasets.h. */
#include "problems/datasets.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/core/hostinfo.h"
#include "harness/core/memory.h"
#include "harness/core/rng.h"

#define FASHION_DIR "/usr/share/datasets/fashion-mnist" /* Debian's dataset-fashion-mnist */
#define SPLIT_SEED 0 /* the split's shuffle, the same for every run seed */
#define PATH_MAX_LEN 1024 /* longest file name built here */

/* Shipped CSV datasets and their files under data/. */
static const struct {
    const char *name; /* as in dataset=NAME */
    const char *file; /* under data/ */
} shipped[] = {
    {"digits", "digits.csv.gz"},
    {"breast_cancer", "breast_cancer.csv"},
    {"iris", "iris.csv"},
    {"wine", "wine_data.csv"},
};

/* Where a shipped file is: path when given, else data/FILE as
 * host_find_shipped finds it (the source tree or the install prefix). */
static void shipped_path(const char *file, const char *path, char *out, size_t len)
{
    char rel[PATH_MAX_LEN];
    if (path[0]) {
        snprintf(out, len, "%s", path);
        return;
    }
    snprintf(rel, sizeof rel, "data/%s", file);
    host_find_shipped(rel, rel, out, len);
}

/* Fashion-MNIST's own training and test files from directory dir. */
static int load_fashion(DataSplit *s, const char *dir, char *err, size_t errlen)
{
    static const char *const part[2] = {"train", "t10k"};
    char images[PATH_MAX_LEN], labels[PATH_MAX_LEN];
    for (int k = 0; k < 2; k++) {
        snprintf(images, sizeof images, "%s/%s-images-idx3-ubyte.gz", dir, part[k]);
        snprintf(labels, sizeof labels, "%s/%s-labels-idx1-ubyte.gz", dir, part[k]);
        if (data_load_idx(images, labels, 10, &s->owned[k], err, errlen) != 0) {
            if (!strcmp(dir, FASHION_DIR) && access(images, R_OK) != 0) {
                size_t used = strlen(err);
                snprintf(err + used, errlen - used, " (install Debian's dataset-fashion-mnist: make deps)");
            }
            return -1;
        }
    }
    if (s->owned[1].features != s->owned[0].features) {
        snprintf(err, errlen, "%s: byte 8: images of %zu pixels, the training images have %zu", images,
                 s->owned[1].features, s->owned[0].features);
        return -1;
    }
    s->train = s->owned[0];
    s->test = s->owned[1];
    return 0;
}

/* Shuffles the rows of d with the fixed split seed and holds out the last
 * round(test_fraction * rows). */
static int split_rows(DataSplit *s, double test_fraction, char *err, size_t errlen)
{
    Dataset *d = &s->owned[0];
    const size_t F = d->features, n_test = (size_t)llround(test_fraction * (double)d->rows);
    if (n_test >= d->rows) {
        snprintf(err, errlen, "test_fraction %g leaves no training rows of %zu", test_fraction, d->rows);
        return -1;
    }
    float *tmp = mem_alloc(F * sizeof(float));
    if (!tmp) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = d->rows - 1; i > 0; i--) {
        const size_t j = rng_bits(SPLIT_SEED, RNG_STREAM_SPLIT, i) % (i + 1);
        memcpy(tmp, d->x + i * F, F * sizeof(float));
        memcpy(d->x + i * F, d->x + j * F, F * sizeof(float));
        memcpy(d->x + j * F, tmp, F * sizeof(float));
        const int32_t y = d->y[i];
        d->y[i] = d->y[j];
        d->y[j] = y;
    }
    mem_free(tmp);
    s->train = *d;
    s->train.rows = d->rows - n_test;
    s->test = *d;
    s->test.rows = n_test;
    s->test.x = d->x + s->train.rows * F;
    s->test.y = d->y + s->train.rows;
    return 0;
}

/* x -> (x - mean) / std per feature, with the training rows' statistics. */
static int standardise(DataSplit *s, char *err, size_t errlen)
{
    int rc = -1;
    const size_t F = s->train.features, n = s->train.rows;
    double *mean = mem_alloc(F * sizeof(double)), *var = mem_alloc(F * sizeof(double));
    if (!mean || !var) {
        snprintf(err, errlen, "out of memory");
        goto cleanup;
    }
    for (size_t r = 0; r < n; r++)
        for (size_t f = 0; f < F; f++) mean[f] += s->train.x[r * F + f];
    for (size_t f = 0; f < F; f++) mean[f] /= (double)n;
    for (size_t r = 0; r < n; r++)
        for (size_t f = 0; f < F; f++) {
            const double d = s->train.x[r * F + f] - mean[f];
            var[f] += d * d;
        }
    for (size_t f = 0; f < F; f++) /* var becomes 1 / std */
        var[f] = var[f] > 0 ? 1.0 / sqrt(var[f] / (double)n) : 1.0;
    const Dataset *parts[2] = {&s->train, &s->test};
    for (int k = 0; k < 2; k++)
        for (size_t r = 0; r < parts[k]->rows; r++)
            for (size_t f = 0; f < F; f++) {
                float *x = &parts[k]->x[r * F + f];
                *x = (float)((*x - mean[f]) * var[f]);
            }
    rc = 0;
cleanup:
    mem_free(mean);
    mem_free(var);
    return rc;
}

int datasplit_load(DataSplit *s, const char *dataset, const char *path, double test_fraction, char *err,
                   size_t errlen)
{
    int rc = -1;
    char file[PATH_MAX_LEN] = "";
    memset(s, 0, sizeof *s);
    if (!strcmp(dataset, "fashion_mnist")) {
        rc = load_fashion(s, path[0] ? path : FASHION_DIR, err, errlen);
    } else if (!strncmp(dataset, "csv:", 4)) {
        rc = data_load_csv(dataset + 4, &s->owned[0], err, errlen);
    } else if (!strncmp(dataset, "libsvm:", 7)) {
        rc = data_load_libsvm(dataset + 7, &s->owned[0], err, errlen);
    } else {
        for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++)
            if (!strcmp(dataset, shipped[i].name)) shipped_path(shipped[i].file, path, file, sizeof file);
        if (file[0]) rc = data_load_csv(file, &s->owned[0], err, errlen);
        else snprintf(err, errlen, "dataset '%s' is unknown (known: %s)", dataset, DATASET_NAMES);
    }
    if (rc == 0 && !s->owned[1].x) rc = split_rows(s, test_fraction, err, errlen);
    if (rc == 0) rc = standardise(s, err, errlen);
    if (rc) datasplit_free(s);
    return rc;
}

void datasplit_free(DataSplit *s)
{
    data_free(&s->owned[0]);
    data_free(&s->owned[1]);
    memset(s, 0, sizeof *s);
}
