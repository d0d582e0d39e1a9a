/* transformer_cuda.cu — the CUDA twin of the transformer (transformer.c,
 * transformer_model.c; legend in transformer.h), layer for layer with the
 * layers of layers_cuda.h.
 *
 * The twin keeps a copy of the host problem whose activation buffers
 * (tf_place, the host's layout) point into one device block allocated at
 * create. The training data goes to the device once (chars: the token of
 * every byte of the training text; modadd: the training pairs), and each
 * step draws its minibatch there with the rules of transformer_batch.h, so
 * that a step moves nothing between host and device. eval fills held-out
 * sequences on the host (tf_fill_eval) and copies their tokens over; it sums
 * the per-row losses on the host in the CPU's order.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness/core/cuda/harness_kernels.h"
#include "harness/core/device.h"
#include "problems/cuda/layers_cuda.h"
#include "problems/cuda/layers_launch.h"
#include "problems/cuda/problem_cuda.h"
#include "problems/transformer.h"
#include "problems/transformer_batch.h"

struct ProblemTwin {
    Transformer *host;              /* the host problem: options, data, views */
    Transformer d;                  /* a copy of it whose activation buffers are device memory; only its
                                       sizes, views and those buffers are used */
    float *acts;                    /* device: the block behind d's activation buffers */
    uint8_t *text;                  /* device, chars: the token of every byte of the training text */
    uint32_t *pairs;                /* device, modadd: the training pairs (a*p + b) */
    double *row_loss, *row_correct; /* device: per-row cross-entropy and hits (N) */
    double *scratch;                /* device: REDUCE_SCRATCH doubles */
    double *rows;                   /* host: eval's copy of row_loss and row_correct (2N) */
};

/* tokens/targets (B,T) = minibatch `batch` of the seed; CPU twin: tf_fill_batch.
 * pairs set: modadd (p, n_train); else chars (text, train_len). */
__global__ void fill_batch(int32_t *tokens, int32_t *targets, const uint8_t *text, const uint32_t *pairs,
                           uint64_t seed, uint64_t batch, int B, int T, int p, size_t n_train, size_t train_len)
{
    GRID_STRIDE(i, (size_t)B * T)
    {
        const int r = (int)(i / (size_t)T), t = (int)(i % (size_t)T);
        const uint64_t bits = tf_row_bits(seed, batch, B, r);
        if (pairs) {
            tokens[i] = tf_pair_token(pairs[bits % n_train], p, t, &targets[i]);
        } else {
            const size_t start = tf_window_start(bits, train_len, T);
            tokens[i] = text[start + t];
            targets[i] = text[start + t + 1];
        }
    }
}

/* Shorthands of the model code: a failed layer returns -1 (the reason is in
 * device_error()); W and G are block l's tensor k in params and grads. */
#define TRY(call) \
    do { \
        if ((call) != 0) return -1; \
    } while (0)
#define W(k) TF_AT(tf, params, TF_BLOCK_VIEW(l, k))
#define G(k) TF_AT(tf, grads, TF_BLOCK_VIEW(l, k))

/* Forward pass of `rows` sequences already in d.tokens/targets; per-row
 * losses and hits into row_loss and row_correct. CPU twin: tf_forward. */
static int forward(ProblemTwin *tw, const float *params, int rows)
{
    Transformer *tf = &tw->d;
    const int T = tf->T, C = tf->C, NH = tf->NH, N = rows * T;
    const size_t NC = (size_t)N * C;
    const float *res = tf->x0;
    TRY(encoder_forward_cuda(tf->x0, tf->tokens, TF_AT(tf, params, 0), TF_AT(tf, params, 1), rows, T, C));
    for (int l = 0; l < tf->L; l++) {
        BlockActs *a = &tf->blocks[l];
        TRY(layernorm_forward_cuda(a->ln1, a->ln1_mean, a->ln1_rstd, res, W(TF_LN1_W), W(TF_LN1_B), N, C));
        TRY(linear_forward_cuda(a->qkv, a->ln1, W(TF_QKV_W), W(TF_QKV_B), N, C, 3 * C));
        TRY(attention_forward_cuda(a->atty, a->att, a->qkv, rows, T, C, NH));
        TRY(linear_forward_cuda(tf->branch, a->atty, W(TF_ATTPROJ_W), W(TF_ATTPROJ_B), N, C, C));
        TRY(residual_forward_cuda(a->mid, res, tf->branch, NC));
        TRY(layernorm_forward_cuda(a->ln2, a->ln2_mean, a->ln2_rstd, a->mid, W(TF_LN2_W), W(TF_LN2_B), N, C));
        TRY(linear_forward_cuda(a->fch, a->ln2, W(TF_FC_W), W(TF_FC_B), N, C, 4 * C));
        TRY(activation_forward_cuda(a->fcg, a->fch, 4 * NC, ACT_GELU));
        TRY(linear_forward_cuda(tf->branch, a->fcg, W(TF_FCPROJ_W), W(TF_FCPROJ_B), N, 4 * C, C));
        TRY(residual_forward_cuda(a->out, a->mid, tf->branch, NC));
        res = a->out;
    }
    const int f = TF_LNF_VIEW(tf);
    TRY(layernorm_forward_cuda(tf->lnf, tf->lnf_mean, tf->lnf_rstd, res, TF_AT(tf, params, f),
                               TF_AT(tf, params, f + 1), N, C));
    TRY(linear_forward_cuda(tf->logits, tf->lnf, TF_AT(tf, params, 0), NULL, N, C, tf->V));
    return softmax_xent_forward_cuda(tf->probs, tw->row_correct, tf->logits, tf->targets, N, tf->V, tw->row_loss);
}

