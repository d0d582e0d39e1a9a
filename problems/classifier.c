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

/* Forward pass of rows [first, end) of x, on the calling thread: their
 * activations into the same rows of pre and post, their softmax into
 * probs; returns their summed loss and adds the rows classified right to
 * *correct. */
static double forward_rows(Classifier *c, const float *params, const float *x, const int32_t *y, int first, int end,
                           long *correct)
{
    const int L = c->n_layers, n = end - first, V = c->width[L];
    const float *in = x + (size_t)first * c->width[0];
    for (int l = 0; l < L; l++) {
        const int OC = c->width[l + 1];
        const float *w = params + c->views[2 * l].offset, *b = params + c->views[2 * l + 1].offset;
        float *pre = c->pre[l] + (size_t)first * OC;
        linear_forward(pre, in, w, b, n, c->width[l], OC);
        if (l + 1 < L) {
            float *post = c->post[l] + (size_t)first * OC;
            activation_forward(post, pre, (size_t)n * OC, c->act);
            in = post;
        }
    }
    return softmax_xent_forward(c->probs + (size_t)first * V, correct, c->pre[L - 1] + (size_t)first * V, y + first,
                                n, V);
}

/* The row blocks of a minibatch of rows rows. */
static int row_blocks(int rows) { return (rows + CLS_ROW_BLOCK - 1) / CLS_ROW_BLOCK; }

/* Row block k of `rows` rows: rows [*first, *end). */
static void row_block(int k, int rows, int *first, int *end)
{
    *first = k * CLS_ROW_BLOCK;
    *end = rows - *first < CLS_ROW_BLOCK ? rows : *first + CLS_ROW_BLOCK;
}

/* Whether a step on `rows` rows is worth a team of threads. */
static int threaded(const Classifier *c, int rows)
{
    return (double)rows >= c->par_min_rows;
}

/* Forward pass of `rows` rows of x, row block by row block over the
 * threads; returns the summed loss (the blocks' sums added in block order)
 * and adds the rows classified right to *correct. */
static double forward(Classifier *c, const float *params, const float *x, const int32_t *y, int rows, long *correct)
{
    const int blocks = row_blocks(rows);
    long hits = 0;
    double loss = 0;
    #pragma omp parallel for schedule(static) reduction(+ : hits) if (blocks > 1 && threaded(c, rows))
    for (int k = 0; k < blocks; k++) {
        int first, end;
        row_block(k, rows, &first, &end);
        c->block_loss[k] = forward_rows(c, params, x, y, first, end, &hits);
    }
    for (int k = 0; k < blocks; k++) loss += c->block_loss[k];
    *correct += hits;
    return loss;
}

/* The gradient of the loss times scale at every linear output of rows
 * [first, end) of the last forward on c->x (into the same rows of dpre),
 * from the softmax down to the first layer; on the calling thread. */
static void output_grads(Classifier *c, const float *params, int first, int end, float scale)
{
    const int L = c->n_layers, n = end - first, V = c->width[L];
    softmax_xent_backward(c->dpre[L - 1] + (size_t)first * V, c->probs + (size_t)first * V, c->y + first, n, V, scale);
    for (int l = L - 1; l > 0; l--) {
        const int C = c->width[l], OC = c->width[l + 1];
        float *dinp = c->dpre[l - 1] + (size_t)first * C;
        gemm_rows(false, false, n, C, OC, c->dpre[l] + (size_t)first * OC, OC, params + c->views[2 * l].offset, C, false,
                  dinp, C, NULL, 1);
        activation_backward(dinp, dinp, c->pre[l - 1] + (size_t)first * C, (size_t)n * C, c->act);
    }
}

/* GradBlock g of the parameter gradient from the `rows` rows of dpre and
 * the layers' inputs; on the calling thread. */
