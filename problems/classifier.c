/* classifier.c — forward, backward, minibatches and evaluation of the
 * classifiers of classifier.h. Every buffer is allocated in create. */
#include "problems/classifier.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/memory.h"
#include "harness/core/rng.h"

/* Forward pass of `rows` rows of x; returns the summed loss and adds the
 * rows classified right to *correct. */
static double forward(Classifier *c, const float *params, const float *x, const int32_t *y, int rows,
                      long *correct)
{
    const float *in = x;
    const int L = c->n_layers;
    for (int l = 0; l < L; l++) {
        const float *w = params + c->views[2 * l].offset, *b = params + c->views[2 * l + 1].offset;
        linear_forward(c->pre[l], in, w, b, rows, c->width[l], c->width[l + 1]);
        if (l + 1 < L) {
            activation_forward(c->post[l], c->pre[l], (size_t)rows * c->width[l + 1], c->act);
            in = c->post[l];
        }
    }
    return softmax_xent_forward(c->probs, correct, c->pre[L - 1], y, rows, c->width[L]);
}

/* Gradient of the mean loss of the last forward (on c->x, c->y) into grads. */
static void backward(Classifier *c, const float *params, float *grads, int rows)
{
    const int L = c->n_layers;
    softmax_xent_backward(c->dcur, c->probs, c->y, rows, c->width[L], 1.0f / (float)rows);
    for (int l = L - 1; l >= 0; l--) {
        const TensorView *w = &c->views[2 * l], *b = &c->views[2 * l + 1];
        linear_backward(l ? c->dprev : NULL, grads + w->offset, grads + b->offset, c->dcur,
                        l ? c->post[l - 1] : c->x, params + w->offset, rows, c->width[l], c->width[l + 1]);
        if (l) activation_backward(c->dprev, c->dprev, c->pre[l - 1], (size_t)rows * c->width[l], c->act);
        float *t = c->dcur;
        c->dcur = c->dprev;
        c->dprev = t;
    }
}

int classifier_batch(Classifier *c, uint64_t seed, uint64_t batch, size_t *first)
{
    const Dataset *tr = &c->data.train;
    const size_t n = tr->rows, per_epoch = (n + c->batch - 1) / c->batch;
    const uint64_t epoch = batch / per_epoch;
    *first = (size_t)(batch % per_epoch) * c->batch;
    if (c->order_epoch != epoch || c->order_seed != seed) {
        for (size_t i = 0; i < n; i++) c->order[i] = (uint32_t)i;
        if (c->batch < n) /* Fisher-Yates; a full batch keeps the stored order */
            for (size_t i = n - 1; i > 0; i--) {
                const size_t j = rng_bits(seed, RNG_STREAM_BATCH, epoch * n + i) % (i + 1);
                const uint32_t t = c->order[i];
                c->order[i] = c->order[j];
                c->order[j] = t;
            }
        c->order_epoch = epoch;
        c->order_seed = seed;
    }
    return (int)(n - *first < c->batch ? n - *first : c->batch);
}

/* Copies minibatch `batch` of the seed's order into c->x, c->y; returns its rows. */
static int gather(Classifier *c, uint64_t seed, uint64_t batch)
{
    const Dataset *tr = &c->data.train;
    const size_t F = tr->features;
    size_t first;
    const int rows = classifier_batch(c, seed, batch, &first);
    for (int r = 0; r < rows; r++) {
        const size_t src = c->order[first + (size_t)r];
        memcpy(c->x + (size_t)r * F, tr->x + src * F, F * sizeof(float));
        c->y[r] = tr->y[src];
    }
    return rows;
}

double classifier_loss_and_grad(Problem *pb, const float *params, float *grads, uint64_t seed,
                                uint64_t batch)
{
    Classifier *c = (Classifier *)pb;
    long correct = 0;
    const int rows = gather(c, seed, batch);
    const double loss = forward(c, params, c->x, c->y, rows, &correct);
    backward(c, params, grads, rows);
    return loss / rows;
}

/* The activation in double, for the reference loss. */
static double activation_ref(double x, Activation act)
{
    switch (act) {
    case ACT_GELU: return 0.5 * x * (1.0 + erf(x * M_SQRT1_2));
    case ACT_TANH: return tanh(x);
    default: return x > 0 ? x : 0;
    }
}