/* Gradient of the mean loss of the last forward (rows sequences, counted
 * rows with a target) into grads. CPU twin: tf_backward. */
static int backward(ProblemTwin *tw, const float *params, float *grads, int rows, long counted)
{
    Transformer *tf = &tw->d;
    const int T = tf->T, C = tf->C, NH = tf->NH, N = rows * T;
    const size_t NC = (size_t)N * C;
    const int f = TF_LNF_VIEW(tf);
    float *dwte = TF_AT(tf, grads, 0);
    TRY(softmax_xent_backward_cuda(tf->dlogits, tf->probs, tf->targets, N, tf->V, 1.0f / (float)counted));
    TRY(linear_backward_cuda(tf->dln, dwte, NULL, tf->dlogits, tf->lnf, TF_AT(tf, params, 0), N, C, tf->V));
    TRY(layernorm_backward_cuda(tf->dres, TF_AT(tf, grads, f), TF_AT(tf, grads, f + 1), tf->dln,
                                tf->blocks[tf->L - 1].out, TF_AT(tf, params, f), tf->lnf_mean, tf->lnf_rstd, N, C));
    for (int l = tf->L - 1; l >= 0; l--) {
        const BlockActs *a = &tf->blocks[l];
        const float *res = l ? tf->blocks[l - 1].out : tf->x0;
        /* MLP branch: dres is the gradient of a->out and of the branch's output */
        TRY(linear_backward_cuda(tf->dfc, G(TF_FCPROJ_W), G(TF_FCPROJ_B), tf->dres, a->fcg, W(TF_FCPROJ_W), N, 4 * C,
                                 C));
        TRY(activation_backward_cuda(tf->dfc, tf->dfc, a->fch, 4 * NC, ACT_GELU));
        TRY(linear_backward_cuda(tf->dln, G(TF_FC_W), G(TF_FC_B), tf->dfc, a->ln2, W(TF_FC_W), N, C, 4 * C));
        TRY(layernorm_backward_cuda(tf->dbranch, G(TF_LN2_W), G(TF_LN2_B), tf->dln, a->mid, W(TF_LN2_W), a->ln2_mean,
                                    a->ln2_rstd, N, C));
        TRY(residual_backward_cuda(tf->dres, tf->dres, tf->dbranch, NC));
        /* attention branch: dres is now the gradient of a->mid */
        TRY(linear_backward_cuda(tf->dln, G(TF_ATTPROJ_W), G(TF_ATTPROJ_B), tf->dres, a->atty, W(TF_ATTPROJ_W), N, C,
                                 C));
        TRY(attention_backward_cuda(tf->dqkv, tf->datt, tf->dln, a->qkv, a->att, rows, T, C, NH));
        TRY(linear_backward_cuda(tf->dln, G(TF_QKV_W), G(TF_QKV_B), tf->dqkv, a->ln1, W(TF_QKV_W), N, C, 3 * C));
        TRY(layernorm_backward_cuda(tf->dbranch, G(TF_LN1_W), G(TF_LN1_B), tf->dln, res, W(TF_LN1_W), a->ln1_mean,
                                    a->ln1_rstd, N, C));
        TRY(residual_backward_cuda(tf->dres, tf->dres, tf->dbranch, NC));
    }
    return encoder_backward_cuda(dwte, TF_AT(tf, grads, 1), tf->dres, tf->tokens, rows, T, C, tf->V);
}

#undef TRY
#undef W
#undef G

