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

#include "problems/datasets.h"
#include "problems/layers.h"
#include "problems/problem.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CLASSIFIER_MAX_LAYERS 16 /* most linear layers */
#define EVAL_ROWS 1024            /* held-out rows per forward pass of eval */
#define CLS_ROW_BLOCK 64          /* rows one thread takes through the forward and the backward */
#define CLS_GRAD_COLS 128         /* most input columns of one block of a weight gradient */

/* The data options every classifier takes, first in its option table. */
enum { CLS_OPT_DATASET, CLS_OPT_PATH, CLS_OPT_BATCH, CLS_OPT_TEST_FRACTION, CLS_N_DATA_OPTS };
#define CLASSIFIER_DATA_OPTIONS                                                                        \
    {"dataset", PARAM_TEXT, 0, 0, 0, 0, "digits", DATASET_NAMES},                                      \
    {"path", PARAM_TEXT, 0, 0, 0, 0, "", "file (fashion_mnist: directory) to read instead of the default"}, \
    {"batch", PARAM_INT, 64, 0, 1e9, 0, NULL, "rows per minibatch; 0 = the full training set"},          \
    {"test_fraction", PARAM_REAL, 0.2, 0, 1, PARAM_HI_OPEN, NULL,                                       \
     "share of rows held out (fashion_mnist has its own test set)"}

/* One piece of the parameter gradient of a training step: a block of
 * columns of a layer's weight gradient, or its bias gradient. */
typedef struct {
    int layer;       /* linear layer */
    int first, end;  /* input columns [first, end) of its weight gradient; -1, -1: the bias */
    long cost;       /* its multiply-adds per minibatch row (for the order of the pieces) */
} GradBlock;

/* A classifier instance; its CUDA twin (cuda/classifier_cuda.cu) reads it.
 *
 * Threads: a training step cuts the minibatch into blocks of CLS_ROW_BLOCK
 * rows and spreads them over the OpenMP threads; each block goes through
 * the forward, the loss and the gradients at every layer's outputs without
 * meeting another block's rows. After one barrier the threads share the
 * GradBlocks, each a sum over every row of the minibatch in row order. Each
 * block and GradBlock is one single-threaded product (and elementwise
 * loops) whose shape does not depend on the thread count, so neither does
 * any value of the step: losses and gradients are the same bit for bit on
 * any number of threads. Evaluation cuts its rows the same way. */
typedef struct {
    Problem base;                                /* common head */
    TensorView views[2 * CLASSIFIER_MAX_LAYERS]; /* layerK.weight, layerK.bias */
    int n_layers;                                /* linear layers (hidden + 1) */
    int width[CLASSIFIER_MAX_LAYERS + 1];        /* width[0] features ... width[n_layers] classes */
    Activation act;                              /* between linear layers */
    int zero_init;                               /* 1: parameters start at 0 */
    DataSplit data;                              /* training and held-out rows */
    size_t batch;                                /* rows per minibatch (the last of an epoch fewer) */
    size_t rows_max;                             /* rows the activation buffers hold */
    uint32_t *order;                             /* training rows in the order of order_epoch */
    uint64_t order_seed;                         /* seed that order was drawn for */
    uint64_t order_epoch;                        /* epoch that order holds; UINT64_MAX: none */
    float *x;                                    /* gathered minibatch (rows_max, features) */
    int32_t *y;                                  /* its labels (rows_max) */
    float *pre[CLASSIFIER_MAX_LAYERS];           /* linear outputs (rows_max, width[l+1]) */
    float *post[CLASSIFIER_MAX_LAYERS];          /* activations of hidden layers, same shapes */
    float *probs;                                /* softmax (rows_max, classes) */
    float *dpre[CLASSIFIER_MAX_LAYERS];          /* loss gradient at the linear outputs, as pre */
    double *block_loss;                          /* summed loss of each row block of a forward */
    GradBlock *grad_blocks;                      /* the pieces of the parameter gradient, largest first */
    int n_grad_blocks;                           /* entries in grad_blocks */
    double par_min_rows;                         /* rows of a minibatch from which a step uses threads */
    double *ref[2];                              /* one row's layer values in loss_ref (widest) */
} Classifier;

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
/* Selects minibatch `batch` of the seed's order: afterwards c->order holds
 * its epoch's permutation of the training rows, and the batch is
 * order[*first .. *first + rows); returns rows. */
int classifier_batch(Classifier *c, uint64_t seed, uint64_t batch, size_t *first);
int classifier_eval(Problem *pb, const float *params, double *loss, double *accuracy);
void classifier_destroy(Problem *pb);

#ifdef OPTBENCH_CUDA
/* The CUDA twin of every classifier (cuda/classifier_cuda.cu). */
extern const ProblemCuda classifier_cuda;
#endif

#ifdef __cplusplus
}
#endif

#endif