double classifier_loss_ref(Problem *pb, const float *params, uint64_t seed, uint64_t batch)
{
    Classifier *c = (Classifier *)pb;
    const int rows = gather(c, seed, batch), L = c->n_layers, V = c->width[L];
    double loss = 0;
    for (int r = 0; r < rows; r++) {
        for (int i = 0; i < c->width[0]; i++) c->ref[0][i] = c->x[(size_t)r * c->width[0] + i];
        for (int l = 0; l < L; l++) {
            const double *in = c->ref[l % 2];
            double *out = c->ref[(l + 1) % 2];
            const float *w = params + c->views[2 * l].offset, *b = params + c->views[2 * l + 1].offset;
            for (int o = 0; o < c->width[l + 1]; o++) {
                double z = b[o];
                for (int i = 0; i < c->width[l]; i++) z += (double)w[(size_t)o * c->width[l] + i] * in[i];
                out[o] = l + 1 < L ? activation_ref(z, c->act) : z;
            }
        }
        const double *z = c->ref[L % 2];
        double zmax = z[0], sum = 0;
        for (int v = 1; v < V; v++) zmax = z[v] > zmax ? z[v] : zmax;
        for (int v = 0; v < V; v++) sum += exp(z[v] - zmax);
        loss += log(sum) - (z[c->y[r]] - zmax);
    }
    return loss / rows;
}

int classifier_eval(Problem *pb, const float *params, double *loss, double *accuracy)
{
    Classifier *c = (Classifier *)pb;
    const Dataset *te = &c->data.test;
    if (te->rows == 0) return -1;
    double sum = 0;
    long correct = 0;
    for (size_t first = 0; first < te->rows; first += c->rows_max) {
        const size_t rows = te->rows - first < c->rows_max ? te->rows - first : c->rows_max;
        sum += forward(c, params, te->x + first * te->features, te->y + first, (int)rows, &correct);
    }
    *loss = sum / (double)te->rows;
    *accuracy = (double)correct / (double)te->rows;
    return 0;
}

void classifier_init(Problem *pb, float *params, uint64_t seed)
{
    const Classifier *c = (const Classifier *)pb;
    memset(params, 0, pb->n_params * sizeof(float));
    if (c->zero_init) return;
    for (int l = 0; l < c->n_layers; l++) {
        const double bound = 1.0 / sqrt((double)c->width[l]);
        const size_t first = c->views[2 * l].offset, end = c->views[2 * l + 1].offset + (size_t)c->width[l + 1];
        for (size_t i = first; i < end; i++)
            params[i] = (float)((2.0 * rng_uniform(seed, RNG_STREAM_INIT, i) - 1.0) * bound);
    }
}

void classifier_destroy(Problem *pb)
{
    Classifier *c = (Classifier *)pb;
    if (!c) return;
    datasplit_free(&c->data);
    mem_free(c->order);
    mem_free(c->x);
    mem_free(c->y);
    for (int l = 0; l < CLASSIFIER_MAX_LAYERS; l++) {
        mem_free(c->pre[l]);
        mem_free(c->post[l]);
    }
    mem_free(c->probs);
    mem_free(c->dcur);
    mem_free(c->dprev);
    mem_free(c->ref[0]);
    mem_free(c->ref[1]);
    free(c);
}

/* Fills c->base.flops: a minibatch of c->batch rows (no input gradient for
 * the first layer) and an evaluation of every held-out row. */
static void count_flops(Classifier *c)
{
    ProblemFlops *f = &c->base.flops, eval = {0};
    *f = (ProblemFlops){0};
    for (int l = 0; l < c->n_layers; l++) {
        linear_flops(f, (int)c->batch, c->width[l], c->width[l + 1], l > 0);
        linear_flops(&eval, 1, c->width[l], c->width[l + 1], false);
    }
    f->eval = eval.forward * (double)c->data.test.rows;
}

/* Lays out the parameter views and allocates the scratch buffers (freed by
 * classifier_destroy, also when this fails). */
