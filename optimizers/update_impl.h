/* update_impl.h — the per-element update of every elementwise optimizer,
 * as inline functions that compile for the host and, under nvcc, for the
 * device too. The CPU loop of optimizers/NAME.c and the CUDA functor of
 * optimizers/cuda/NAME_cuda.cu both call the function of NAME here with the
 * step's constants of coef.h, so that the two apply the same float32
 * operations in the same order (with --fmad=false on the device, no
 * contraction into fused multiply-adds on either side).
 *
 * Each function takes one parameter p and its gradient g by value, reads and
 * writes the element's state slots through pointers and returns the new p.
 * A slot that the hyperparameters may leave out comes with an int flag; the
 * pointer is not touched when the flag is 0 (and may be NULL). Callers pass
 * a constant flag where they can (each CUDA instantiation, each CPU loop),
 * so that the branch folds away and the loop vectorises.
 * Legend: d = the gradient after coupled weight decay.
 */
#ifndef OPTBENCH_UPDATE_IMPL_H
#define OPTBENCH_UPDATE_IMPL_H

#include <math.h>
#include <stddef.h>

#include "optimizers/coef.h"

#ifdef __CUDACC__
#define UPDATE_FN static inline __host__ __device__
#else
#define UPDATE_FN static inline
#endif

/* SGD; buf: the momentum buffer when momentum (momentum > 0). */
UPDATE_FN float sgd_update(const SgdCoef *c, int momentum, float p, float g, float *buf)
{
    float d = c->has_wd ? g + c->wd * p : g;
    if (momentum) {
        const float b = c->first ? d : *buf * c->mom + c->keep * d;
        *buf = b;
        d = c->nesterov ? d + c->mom * b : b;
    }
    return p + c->neg_lr * d;
}

/* Adagrad; sum: the sum of squares. */
UPDATE_FN float adagrad_update(const AdagradCoef *c, float p, float g, float *sum)
{
    const float d = c->has_wd ? g + c->wd * p : g;
    const float s = *sum + d * d;
    *sum = s;
    return p + c->neg_clr * (d / (sqrtf(s) + c->eps));
}

/* RMSprop; v: the square average; buf: the momentum buffer when has_mom;
 * ga: the gradient average when centered. */
UPDATE_FN float rmsprop_update(const RmspropCoef *c, int has_mom, int centered, float p, float g, float *v,
                               float *buf, float *ga)
{
    const float d = c->has_wd ? g + c->wd * p : g;
    const float vi = *v * c->alpha + c->one_m_alpha * (d * d);
    *v = vi;
    float avg;
    if (centered) {
        const float a = *ga + c->one_m_alpha * (d - *ga);
        *ga = a;
        avg = sqrtf(vi - a * a) + c->eps;
    } else {
        avg = sqrtf(vi) + c->eps;
    }
    if (has_mom) {
        const float b = *buf * c->mom + d / avg;
        *buf = b;
        return p + c->neg_lr * b;
    }
    return p + c->neg_lr * (d / avg);
}

/* Adam and AdamW (decay and wd_grad select the weight decay, branch-free);
 * m, v: the moments; vmax: the running maximum of v when amsgrad. torch's
 * order: eps after the bias-corrected root. */
UPDATE_FN float adam_update(const AdamCoef *c, int amsgrad, float p, float g, float *m, float *v, float *vmax)
{
    const float pi = p * c->decay, d = g + c->wd_grad * pi;
    const float mi = *m * c->b1 + c->one_m_b1 * d, vi = *v * c->b2 + c->one_m_b2 * (d * d);
    *m = mi;
    *v = vi;
    float vd = vi;
    if (amsgrad) {
        vd = *vmax != *vmax || *vmax > vi ? *vmax : vi; /* torch.maximum: NaN wins */
        *vmax = vd;
    }
    return pi + c->neg_step * (mi / (sqrtf(vd) / c->bc2_sqrt + c->eps));
}

/* Lion (both entries, lion and lion_l2); m: the momentum. sign(0) = 0. */
UPDATE_FN float lion_update(const LionCoef *c, float p, float g, float *m)
{
    const float pi = p * c->decay, d = g + c->wd_grad * pi, mi = *m;
    const float dir = mi * c->b1 + c->one_m_b1 * d;
    *m = mi * c->b2 + c->one_m_b2 * d;
    return pi - copysignf(dir != 0.f ? -c->neg_lr : 0.f, dir); /* lr * sign(dir) */
}

/* NAdam; m, v: the moments. torch's order: the gradient's addcdiv, then the
 * momentum's, each rounded to float32. */
UPDATE_FN float nadam_update(const NadamCoef *c, float p, float g, float *m, float *v)
{
    const float d = g + c->wd * p; /* branch-free: wd 0 gives d = g for finite p */
    const float mi = *m * c->b1 + c->one_m_b1 * d, vi = *v * c->b2 + c->one_m_b2 * d * d;
    *m = mi;
    *v = vi;
    const float denom = sqrtf(vi / c->bc2) + c->eps;
    const float q = p + c->g_step * d / denom;
    return q + c->m_step * mi / denom;
}

/* RAdam; m, v: the moments; rectify: the step's rho_t > 5 (a constant at
 * every call site). torch's order: (m/bc1 * lr) * (1/(sqrt(v)+eps) *
 * sqrt(bc2)) * rect. */
UPDATE_FN float radam_update(const RadamCoef *c, int rectify, float p, float g, float *m, float *v)
{
    const float d = g + c->wd * p; /* branch-free: wd 0 gives d = g for finite p */
    const float mi = *m * c->b1 + c->one_m_b1 * d, vi = *v * c->b2 + c->one_m_b2 * d * d;
    *m = mi;
    *v = vi;
    const float step = mi / c->bc1 * c->lr;
    if (!rectify) return p - step;
    const float adaptive = 1.0f / (sqrtf(vi) + c->eps) * c->bc2_sqrt;
    return p - step * adaptive * c->rect;
}

/* Adamax; m: the first moment; u: the infinity norm, max(beta2*u, |d| + eps)
 * with torch.amax's NaN propagation. */
UPDATE_FN float adamax_update(const AdamaxCoef *c, float p, float g, float *m, float *u)
{
    const float d = g + c->wd * p; /* branch-free: wd 0 gives d = g for finite p */
    const float mi = *m * c->b1 + c->one_m_b1 * d;
    const float decayed = *u * c->b2, fresh = fabsf(d) + c->eps;
    const float ui = ((decayed != decayed) | (decayed > fresh)) ? decayed : fresh; /* NaN wins */
    *m = mi;
    *u = ui;
    return p + c->neg_clr * mi / ui;
}

#endif
