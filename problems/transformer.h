/* transformer.h — the state of a transformer problem, shared by its files:
 * transformer.c (options, create, init, the ProblemDef), transformer_model.c
 * (parameter views, forward and backward), transformer_ref.c (the loss in
 * double for gradcheck) and transformer_tasks.c (the chars and modadd data).
 *
 * Dimension legend: L = layers, C = d_model, NH = heads, T = positions of a
 * sequence (chars: context; modadd: 3, "a b ="), V = vocabulary, B = sequences
 * per minibatch, N = B*T token rows.
 */
#ifndef OPTBENCH_TRANSFORMER_H
#define OPTBENCH_TRANSFORMER_H

#include <stdint.h>

#include "problems/problem.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TF_MAX_LAYERS 32                              /* most blocks */
#define TF_LAYER_TENSORS 12                           /* parameter tensors of one block */
#define TF_MAX_VIEWS (4 + TF_LAYER_TENSORS * TF_MAX_LAYERS) /* wte, wpe, blocks, lnf */
#define TF_BLOCK_ROWS 512                             /* token rows of a block of tf_forward's sequences */

typedef enum { TASK_CHARS, TASK_MODADD } TransformerTask;

/* The tensors of one block, in buffer order (view 2 + l*TF_LAYER_TENSORS + k). */
enum {
    TF_LN1_W, TF_LN1_B, TF_QKV_W, TF_QKV_B, TF_ATTPROJ_W, TF_ATTPROJ_B,
    TF_LN2_W, TF_LN2_B, TF_FC_W, TF_FC_B, TF_FCPROJ_W, TF_FCPROJ_B,
};

/* Activations of one block for N rows; written by the forward, read by the backward. */
typedef struct {
    float *ln1, *ln1_mean, *ln1_rstd; /* LayerNorm before attention (N,C), (N), (N) */
    float *qkv;                       /* query, key, value (N,3C) */
    float *att;                       /* attention probabilities (B,NH,T,T) */
    float *atty;                      /* attention output before its projection (N,C) */
    float *mid;                       /* residual stream after attention (N,C) */
    float *ln2, *ln2_mean, *ln2_rstd; /* LayerNorm before the MLP (N,C), (N), (N) */
    float *fch;                       /* MLP hidden pre-activation (N,4C); the CPU forward replaces
                                         it by GELU's derivative there, all its backward needs */
    float *fcg;                       /* its GELU (N,4C) */
    float *out;                       /* residual stream after the MLP (N,C) */
} BlockActs;

typedef struct {
    Problem base;                     /* common head */
    TensorView views[TF_MAX_VIEWS];   /* wte, wpe, hK.*, lnf.weight, lnf.bias */
    TransformerTask task;             /* chars or modadd */
    int L, C, NH, T, V, B;            /* sizes, as in the legend */
    /* data */
    char *text;                       /* chars: the corpus (mem_alloc) */
    size_t text_len;                  /* its bytes */
    size_t train_len;                 /* the first 90%: training text; the rest is held out */
    int32_t byte_token[256];          /* chars: token of each byte (-1: absent) */
    int p;                            /* modadd: the modulus */
    uint32_t *pairs;                  /* modadd: a*p + b of every pair, train first */
    size_t n_train, n_test;           /* modadd: pairs in each part */
    /* activations (one mem_alloc block, sizes for B sequences) */
    float *acts;                      /* the block that holds every buffer below */
    int32_t *tokens, *targets;        /* inputs and next tokens (N); target < 0: no loss */
    float *x0;                        /* embeddings (N,C): the residual stream into block 0 */
    BlockActs blocks[TF_MAX_LAYERS];  /* per block */
    float *lnf, *lnf_mean, *lnf_rstd; /* final LayerNorm (N,C), (N), (N) */
    float *logits, *probs;            /* head output and its softmax (N,V) */
    float *branch;                    /* a projection output before the residual add; attention scratch (N,C) */
    float *dres;                      /* gradient of the residual stream (N,C) */
    float *dln, *dbranch;             /* gradient scratch (N,C); dbranch also attention scratch */
    float *dqkv;                      /* (N,3C) */
    float *datt;                      /* (B,NH,T,T) */
    float *dfc;                       /* (N,4C) */
    float *dlogits;                   /* (N,V) */
    double *ref;                      /* loss_ref's scratch for one sequence */
    double *block_loss;               /* tf_forward: the summed loss of each block of sequences */
} Transformer;

/* transformer_model.c */
/* Lays out the parameter views for the sizes in tf; returns the float count. */
size_t tf_layout(Transformer *tf);
/* A parameter tensor: view index into a params or grads buffer. */
#define TF_AT(tf, buf, view) ((buf) + (tf)->views[(view)].offset)
#define TF_BLOCK_VIEW(l, k) (2 + (l) * TF_LAYER_TENSORS + (k))
#define TF_LNF_VIEW(tf) (2 + (tf)->L * TF_LAYER_TENSORS)
/* Points every activation buffer of tf into block, a buffer of the float
 * count it returns (NULL: only counts); the CUDA twin places a copy of tf
 * in device memory with it. */
size_t tf_place(Transformer *tf, float *block);
/* Allocates the activations; returns 0 or -1 (out of memory). */
int tf_alloc_acts(Transformer *tf);
/* Forward pass of rows sequences already in tf->tokens/targets; returns the
 * summed loss over rows whose target is set and adds their count to *counted
 * and the rows predicted right to *correct. */
double tf_forward(Transformer *tf, const float *params, int rows, long *counted, long *correct);
/* Gradient of the mean loss of the last forward (rows sequences, counted rows) into grads. */
void tf_backward(Transformer *tf, const float *params, float *grads, int rows, long counted);

/* transformer_ref.c: the loss of the sequences in tf->tokens/targets in
 * double with plain loops (mean over counted rows). */
double tf_loss_ref(Transformer *tf, const float *params, int rows);
/* Doubles of scratch tf_loss_ref needs. */
size_t tf_ref_doubles(const Transformer *tf);

/* transformer_tasks.c */
/* Loads or builds the task's data and sets V and T; returns 0, or -1 with a
 * message (a corpus that is missing, empty or shorter than context + 1). */
int tf_load_task(Transformer *tf, const char *corpus, int context, int p, double train_fraction, char *err,
                 size_t errlen);
/* Fills tf->base.flops: a training minibatch of B sequences, and an
 * evaluation over every held-out sequence tf_fill_eval hands out. */
void tf_count_flops(Transformer *tf);

/* Writes minibatch `batch` of the seed (B training sequences) into tokens/targets. */
void tf_fill_batch(Transformer *tf, uint64_t seed, uint64_t batch);
/* Writes held-out sequences first.. (at most B) into tokens/targets and
 * returns how many; 0 past the end. */
int tf_fill_eval(Transformer *tf, size_t first);
/* Rows of a training minibatch that have a target (every position for
 * chars, the last of each sequence for modadd). */
long tf_batch_counted(const Transformer *tf);
/* Frees the task's data. */
void tf_free_task(Transformer *tf);

#ifdef OPTBENCH_CUDA
/* The CUDA twin (cuda/transformer_cuda.cu). */
extern const ProblemCuda transformer_cuda;
#endif

#ifdef __cplusplus
}
#endif

#endif