static void grad_block(Classifier *c, float *grads, int rows, const GradBlock *g)
{
    const int l = g->layer, C = c->width[l], OC = c->width[l + 1];
    if (g->first < 0) {
        column_sums(grads + c->views[2 * l + 1].offset, c->dpre[l], rows, OC);
        return;
    }
    const float *in = l ? c->post[l - 1] : c->x;
    /* dweight (OC, C) = dpre (rows, OC)^T . in (rows, C), columns [first, end) */
    gemm_rows(true, false, OC, g->end - g->first, rows, c->dpre[l], OC, in + g->first, C, false,
              grads + c->views[2 * l].offset + g->first, C, NULL, 1);
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

/* Copies rows [first, end) of the minibatch whose rows are order[from ..]
 * into the same rows of c->x and c->y. */
static void gather(Classifier *c, size_t from, int first, int end)
{
    const Dataset *tr = &c->data.train;
    const size_t F = tr->features;
    for (int r = first; r < end; r++) {
        const size_t src = c->order[from + (size_t)r];
        memcpy(c->x + (size_t)r * F, tr->x + src * F, F * sizeof(float));
        c->y[r] = tr->y[src];
    }
}

double classifier_loss_and_grad(Problem *pb, const float *params, float *grads, uint64_t seed,
                                uint64_t batch)
{
    Classifier *c = (Classifier *)pb;
    size_t from;
    const int rows = classifier_batch(c, seed, batch, &from), blocks = row_blocks(rows);
    double loss = 0;
    #pragma omp parallel if (threaded(c, rows))
    {
        /* each row block from its gathered rows to its gradients at the layers' outputs */
        #pragma omp for schedule(static)
        for (int k = 0; k < blocks; k++) {
            int first, end;
            long correct = 0;
            row_block(k, rows, &first, &end);
            gather(c, from, first, end);
            c->block_loss[k] = forward_rows(c, params, c->x, c->y, first, end, &correct);
            output_grads(c, params, first, end, 1.0f / (float)rows);
        }
        /* then the sums over every row, largest pieces first */
        #pragma omp for schedule(dynamic, 1)
        for (int g = 0; g < c->n_grad_blocks; g++) grad_block(c, grads, rows, &c->grad_blocks[g]);
    }
    for (int k = 0; k < blocks; k++) loss += c->block_loss[k];
    return loss / rows;
}

/* The activation in double, for the reference loss. */
static double activation_ref(double x, Activation act)
{
    switch (act) {
    case ACT_GELU: return gelu_ref(x);
    case ACT_TANH: return tanh(x);
    default: return x > 0 ? x : 0;
    }
}

double classifier_loss_ref(Problem *pb, const float *params, uint64_t seed, uint64_t batch)
{
    Classifier *c = (Classifier *)pb;
    size_t from;
    const int rows = classifier_batch(c, seed, batch, &from), L = c->n_layers, V = c->width[L];
    gather(c, from, 0, rows);
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
        mem_free(c->dpre[l]);
    }
    mem_free(c->probs);
    mem_free(c->block_loss);
    mem_free(c->grad_blocks);
    mem_free(c->ref[0]);
    mem_free(c->ref[1]);
    free(c);
}

/* Fills c->base.flops: a minibatch of c->batch rows (no input gradient for
 * the first layer) and an evaluation of every held-out row; and
 * c->par_min_rows, the rows whose step reaches GEMM_PAR_MIN_FLOPS. The
 * product shapes are those classifier_loss_and_grad computes, each one
 * single-threaded sgemm: loop 1 has a unit per row block (its forward,
 * layer by layer, then its input gradients from the top down: output_grads),
 * loop 2 a unit per column block of a weight gradient (grad_block), in the
 * order of c->grad_blocks (build plans them first). */