static int build(Classifier *c, char *err, size_t errlen)
{
    int rc = -1;
    const Dataset *tr = &c->data.train;
    const size_t F = tr->features;
    size_t offset = 0, widest = 0, scratch = 0;
    for (int l = 0; l <= c->n_layers; l++) widest = (size_t)c->width[l] > widest ? (size_t)c->width[l] : widest;
    if (c->rows_max * widest > INT_MAX || widest > INT_MAX / 2) {
        snprintf(err, errlen, "%zu rows x %zu features exceed the sizes of a matrix product", c->rows_max, widest);
        return -1;
    }
    for (int l = 0; l < c->n_layers; l++) {
        TensorView *w = &c->views[2 * l], *b = &c->views[2 * l + 1];
        snprintf(w->name, sizeof w->name, "layer%d.weight", l);
        w->offset = offset;
        w->ndim = 2;
        w->shape[0] = (size_t)c->width[l + 1];
        w->shape[1] = (size_t)c->width[l];
        w->role = ROLE_MATRIX;
        offset += w->shape[0] * w->shape[1];
        snprintf(b->name, sizeof b->name, "layer%d.bias", l);
        b->offset = offset;
        b->ndim = 1;
        b->shape[0] = (size_t)c->width[l + 1];
        b->role = ROLE_VECTOR;
        offset += b->shape[0];
        const size_t out = c->rows_max * (size_t)c->width[l + 1] * sizeof(float);
        c->pre[l] = mem_alloc(out);
        if (l + 1 < c->n_layers) c->post[l] = mem_alloc(out);
        scratch += (l + 1 < c->n_layers ? 2 : 1) * out;
        if (!c->pre[l] || (l + 1 < c->n_layers && !c->post[l])) goto cleanup;
    }
    c->base.n_params = offset;
    c->base.views = c->views;
    c->base.n_views = 2 * c->n_layers;
    c->order = mem_alloc(tr->rows * sizeof(uint32_t));
    c->x = mem_alloc(c->rows_max * F * sizeof(float));
    c->y = mem_alloc(c->rows_max * sizeof(int32_t));
    c->probs = mem_alloc(c->rows_max * (size_t)c->width[c->n_layers] * sizeof(float));
    c->dcur = mem_alloc(c->rows_max * widest * sizeof(float));
    c->dprev = mem_alloc(c->rows_max * widest * sizeof(float));
    c->ref[0] = mem_alloc(widest * sizeof(double));
    c->ref[1] = mem_alloc(widest * sizeof(double));
    if (!c->order || !c->x || !c->y || !c->probs || !c->dcur || !c->dprev || !c->ref[0] || !c->ref[1])
        goto cleanup;
    c->base.activation_bytes = scratch + c->rows_max * (F + (size_t)c->width[c->n_layers] + 2 * widest) *
                                             sizeof(float) + c->rows_max * sizeof(int32_t);
    rc = 0;
cleanup:
    if (rc) snprintf(err, errlen, "out of memory for the activations of %zu rows", c->rows_max);
    return rc;
}

Problem *classifier_create(const ParamSet *opts, const int *hidden, int n_hidden, Activation act,
                           int zero_init, char *err, size_t errlen)
{
    int rc = -1;
    Classifier *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (n_hidden + 1 > CLASSIFIER_MAX_LAYERS) {
        snprintf(err, errlen, "%d hidden layers, at most %d allowed", n_hidden, CLASSIFIER_MAX_LAYERS - 1);
        goto cleanup;
    }
    if (datasplit_load(&c->data, opts->text[CLS_OPT_DATASET], opts->text[CLS_OPT_PATH],
                       opts->num[CLS_OPT_TEST_FRACTION], err, errlen) != 0)
        goto cleanup;
    const Dataset *tr = &c->data.train;
    c->n_layers = n_hidden + 1;
    c->width[0] = (int)tr->features;
    for (int l = 0; l < n_hidden; l++) c->width[l + 1] = hidden[l];
    c->width[c->n_layers] = tr->classes;
    c->act = act;
    c->zero_init = zero_init;
    c->batch = (size_t)opts->num[CLS_OPT_BATCH];
    if (c->batch == 0 || c->batch > tr->rows) c->batch = tr->rows;
    c->rows_max = c->data.test.rows < EVAL_ROWS ? c->data.test.rows : EVAL_ROWS;
    if (c->batch > c->rows_max) c->rows_max = c->batch;
    c->order_epoch = UINT64_MAX;
    rc = build(c, err, errlen);
    if (rc == 0) count_flops(c);
cleanup:
    if (rc) {
        classifier_destroy(&c->base);
        return NULL;
    }
    return &c->base;
}
