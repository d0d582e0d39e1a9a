/* classifier_cuda.cu — the CUDA twin of problems/classifier.c (logreg and
 * mlp): the training and held-out rows are copied to the device once; a
 * step gathers its minibatch on the device through the epoch's permutation
 * (drawn on the host by classifier_batch, as on the CPU, and copied over
 * once per epoch), then runs the same forward and backward with the layers
 * of layers_cuda.h. The loss stays on the device; eval returns its two
 * numbers to the host.
 *
 * Legend: F = features, V = classes, rows_max = rows the scratch holds,
 * L = linear layers, width[l] as in Classifier.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness/core/cuda/harness_kernels.h"
#include "harness/core/device.h"
#include "problems/classifier.h"
#include "problems/cuda/layers_cuda.h"
#include "problems/cuda/problem_cuda.h"

#define GATHER_THREADS 256 /* threads per block of the gather */

struct ProblemTwin {
    Classifier *c;                          /* the host problem */
    float *train_x, *test_x;                /* device: rows x F */
    int32_t *train_y, *test_y;              /* device: labels */
    uint32_t *order;                        /* device copy of c->order */
    uint64_t order_seed, order_epoch;       /* what order holds; epoch UINT64_MAX: nothing */
    float *x;                               /* device: gathered minibatch (rows_max, F) */
    int32_t *y;                             /* device: its labels */
    float *pre[CLASSIFIER_MAX_LAYERS];      /* device: linear outputs */
    float *post[CLASSIFIER_MAX_LAYERS];     /* device: hidden activations */
    float *probs;                           /* device: softmax (rows_max, V) */
    float *dcur, *dprev;                    /* device: gradient scratch (rows_max, widest) */
    double *row_loss, *row_correct;         /* device: per-row values, max(rows_max, test rows) */
    double *sums;                           /* device: eval loss and accuracy */
    double *scratch;                        /* device: REDUCE_SCRATCH doubles */
};

/* x[r, :] = src_x[order[first + r], :], y[r] = src_y[order[first + r]]. */
__global__ void gather_rows(float *x, int32_t *y, const float *src_x, const int32_t *src_y, const uint32_t *order,
                            size_t first, int rows, size_t F)
{
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (size_t)rows * F;
         i += (size_t)gridDim.x * blockDim.x) {
        const size_t r = i / F, src = order[first + r];
        x[i] = src_x[src * F + i % F];
        if (i % F == 0) y[r] = src_y[src];
    }
}

/* Forward pass of `rows` rows of x (device); per-row losses and hits into
 * row_loss and row_correct. CPU twin: forward in classifier.c. */
static int forward(ProblemTwin *tw, const float *params, const float *x, const int32_t *y, int rows,
                   double *row_loss, double *row_correct)
{
    const Classifier *c = tw->c;
    const float *in = x;
    const int L = c->n_layers;
    for (int l = 0; l < L; l++) {
        const float *w = params + c->views[2 * l].offset, *b = params + c->views[2 * l + 1].offset;
        if (linear_forward_cuda(tw->pre[l], in, w, b, rows, c->width[l], c->width[l + 1]) != 0) return -1;
        if (l + 1 < L) {
            if (activation_forward_cuda(tw->post[l], tw->pre[l], (size_t)rows * c->width[l + 1], c->act) != 0)
                return -1;
            in = tw->post[l];
        }
    }
    return softmax_xent_forward_cuda(tw->probs, row_correct, tw->pre[L - 1], y, rows, c->width[L], row_loss);
}

/* Gradient of the mean loss of the last forward (on tw->x, tw->y) into
 * grads. CPU twin: backward in classifier.c. */
static int backward(ProblemTwin *tw, const float *params, float *grads, int rows)
{
    const Classifier *c = tw->c;
    const int L = c->n_layers;
    if (softmax_xent_backward_cuda(tw->dcur, tw->probs, tw->y, rows, c->width[L], 1.0f / (float)rows) != 0) return -1;
    for (int l = L - 1; l >= 0; l--) {
        const TensorView *w = &c->views[2 * l], *b = &c->views[2 * l + 1];
        if (linear_backward_cuda(l ? tw->dprev : NULL, grads + w->offset, grads + b->offset, tw->dcur,
                                 l ? tw->post[l - 1] : tw->x, params + w->offset, rows, c->width[l],
                                 c->width[l + 1]) != 0)
            return -1;
        if (l && activation_backward_cuda(tw->dprev, tw->dprev, tw->pre[l - 1], (size_t)rows * c->width[l], c->act) != 0)
            return -1;
        float *t = tw->dcur;
        tw->dcur = tw->dprev;
        tw->dprev = t;
    }
    return 0;
}

