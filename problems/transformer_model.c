/* transformer_model.c — the transformer's parameter views, activation
 * buffers, forward pass and backward pass, built from the layers of
 * layers.h (legend in transformer.h). */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "harness/core/memory.h"
#include "problems/layers.h"
#include "problems/transformer.h"

/* Names and shapes of a block's tensors, as multiples of C (0: 1). */
static const struct {
    const char *name; /* after "hK." */
    int rows, cols;   /* shape in units of C; cols 0: a vector */
} block_tensor[TF_LAYER_TENSORS] = {
    {"ln1.weight", 1, 0}, {"ln1.bias", 1, 0}, {"attn.qkv.weight", 3, 1}, {"attn.qkv.bias", 3, 0},
    {"attn.proj.weight", 1, 1}, {"attn.proj.bias", 1, 0}, {"ln2.weight", 1, 0}, {"ln2.bias", 1, 0},
    {"mlp.fc.weight", 4, 1}, {"mlp.fc.bias", 4, 0}, {"mlp.proj.weight", 1, 4}, {"mlp.proj.bias", 1, 0},
};

/* Appends a view of rows x cols floats (cols 0: a vector of rows) at
 * *offset; a 2-D view is a matrix unless `embedding` says it is a table. */
static void add_view(Transformer *tf, int *v, size_t *offset, const char *name, size_t rows, size_t cols,
                     int embedding)
{
    TensorView *t = &tf->views[(*v)++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->offset = *offset;
    t->ndim = cols ? 2 : 1;
    t->shape[0] = rows;
    t->shape[1] = cols;
    t->role = !cols ? ROLE_VECTOR : embedding ? ROLE_EMBEDDING : ROLE_MATRIX;
    *offset += rows * (cols ? cols : 1);
}

size_t tf_layout(Transformer *tf)
{
    const size_t C = (size_t)tf->C;
    size_t offset = 0;
    int v = 0;
    char name[48];
    add_view(tf, &v, &offset, "wte", (size_t)tf->V, C, 1);
    add_view(tf, &v, &offset, "wpe", (size_t)tf->T, C, 1);
    for (int l = 0; l < tf->L; l++)
        for (int k = 0; k < TF_LAYER_TENSORS; k++) {
            snprintf(name, sizeof name, "h%d.%s", l, block_tensor[k].name);
            add_view(tf, &v, &offset, name, block_tensor[k].rows * C, block_tensor[k].cols * C, 0);
        }
    add_view(tf, &v, &offset, "lnf.weight", C, 0, 0);
    add_view(tf, &v, &offset, "lnf.bias", C, 0, 0);
    tf->base.views = tf->views;
    tf->base.n_views = v;
    return offset;
}

/* Hands out n floats of the activation block at *next and moves *next on;
 * NULL when block is NULL (the sizing pass). */
static float *carve(float *block, size_t *next, size_t n)
{
    float *p = block ? block + *next : NULL;
    *next += (n + 15) & ~(size_t)15; /* 64-byte aligned pieces */
    return p;
}

size_t tf_place(Transformer *tf, float *block)
{
    const size_t N = (size_t)tf->B * tf->T, C = (size_t)tf->C, V = (size_t)tf->V;
    const size_t att = (size_t)tf->B * tf->NH * tf->T * tf->T;
    size_t next = 0;
    tf->tokens = (int32_t *)carve(block, &next, N);
    tf->targets = (int32_t *)carve(block, &next, N);
    tf->x0 = carve(block, &next, N * C);
    for (int l = 0; l < tf->L; l++) {
        BlockActs *a = &tf->blocks[l];
        a->ln1 = carve(block, &next, N * C);
        a->ln1_mean = carve(block, &next, N);
        a->ln1_rstd = carve(block, &next, N);
        a->qkv = carve(block, &next, 3 * N * C);
        a->att = carve(block, &next, att);
        a->atty = carve(block, &next, N * C);
        a->mid = carve(block, &next, N * C);
        a->ln2 = carve(block, &next, N * C);
        a->ln2_mean = carve(block, &next, N);
        a->ln2_rstd = carve(block, &next, N);
        a->fch = carve(block, &next, 4 * N * C);
        a->fcg = carve(block, &next, 4 * N * C);
        a->out = carve(block, &next, N * C);
    }
    tf->lnf = carve(block, &next, N * C);
    tf->lnf_mean = carve(block, &next, N);
    tf->lnf_rstd = carve(block, &next, N);
    tf->logits = carve(block, &next, N * V);
    tf->probs = carve(block, &next, N * V);
    tf->branch = carve(block, &next, N * C);
    tf->dres = carve(block, &next, N * C);
    tf->dln = carve(block, &next, N * C);
    tf->dbranch = carve(block, &next, N * C);
    tf->dqkv = carve(block, &next, 3 * N * C);
    tf->datt = carve(block, &next, att);
    tf->dfc = carve(block, &next, 4 * N * C);
    tf->dlogits = carve(block, &next, N * V);
    return next;
}

/* Sequences of one block of the forward: TF_BLOCK_ROWS token rows, whole
 * sequences, at least one. */
static int block_seqs(const Transformer *tf) { return TF_BLOCK_ROWS / tf->T > 1 ? TF_BLOCK_ROWS / tf->T : 1; }

int tf_alloc_acts(Transformer *tf)
{
    const size_t floats = tf_place(tf, NULL);
    tf->acts = mem_alloc(floats * sizeof(float));
    tf->block_loss = mem_alloc(((size_t)tf->B / block_seqs(tf) + 1) * sizeof(double));
    if (!tf->acts || !tf->block_loss) return -1;
    tf_place(tf, tf->acts);
    tf->base.activation_bytes = floats * sizeof(float);
    return 0;
}

/* The forward of `rows` sequences from sequence `first` on (every buffer at
 * their rows), llm.c style, with each residual add fused into the LayerNorm
 * that reads its sum (the next block's ln1, or lnf) and GELU keeping its
 * derivative in fch for the backward:
 *   x0 = wte[tokens] + wpe;  ln1 = LN(x0)
 *   per block: qkv = ln1 W^T + b;  atty = attention(qkv);  mid = res + atty Wp^T + bp;
 *              ln2 = LN(mid);  fcg = GELU(ln2 Wf^T + bf);  out = mid + fcg Wfp^T + bfp;
 *              ln1 of the next block (or lnf) = LN(out)
 *   logits = lnf wte^T;  loss = cross-entropy(softmax(logits))
 * Returns the summed loss and adds to *counted and *correct. */
static double forward_seqs(Transformer *tf, const float *params, int first, int rows, long *counted, long *correct)
{
    const int T = tf->T, C = tf->C, NH = tf->NH, V = tf->V, N = rows * T, f = TF_LNF_VIEW(tf);
    const size_t o = (size_t)first * T, oa = (size_t)first * NH * T * T; /* first row, first attention row */
    const int32_t *tokens = tf->tokens + o, *targets = tf->targets + o;
    float *x0 = tf->x0 + o * C, *branch = tf->branch + o * C, *lnf = tf->lnf + o * C;
    float *lnf_mean = tf->lnf_mean + o, *lnf_rstd = tf->lnf_rstd + o;
    encoder_forward(x0, tokens, TF_AT(tf, params, 0), TF_AT(tf, params, 1), rows, T, C);
#define W(l, k) TF_AT(tf, params, TF_BLOCK_VIEW(l, k))
    if (tf->L) layernorm_forward(tf->blocks[0].ln1 + o * C, tf->blocks[0].ln1_mean + o, tf->blocks[0].ln1_rstd + o,
                                 x0, W(0, TF_LN1_W), W(0, TF_LN1_B), N, C);
    else layernorm_forward(lnf, lnf_mean, lnf_rstd, x0, TF_AT(tf, params, f), TF_AT(tf, params, f + 1), N, C);
    for (int l = 0; l < tf->L; l++) {
        const BlockActs *a = &tf->blocks[l];
        const float *res = l ? tf->blocks[l - 1].out + o * C : x0;
        float *qkv = a->qkv + o * 3 * C, *atty = a->atty + o * C, *mid = a->mid + o * C, *out = a->out + o * C;
        float *ln2 = a->ln2 + o * C, *fch = a->fch + o * 4 * C, *fcg = a->fcg + o * 4 * C;
        linear_forward(qkv, a->ln1 + o * C, W(l, TF_QKV_W), W(l, TF_QKV_B), N, C, 3 * C);
        attention_forward(atty, a->att + oa, branch, qkv, rows, T, C, NH); /* branch: scratch here */
        linear_forward(branch, atty, W(l, TF_ATTPROJ_W), W(l, TF_ATTPROJ_B), N, C, C);
        residual_layernorm_forward(mid, ln2, a->ln2_mean + o, a->ln2_rstd + o, res, branch, W(l, TF_LN2_W),
                                   W(l, TF_LN2_B), N, C);
        linear_forward(fch, ln2, W(l, TF_FC_W), W(l, TF_FC_B), N, C, 4 * C);
        gelu_forward_keep(fcg, fch, fch, (size_t)N * 4 * C);
        linear_forward(branch, fcg, W(l, TF_FCPROJ_W), W(l, TF_FCPROJ_B), N, 4 * C, C);
        if (l + 1 < tf->L) {
            const BlockActs *next = &tf->blocks[l + 1];
            residual_layernorm_forward(out, next->ln1 + o * C, next->ln1_mean + o, next->ln1_rstd + o, mid, branch,
                                       W(l + 1, TF_LN1_W), W(l + 1, TF_LN1_B), N, C);
        } else {
            residual_layernorm_forward(out, lnf, lnf_mean, lnf_rstd, mid, branch, TF_AT(tf, params, f),
                                       TF_AT(tf, params, f + 1), N, C);
        }
    }
#undef W
    linear_forward(tf->logits + o * V, lnf, TF_AT(tf, params, 0), NULL, N, C, V);
    for (int n = 0; n < N; n++) *counted += targets[n] >= 0;
    return softmax_xent_forward(tf->probs + o * V, correct, tf->logits + o * V, targets, N, V);
}

/* Blocks of sequences through the whole model, one block per thread at a
 * time: a step's forward is one parallel region with no barrier between
 * layers. The blocks are fixed by the sizes alone and their losses summed
 * in block order, so results do not depend on the thread count. */
double tf_forward(Transformer *tf, const float *params, int rows, long *counted, long *correct)
{
    const int per = block_seqs(tf), blocks = (rows + per - 1) / per;
    long cnt = 0, hits = 0;
    double loss = 0;
    #pragma omp parallel for schedule(dynamic, 1) reduction(+ : cnt, hits) if (blocks > 1 && omp_get_max_threads() > 1)
    for (int k = 0; k < blocks; k++)
        tf->block_loss[k] = forward_seqs(tf, params, k * per, rows - k * per < per ? rows - k * per : per, &cnt, &hits);
    for (int k = 0; k < blocks; k++) loss += tf->block_loss[k];
    *counted += cnt;
    *correct += hits;
    return loss;
}

/* The backward of tf_forward; dres is the gradient of the residual stream,
 * each LayerNorm on it adding its input gradient there (the residual's
 * backward folded in), and GELU's backward fused with the column sums of
 * the fc bias. */
void tf_backward(Transformer *tf, const float *params, float *grads, int rows, long counted)
{
    const int T = tf->T, C = tf->C, NH = tf->NH, N = rows * T;
    const int f = TF_LNF_VIEW(tf);
    float *dwte = TF_AT(tf, grads, 0);
    softmax_xent_backward(tf->dlogits, tf->probs, tf->targets, N, tf->V, 1.0f / (float)counted);
    linear_backward(tf->dln, dwte, NULL, tf->dlogits, tf->lnf, TF_AT(tf, params, 0), N, C, tf->V);
    layernorm_backward(tf->dres, TF_AT(tf, grads, f), TF_AT(tf, grads, f + 1), tf->dln,
                       tf->L ? tf->blocks[tf->L - 1].out : tf->x0, TF_AT(tf, params, f), tf->lnf_mean,
                       tf->lnf_rstd, N, C);
    for (int l = tf->L - 1; l >= 0; l--) {
        const BlockActs *a = &tf->blocks[l];
        const float *res = l ? tf->blocks[l - 1].out : tf->x0;
#define W(k) TF_AT(tf, params, TF_BLOCK_VIEW(l, k))
#define G(k) TF_AT(tf, grads, TF_BLOCK_VIEW(l, k))
        /* MLP branch: dres is the gradient of a->out and of the branch's output */
        linear_backward(tf->dfc, G(TF_FCPROJ_W), G(TF_FCPROJ_B), tf->dres, a->fcg, W(TF_FCPROJ_W), N, 4 * C, C);
        gelu_backward_colsum(tf->dfc, G(TF_FC_B), tf->dfc, a->fch, N, 4 * C); /* fch: GELU' there */
        linear_backward(tf->dln, G(TF_FC_W), NULL, tf->dfc, a->ln2, W(TF_FC_W), N, C, 4 * C);
        layernorm_backward_add(tf->dres, G(TF_LN2_W), G(TF_LN2_B), tf->dln, a->mid, W(TF_LN2_W), a->ln2_mean,
                               a->ln2_rstd, N, C);
        /* attention branch: dres is now the gradient of a->mid */
        linear_backward(tf->dln, G(TF_ATTPROJ_W), G(TF_ATTPROJ_B), tf->dres, a->atty, W(TF_ATTPROJ_W), N, C, C);
        attention_backward(tf->dqkv, tf->datt, tf->dbranch, tf->dln, a->qkv, a->att, rows, T, C, NH);
        linear_backward(tf->dln, G(TF_QKV_W), G(TF_QKV_B), tf->dqkv, a->ln1, W(TF_QKV_W), N, C, 3 * C);
        layernorm_backward_add(tf->dres, G(TF_LN1_W), G(TF_LN1_B), tf->dln, res, W(TF_LN1_W), a->ln1_mean,
                               a->ln1_rstd, N, C);
#undef W
#undef G
    }
    encoder_backward(dwte, TF_AT(tf, grads, 1), tf->dres, tf->tokens, rows, T, C);
}

/* Adds the FLOPs of tf_forward and tf_backward on `rows` sequences. */
static void model_flops(const Transformer *tf, ProblemFlops *f, int rows)
{
    const int N = rows * tf->T, C = tf->C;
    for (int l = 0; l < tf->L; l++) {
        linear_flops_paired(f, N, C, 3 * C);
        attention_flops(f, rows, tf->T, C);
        linear_flops_paired(f, N, C, C);
        linear_flops_paired(f, N, C, 4 * C);
        linear_flops_paired(f, N, 4 * C, C);
    }
    linear_flops_paired(f, N, C, tf->V);
}

void tf_count_flops(Transformer *tf)
{
    ProblemFlops *f = &tf->base.flops, eval = {0};
    size_t sequences = 0;
    int rows;
    *f = (ProblemFlops){0};
    model_flops(tf, f, tf->B);
    for (size_t first = 0; (rows = tf_fill_eval(tf, first)) > 0; first += (size_t)rows) sequences += (size_t)rows;
    model_flops(tf, &eval, 1);
    f->eval = eval.forward * (double)sequences;
}
