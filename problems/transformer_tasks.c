/* transformer_tasks.c — the data of the transformer's two tasks.
 *
 * chars: a text corpus read whole; the vocabulary is the bytes present, in
 * byte order. The first 90% (by bytes) is training text, the rest is held
 * out. A training sequence is a window of T bytes at a start drawn from
 * (seed, minibatch, row), the targets the bytes one further. The held-out
 * text (its first TF_EVAL_CHARS bytes) is cut into consecutive windows of T
 * inputs; every byte after the first is predicted once.
 *
 * modadd: tokens 0..p-1 are numbers and p is "="; the sequence of a pair is
 * "a b =" and only its last position has a target, (a + b) mod p. The p^2
 * pairs are shuffled once (the same for every seed) and the first
 * round(train_fraction * p^2) of them are the training set; minibatch rows are
 * drawn from it uniformly, with replacement, from (seed, minibatch, row).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/core/memory.h"
#include "harness/core/rng.h"
#include "problems/data.h"
#include "problems/transformer.h"
#include "problems/transformer_batch.h"

#define TF_EVAL_CHARS 131072 /* held-out bytes that eval reads at most */
#define SPLIT_SEED 0         /* the modadd shuffle, the same for every run seed */
#define DEFAULT_CORPUS "data/kjv.txt"

/* Reads the corpus and builds the byte vocabulary. */
static int load_chars(Transformer *tf, const char *path, int context, char *err, size_t errlen)
{
    if (data_read_file(path, &tf->text, &tf->text_len, err, errlen) != 0) {
        if (!strcmp(path, DEFAULT_CORPUS)) {
            const size_t used = strlen(err);
            snprintf(err + used, errlen - used, " (make data writes it)");
        }
        return -1;
    }
    const size_t need = (size_t)context + 1;
    tf->train_len = tf->text_len / 10 * 9 + tf->text_len % 10 * 9 / 10;
    if (tf->text_len == 0) {
        snprintf(err, errlen, "%s: byte 0: empty corpus", path);
        return -1;
    }
    if (tf->text_len < need) {
        snprintf(err, errlen, "%s: byte %zu: corpus ends before context + 1 = %zu bytes", path, tf->text_len, need);
        return -1;
    }
    if (tf->train_len < need) {
        snprintf(err, errlen, "%s: byte %zu: the training part (first 90%%) ends before context + 1 = %zu bytes",
                 path, tf->train_len, need);
        return -1;
    }
    for (int c = 0; c < 256; c++) tf->byte_token[c] = -1;
    for (size_t i = 0; i < tf->text_len; i++) tf->byte_token[(unsigned char)tf->text[i]] = 0;
    tf->V = 0;
    for (int c = 0; c < 256; c++)
        if (tf->byte_token[c] == 0) tf->byte_token[c] = tf->V++;
    tf->T = context;
    return 0;
}

/* Shuffles every pair of the modulus p and splits them. */
static int load_modadd(Transformer *tf, int p, double train_fraction, char *err, size_t errlen)
{
    const size_t n = (size_t)p * (size_t)p;
    tf->p = p;
    tf->V = p + 1;
    tf->T = 3;
    tf->pairs = mem_alloc(n * sizeof(uint32_t));
    if (!tf->pairs) {
        snprintf(err, errlen, "out of memory for %zu pairs", n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) tf->pairs[i] = (uint32_t)i;
    for (size_t i = n - 1; i > 0; i--) {
        const size_t j = rng_bits(SPLIT_SEED, RNG_STREAM_SPLIT, i) % (i + 1);
        const uint32_t t = tf->pairs[i];
        tf->pairs[i] = tf->pairs[j];
        tf->pairs[j] = t;
    }
    tf->n_train = (size_t)llround(train_fraction * (double)n);
    if (tf->n_train == 0) {
        snprintf(err, errlen, "train_fraction %g of %zu pairs leaves no training pair", train_fraction, n);
        return -1;
    }
    tf->n_test = n - tf->n_train;
    return 0;
}

int tf_load_task(Transformer *tf, const char *corpus, int context, int p, double train_fraction, char *err,
                 size_t errlen)
{
    if (tf->task == TASK_CHARS) return load_chars(tf, corpus[0] ? corpus : DEFAULT_CORPUS, context, err, errlen);
    return load_modadd(tf, p, train_fraction, err, errlen);
}

/* Writes the sequence of pair k (a*p + b) into row r. */
static void put_pair(Transformer *tf, int r, uint32_t k)
{
    int32_t *tok = tf->tokens + (size_t)r * 3, *tgt = tf->targets + (size_t)r * 3;
    for (int t = 0; t < 3; t++) tok[t] = tf_pair_token(k, tf->p, t, &tgt[t]);
}

/* Writes len bytes of text at start into row r (inputs) and the bytes one
 * further (targets); positions from len on are padding without a target. */
static void put_window(Transformer *tf, int r, size_t start, int len)
{
    int32_t *tok = tf->tokens + (size_t)r * tf->T, *tgt = tf->targets + (size_t)r * tf->T;
    for (int t = 0; t < tf->T; t++) {
        tok[t] = t < len ? tf->byte_token[(unsigned char)tf->text[start + t]] : 0;
        tgt[t] = t < len ? tf->byte_token[(unsigned char)tf->text[start + t + 1]] : -1;
    }
}

void tf_fill_batch(Transformer *tf, uint64_t seed, uint64_t batch)
{
    for (int r = 0; r < tf->B; r++) {
        const uint64_t bits = tf_row_bits(seed, batch, tf->B, r);
        if (tf->task == TASK_MODADD) put_pair(tf, r, tf->pairs[bits % tf->n_train]);
        else put_window(tf, r, tf_window_start(bits, tf->train_len, tf->T), tf->T);
    }
}

int tf_fill_eval(Transformer *tf, size_t first)
{
    int r = 0;
    if (tf->task == TASK_MODADD) {
        for (; r < tf->B && first + (size_t)r < tf->n_test; r++) put_pair(tf, r, tf->pairs[tf->n_train + first + r]);
        return r;
    }
    const size_t held = tf->text_len - tf->train_len, end = tf->train_len + (held < TF_EVAL_CHARS ? held : TF_EVAL_CHARS);
    for (; r < tf->B; r++) {
        const size_t start = tf->train_len + (first + (size_t)r) * (size_t)tf->T;
        if (start + 1 >= end) break;
        const size_t left = end - start - 1;
        put_window(tf, r, start, left < (size_t)tf->T ? (int)left : tf->T);
    }
    return r;
}

long tf_batch_counted(const Transformer *tf)
{
    return tf->task == TASK_MODADD ? (long)tf->B : (long)tf->B * tf->T;
}

void tf_free_task(Transformer *tf)
{
    mem_free(tf->text);
    mem_free(tf->pairs);
    tf->text = NULL;
    tf->pairs = NULL;
}