static void count_flops(Classifier *c)
{
    ProblemFlops *f = &c->base.flops, eval = {0};
    const int L = c->n_layers, rows = (int)c->batch, blocks = row_blocks(rows);
    *f = (ProblemFlops){0};
    for (int l = 0; l < L; l++) {
        linear_flops(f, rows, c->width[l], c->width[l + 1], l > 0);
        linear_flops(&eval, 1, c->width[l], c->width[l + 1], false);
    }
    f->eval = eval.forward * (double)c->data.test.rows;
    c->par_min_rows = GEMM_PAR_MIN_FLOPS / ((f->forward + f->backward) / (double)c->batch);
    for (int k = 0; k < blocks; k++) {
        int first, end;
        row_block(k, rows, &first, &end);
        for (int l = 0; l < L; l++) /* pre (n, OC) = in (n, C) . weight (OC, C)^T */
            flops_add_gemm(f, (GemmShape){false, true, end - first, c->width[l + 1], c->width[l], 1, false, 1, k});
        for (int l = L - 1; l > 0; l--) /* dinp (n, C) = dpre (n, OC) . weight (OC, C) */
            flops_add_gemm(f, (GemmShape){false, false, end - first, c->width[l], c->width[l + 1], 1, false, 1, k});
    }
    for (int i = 0, unit = 0; i < c->n_grad_blocks; i++) {
        const GradBlock *g = &c->grad_blocks[i];
        if (g->first >= 0) /* dweight (OC, end - first) = dpre (rows, OC)^T . in (rows, end - first) */
            flops_add_gemm(f, (GemmShape){true, false, c->width[g->layer + 1], g->end - g->first, rows, 1, false, 2,
                                          unit++});
    }
}

/* Larger pieces first (ties in layer and column order). */
static int cmp_grad_blocks(const void *pa, const void *pb)
{
    const GradBlock *a = pa, *b = pb;
    if (a->cost != b->cost) return a->cost > b->cost ? -1 : 1;
    if (a->layer != b->layer) return a->layer - b->layer;
    return a->first - b->first;
}

/* Cuts every layer's weight gradient into column blocks of at most
 * CLS_GRAD_COLS columns, as even as whole columns allow, plus one bias
 * block each, into c->grad_blocks (largest first); -1 without memory. */
static int plan_grad_blocks(Classifier *c)
{
    int n = 0;
    for (int l = 0; l < c->n_layers; l++) n += (c->width[l] + CLS_GRAD_COLS - 1) / CLS_GRAD_COLS + 1;
    if (!(c->grad_blocks = mem_alloc((size_t)n * sizeof(GradBlock)))) return -1;
    c->n_grad_blocks = 0;
    for (int l = 0; l < c->n_layers; l++) {
        const int C = c->width[l], pieces = (C + CLS_GRAD_COLS - 1) / CLS_GRAD_COLS;
        for (int k = 0; k < pieces; k++) {
            const int first = (int)((long)C * k / pieces), end = (int)((long)C * (k + 1) / pieces);
            c->grad_blocks[c->n_grad_blocks++] = (GradBlock){l, first, end, (long)c->width[l + 1] * (end - first)};
        }
        c->grad_blocks[c->n_grad_blocks++] = (GradBlock){l, -1, -1, c->width[l + 1]};
    }
    qsort(c->grad_blocks, (size_t)c->n_grad_blocks, sizeof(GradBlock), cmp_grad_blocks);
    return 0;
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
        c->dpre[l] = mem_alloc(out);
        if (l + 1 < c->n_layers) c->post[l] = mem_alloc(out);
        scratch += (l + 1 < c->n_layers ? 3 : 2) * out;
        if (!c->pre[l] || !c->dpre[l] || (l + 1 < c->n_layers && !c->post[l])) goto cleanup;
    }
    c->base.n_params = offset;
    c->base.views = c->views;
    c->base.n_views = 2 * c->n_layers;
    c->order = mem_alloc(tr->rows * sizeof(uint32_t));
    c->x = mem_alloc(c->rows_max * F * sizeof(float));
    c->y = mem_alloc(c->rows_max * sizeof(int32_t));
    c->probs = mem_alloc(c->rows_max * (size_t)c->width[c->n_layers] * sizeof(float));
    const size_t blocks = (size_t)row_blocks((int)c->rows_max);
    c->block_loss = mem_alloc(blocks * sizeof(double));
    c->ref[0] = mem_alloc(widest * sizeof(double));
    c->ref[1] = mem_alloc(widest * sizeof(double));
    if (!c->order || !c->x || !c->y || !c->probs || !c->block_loss || !c->ref[0] || !c->ref[1] ||
        plan_grad_blocks(c) != 0)
        goto cleanup;
    c->base.activation_bytes = scratch + c->rows_max * (F + (size_t)c->width[c->n_layers]) * sizeof(float) +
                               c->rows_max * sizeof(int32_t) + blocks * sizeof(double);
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