static int loss_and_grad(ProblemTwin *tw, const float *params, float *grads, double *loss, uint64_t seed,
                         uint64_t batch)
{
    Classifier *c = tw->c;
    const Dataset *tr = &c->data.train;
    size_t first;
    const int rows = classifier_batch(c, seed, batch, &first);
    if (tw->order_epoch != c->order_epoch || tw->order_seed != c->order_seed) {
        /* once per epoch; cudaMemcpy runs after the steps already queued, which read the old order */
        if (dev_upload_to(tw->order, c->order, tr->rows * sizeof(uint32_t)) != 0) return -1;
        tw->order_epoch = c->order_epoch;
        tw->order_seed = c->order_seed;
    }
    size_t blocks = ((size_t)rows * tr->features + GATHER_THREADS - 1) / GATHER_THREADS;
    gather_rows<<<(unsigned)(blocks < 4096 ? blocks : 4096), GATHER_THREADS>>>(tw->x, tw->y, tw->train_x, tw->train_y,
                                                                               tw->order, first, rows, tr->features);
    if (!LAUNCH_OK("gather_rows") || forward(tw, params, tw->x, tw->y, rows, tw->row_loss, tw->row_correct) != 0 ||
        reduce_sum_cuda(loss, tw->row_loss, (size_t)rows, (double)rows, tw->scratch) != 0)
        return -1;
    return backward(tw, params, grads, rows);
}

static int eval(ProblemTwin *tw, const float *params, double *loss, double *accuracy)
{
    const Classifier *c = tw->c;
    const Dataset *te = &c->data.test;
    double host[2];
    if (te->rows == 0) return 1;
    for (size_t first = 0; first < te->rows; first += c->rows_max) {
        const size_t rows = te->rows - first < c->rows_max ? te->rows - first : c->rows_max;
        if (forward(tw, params, tw->test_x + first * te->features, tw->test_y + first, (int)rows,
                    tw->row_loss + first, tw->row_correct + first) != 0)
            return -1;
    }
    if (reduce_sum_cuda(tw->sums, tw->row_loss, te->rows, (double)te->rows, tw->scratch) != 0 ||
        reduce_sum_cuda(tw->sums + 1, tw->row_correct, te->rows, (double)te->rows, tw->scratch) != 0 ||
        !CUDA_OK(cudaMemcpy(host, tw->sums, sizeof host, cudaMemcpyDeviceToHost)))
        return -1;
    *loss = host[0];
    *accuracy = host[1];
    return 0;
}

static void destroy(ProblemTwin *tw)
{
    if (!tw) return;
    dev_free(tw->train_x);
    dev_free(tw->test_x);
    dev_free(tw->train_y);
    dev_free(tw->test_y);
    dev_free(tw->order);
    dev_free(tw->x);
    dev_free(tw->y);
    for (int l = 0; l < CLASSIFIER_MAX_LAYERS; l++) {
        dev_free(tw->pre[l]);
        dev_free(tw->post[l]);
    }
    dev_free(tw->probs);
    dev_free(tw->dcur);
    dev_free(tw->dprev);
    dev_free(tw->row_loss);
    dev_free(tw->row_correct);
    dev_free(tw->sums);
    dev_free(tw->scratch);
    free(tw);
}

static ProblemTwin *create(Problem *pb, char *err, size_t errlen)
{
    Classifier *c = (Classifier *)pb;
    const Dataset *tr = &c->data.train, *te = &c->data.test;
    const size_t F = tr->features, R = c->rows_max, V = (size_t)c->width[c->n_layers];
    const size_t row_vals = te->rows > R ? te->rows : R;
    size_t widest = 0;
    int rc = -1, ok;
    ProblemTwin *tw = (ProblemTwin *)calloc(1, sizeof *tw);
    if (!tw) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    tw->c = c;
    tw->order_epoch = UINT64_MAX;
    for (int l = 0; l <= c->n_layers; l++) widest = (size_t)c->width[l] > widest ? (size_t)c->width[l] : widest;
    ok = (tw->train_x = (float *)dev_upload(tr->x, tr->rows * F * sizeof(float))) &&
         (tw->train_y = (int32_t *)dev_upload(tr->y, tr->rows * sizeof(int32_t))) &&
         (tw->test_x = (float *)dev_upload(te->x, te->rows * F * sizeof(float))) &&
         (tw->test_y = (int32_t *)dev_upload(te->y, te->rows * sizeof(int32_t))) &&
         (tw->order = (uint32_t *)dev_alloc(tr->rows * sizeof(uint32_t))) &&
         (tw->x = (float *)dev_alloc(R * F * sizeof(float))) && (tw->y = (int32_t *)dev_alloc(R * sizeof(int32_t))) &&
         (tw->probs = (float *)dev_alloc(R * V * sizeof(float))) &&
         (tw->dcur = (float *)dev_alloc(R * widest * sizeof(float))) &&
         (tw->dprev = (float *)dev_alloc(R * widest * sizeof(float))) &&
         (tw->row_loss = (double *)dev_alloc(row_vals * sizeof(double))) &&
         (tw->row_correct = (double *)dev_alloc(row_vals * sizeof(double))) &&
         (tw->sums = (double *)dev_alloc(2 * sizeof(double))) &&
         (tw->scratch = (double *)dev_alloc(REDUCE_SCRATCH * sizeof(double)));
    for (int l = 0; ok && l < c->n_layers; l++) {
        const size_t out = R * (size_t)c->width[l + 1] * sizeof(float);
        ok = (tw->pre[l] = (float *)dev_alloc(out)) && (l + 1 == c->n_layers || (tw->post[l] = (float *)dev_alloc(out)));
    }
    if (!ok) {
        snprintf(err, errlen, "device memory for the data and activations: %s", device_error());
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (rc) {
        destroy(tw);
        tw = NULL;
    }
    return tw;
}

extern "C" const ProblemCuda classifier_cuda = {create, loss_and_grad, eval, destroy};
