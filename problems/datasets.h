/* datasets.h — a classification dataset by name ("digits", "csv:PATH", ...),
 * split into training and held-out rows and standardised with the training
 * rows' statistics, as logreg and mlp use it. */
#ifndef OPTBENCH_DATASETS_H
#define OPTBENCH_DATASETS_H

#include "problems/data.h"

/* Help text of the `dataset` option: the names accepted. */
#define DATASET_NAMES "digits|breast_cancer|iris|wine|fashion_mnist|csv:PATH|libsvm:PATH"

typedef struct {
    Dataset owned[2]; /* what was loaded: all rows, or a dataset's own train and test files */
    Dataset train;    /* view of the training rows */
    Dataset test;     /* view of the held-out rows; 0 rows when there are none */
} DataSplit;

/* Loads `dataset` (`path`, when not empty, replaces the shipped file or, for
 * fashion_mnist, its directory). Datasets without their own test set are
 * split once with a fixed shuffle (the same for every seed), the last
 * round(test_fraction * rows) rows held out. Each feature is then
 * standardised with the training rows' mean and standard deviation (1 where
 * that is 0). Returns 0, or -1 with a message naming the file at fault. */
int datasplit_load(DataSplit *s, const char *dataset, const char *path, double test_fraction, char *err,
                   size_t errlen);

/* Frees what datasplit_load allocated (a zeroed s is fine). */
void datasplit_free(DataSplit *s);

#endif