static int loss_and_grad(ProblemTwin *tw, const float *params, float *grads, double *loss, uint64_t seed,
                         uint64_t batch)
{
    const Transformer *tf = tw->host;
    const size_t N = (size_t)tf->B * tf->T;
    const long counted = tf_batch_counted(tf);
    fill_batch<<<blocks_for(N), LAYER_THREADS>>>(tw->d.tokens, tw->d.targets, tw->text, tw->pairs, seed, batch, tf->B,
                                                 tf->T, tf->p, tf->n_train, tf->train_len);
    if (!LAUNCH_OK("fill_batch") || forward(tw, params, tf->B) != 0 ||
        reduce_sum_cuda(loss, tw->row_loss, N, (double)counted, tw->scratch) != 0)
        return -1;
    return backward(tw, params, grads, tf->B, counted);
}

static int eval(ProblemTwin *tw, const float *params, double *loss, double *accuracy)
{
    Transformer *tf = tw->host;
    double sum = 0;
    long counted = 0, correct = 0;
    int rows;
    for (size_t first = 0; (rows = tf_fill_eval(tf, first)) > 0; first += (size_t)rows) {
        const size_t n = (size_t)rows * tf->T;
        if (!CUDA_OK(cudaMemcpy(tw->d.tokens, tf->tokens, n * sizeof(int32_t), cudaMemcpyHostToDevice)) ||
            !CUDA_OK(cudaMemcpy(tw->d.targets, tf->targets, n * sizeof(int32_t), cudaMemcpyHostToDevice)) ||
            forward(tw, params, rows) != 0 ||
            !CUDA_OK(cudaMemcpy(tw->rows, tw->row_loss, n * sizeof(double), cudaMemcpyDeviceToHost)) ||
            !CUDA_OK(cudaMemcpy(tw->rows + n, tw->row_correct, n * sizeof(double), cudaMemcpyDeviceToHost)))
            return -1;
        double part = 0; /* the sequences' loss, summed as softmax_xent_forward sums it */
        for (size_t i = 0; i < n; i++) {
            part += tw->rows[i];
            counted += tf->targets[i] >= 0;
            correct += tw->rows[n + i] != 0;
        }
        sum += part;
    }
    if (counted == 0) return 1;
    *loss = sum / (double)counted;
    *accuracy = (double)correct / (double)counted;
    return 0;
}

static void destroy(ProblemTwin *tw)
{
    if (!tw) return;
    dev_free(tw->acts);
    dev_free(tw->text);
    dev_free(tw->pairs);
    dev_free(tw->row_loss);
    dev_free(tw->row_correct);
    dev_free(tw->scratch);
    free(tw->rows);
    free(tw);
}

static ProblemTwin *create(Problem *pb, char *err, size_t errlen)
{
    Transformer *tf = (Transformer *)pb;
    const size_t N = (size_t)tf->B * tf->T;
    const int chars = tf->task == TASK_CHARS;
    int rc = -1, ok;
    uint8_t *tokens = NULL; /* host, chars: the training text as tokens */
    ProblemTwin *tw = (ProblemTwin *)calloc(1, sizeof *tw);
    if (!tw) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    tw->host = tf;
    tw->d = *tf;
    const size_t floats = tf_place(&tw->d, NULL);
    if (!(tw->rows = (double *)malloc(2 * N * sizeof(double))) ||
        (chars && !(tokens = (uint8_t *)malloc(tf->train_len)))) {
        snprintf(err, errlen, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; chars && i < tf->train_len; i++) tokens[i] = (uint8_t)tf->byte_token[(unsigned char)tf->text[i]];
    ok = (tw->acts = (float *)dev_alloc(floats * sizeof(float))) &&
         (tw->row_loss = (double *)dev_alloc(N * sizeof(double))) &&
         (tw->row_correct = (double *)dev_alloc(N * sizeof(double))) &&
         (tw->scratch = (double *)dev_alloc(REDUCE_SCRATCH * sizeof(double)));
    if (ok && chars)
        ok = (tw->text = (uint8_t *)dev_alloc(tf->train_len)) &&
             CUDA_OK(cudaMemcpy(tw->text, tokens, tf->train_len, cudaMemcpyHostToDevice));
    else if (ok)
        ok = (tw->pairs = (uint32_t *)dev_alloc(tf->n_train * sizeof(uint32_t))) &&
             CUDA_OK(cudaMemcpy(tw->pairs, tf->pairs, tf->n_train * sizeof(uint32_t), cudaMemcpyHostToDevice));
    if (!ok) {
        snprintf(err, errlen, "device memory for the data and activations: %s", device_error());
        goto cleanup;
    }
    tf_place(&tw->d, tw->acts);
    tw->d.acts = tw->acts;
    rc = 0;
cleanup:
    free(tokens);
    if (rc) {
        destroy(tw);
        tw = NULL;
    }
    return tw;
}

extern "C" const ProblemCuda transformer_cuda = {create, loss_and_grad, eval, destroy};
