/* transformer_ref.c — the transformer's loss in double precision with plain
 * loops, one sequence at a time: gradcheck's reference, independent of BLAS
 * and of float32 rounding. It follows the model of transformer_model.c
 * (legend in transformer.h) but shares no code with it (gelu_ref of
 * layers.h is the references' own). */
#include <math.h>

#include "problems/layers.h"
#include "problems/transformer.h"

/* Scratch for one sequence, carved from tf->ref. */
typedef struct {
    double *x;      /* residual stream (T,C) */
    double *ln;     /* LayerNorm output (T,C) */
    double *qkv;    /* (T,3C) */
    double *y;      /* attention output, then MLP hidden (T,4C) */
    double *att;    /* one row of attention weights (T) */
    double *logits; /* one row of logits (V) */
} RefScratch;

size_t tf_ref_doubles(const Transformer *tf)
{
    return (size_t)tf->T * tf->C * 9 + (size_t)tf->T + (size_t)tf->V;
}

/* out (T,C) = LayerNorm of in with weight w and bias b. */
static void ref_layernorm(double *out, const double *in, const float *w, const float *b, int T, int C)
{
    for (int t = 0; t < T; t++) {
        const double *x = in + (size_t)t * C;
        double m = 0, v = 0;
        for (int c = 0; c < C; c++) m += x[c];
        m /= C;
        for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
        const double s = 1.0 / sqrt(v / C + 1e-5);
        for (int c = 0; c < C; c++) out[(size_t)t * C + c] = (x[c] - m) * s * w[c] + b[c];
    }
}

/* out (T,OC) = in (T,IC) · w (OC,IC)^T + b (OC), or added into out when add. */
static void ref_linear(double *out, const double *in, const float *w, const float *b, int T, int IC, int OC,
                       int add)
{
    for (int t = 0; t < T; t++)
        for (int o = 0; o < OC; o++) {
            double s = b[o];
            for (int i = 0; i < IC; i++) s += in[(size_t)t * IC + i] * w[(size_t)o * IC + i];
            out[(size_t)t * OC + o] = (add ? out[(size_t)t * OC + o] : 0) + s;
        }
}

/* y (T,C) = causal multi-head attention of qkv (T,3C). */
static void ref_attention(double *y, double *att, const double *qkv, int T, int C, int NH)
{
    const int hs = C / NH;
    for (int h = 0; h < NH; h++)
        for (int t = 0; t < T; t++) {
            double amax = -INFINITY, sum = 0;
            for (int u = 0; u <= t; u++) {
                double dot = 0;
                for (int i = 0; i < hs; i++)
                    dot += qkv[(size_t)t * 3 * C + h * hs + i] * qkv[(size_t)u * 3 * C + C + h * hs + i];
                att[u] = dot / sqrt((double)hs);
                amax = fmax(amax, att[u]);
            }
            for (int u = 0; u <= t; u++) sum += att[u] = exp(att[u] - amax);
            for (int i = 0; i < hs; i++) {
                double s = 0;
                for (int u = 0; u <= t; u++) s += att[u] * qkv[(size_t)u * 3 * C + 2 * C + h * hs + i];
                y[(size_t)t * C + h * hs + i] = s / sum;
            }
        }
}

/* Loss summed over the targets of sequence r; adds their count to *counted. */
static double ref_sequence(Transformer *tf, const float *params, int r, const RefScratch *s, long *counted)
{
    const int T = tf->T, C = tf->C, V = tf->V;
    const int32_t *tok = tf->tokens + (size_t)r * T, *tgt = tf->targets + (size_t)r * T;
    const float *wte = TF_AT(tf, params, 0), *wpe = TF_AT(tf, params, 1);
    for (int t = 0; t < T; t++)
        for (int c = 0; c < C; c++)
            s->x[(size_t)t * C + c] = (double)wte[(size_t)tok[t] * C + c] + wpe[(size_t)t * C + c];
    for (int l = 0; l < tf->L; l++) {
#define W(k) TF_AT(tf, params, TF_BLOCK_VIEW(l, k))
        ref_layernorm(s->ln, s->x, W(TF_LN1_W), W(TF_LN1_B), T, C);
        ref_linear(s->qkv, s->ln, W(TF_QKV_W), W(TF_QKV_B), T, C, 3 * C, 0);
        ref_attention(s->y, s->att, s->qkv, T, C, tf->NH);
        ref_linear(s->x, s->y, W(TF_ATTPROJ_W), W(TF_ATTPROJ_B), T, C, C, 1);
        ref_layernorm(s->ln, s->x, W(TF_LN2_W), W(TF_LN2_B), T, C);
        ref_linear(s->y, s->ln, W(TF_FC_W), W(TF_FC_B), T, C, 4 * C, 0);
        for (size_t i = 0; i < (size_t)T * 4 * C; i++) s->y[i] = gelu_ref(s->y[i]);
        ref_linear(s->x, s->y, W(TF_FCPROJ_W), W(TF_FCPROJ_B), T, 4 * C, C, 1);
#undef W
    }
    const int f = TF_LNF_VIEW(tf);
    ref_layernorm(s->ln, s->x, TF_AT(tf, params, f), TF_AT(tf, params, f + 1), T, C);
    double loss = 0;
    for (int t = 0; t < T; t++) {
        if (tgt[t] < 0) continue;
        double zmax = -INFINITY, sum = 0;
        for (int v = 0; v < V; v++) {
            double z = 0;
            for (int c = 0; c < C; c++) z += s->ln[(size_t)t * C + c] * wte[(size_t)v * C + c];
            s->logits[v] = z;
            zmax = fmax(zmax, z);
        }
        for (int v = 0; v < V; v++) sum += exp(s->logits[v] - zmax);
        loss += log(sum) - (s->logits[tgt[t]] - zmax);
        (*counted)++;
    }
    return loss;
}

double tf_loss_ref(Transformer *tf, const float *params, int rows)
{
    const size_t TC = (size_t)tf->T * tf->C;
    RefScratch s = {tf->ref, tf->ref + TC, tf->ref + 2 * TC, tf->ref + 5 * TC, tf->ref + 9 * TC,
                    tf->ref + 9 * TC + tf->T};
    double loss = 0;
    long counted = 0;
    for (int r = 0; r < rows; r++) loss += ref_sequence(tf, params, r, &s, &counted);
    return loss / (double)counted;
}
