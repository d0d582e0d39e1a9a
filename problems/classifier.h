/* classifier.h — the body shared by logreg and mlp: linear layers with an
 * activation between them and softmax cross-entropy on top, trained on a
 * DataSplit. Parameters are one buffer of named views "layerK.weight"
 * (out x in, as torch.nn.Linear) and "layerK.bias".
 *
 * Minibatches follow torch's DataLoader(shuffle=True): epoch e visits the
 * training rows in a permutation drawn from (seed, e), in ceil(N/batch)
 * batches, the last one smaller; minibatch counter b is batch b mod
 * ceil(N/batch) of epoch b / ceil(N/batch). The loss is the batch mean.
 */
#ifndef OPTBENCH_CLASSIFIER_H
#define OPTBENCH_CLASSIFIER_H

#include "datasets.h"
#include "layers.h"
#include "problem.h"

#define CLASSIFIER_MAX_LAYERS 16 /* most linear layers */

/* The data options every classifier takes, first in its option table. */
enum { CLS_OPT_DATASET, CLS_OPT_PATH, CLS_OPT_BATCH, CLS_OPT_TEST_FRACTION, CLS_N_DATA_OPTS };
#define CLASSIFIER_DATA_OPTIONS                                                                        \
    {"dataset", PARAM_TEXT, 0, 0, 0, 0, "digits", DATASET_NAMES},                                      \
    {"path", PARAM_TEXT, 0, 0, 0, 0, "", "file (fashion_mnist: directory) to read instead of the default"}, \
    {"batch", PARAM_INT, 64, 0, 1e9, 0, NULL, "rows per minibatch; 0 = the full training set"},          \
    {"test_fraction", PARAM_REAL, 0.2, 0, 1, PARAM_HI_OPEN, NULL,                                       \
     "share of rows held out (fashion_mnist has its own test set)"}

/* Loads the data named by the options and builds a network with the given
 * hidden widths (n_hidden may be 0) and activation. zero_init: parameters
 * start at 0 (logreg) instead of torch.nn.Linear's U(-1/sqrt(fan_in), +). */
Problem *classifier_create(const ParamSet *opts, const int *hidden, int n_hidden, Activation act,
                           int zero_init, char *err, size_t errlen);

/* The ProblemDef functions of every classifier. */
void classifier_init(Problem *pb, float *params, uint64_t seed);
double classifier_loss_and_grad(Problem *pb, const float *params, float *grads, uint64_t seed,
                                uint64_t batch);
/* The loss of minibatch `batch` in double with plain loops: gradcheck's
 * reference, independent of BLAS and float32 rounding. */
double classifier_loss_ref(Problem *pb, const float *params, uint64_t seed, uint64_t batch);
int classifier_eval(Problem *pb, const float *params, double *loss, double *accuracy);
void classifier_destroy(Problem *pb);

#endif
