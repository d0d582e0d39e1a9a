/* tensor_impl.h — the arithmetic of the tensor-aware optimizers (adafactor,
 * muon, sfadamw) as inline functions that compile for the host and, under
 * nvcc, for the device too, with the step's constants computed once on the
 * host by the optimizer's own file. The CPU step of optimizers/NAME.c and
 * the kernels of optimizers/cuda/NAME_cuda.cu make the same passes over a
 * tensor and call the same function in each, so that both apply the same
 * float32 operations, and derive the step's scalars from their sums with
 * the same double operations. Only the order in which a reduction adds its
 * terms differs: index order on the CPU, a fixed tree on the device
 * (harness/core/cuda/reduce.cuh).
 *
 * Legend: R x C = a matrix tensor's rows and columns (row-major); n = its
 * elements; w = an interpolation weight.
 */
#ifndef OPTBENCH_TENSOR_IMPL_H
#define OPTBENCH_TENSOR_IMPL_H

#include <math.h>
#include <stddef.h>

#include "optimizers/update_impl.h"

/* a + w*(b - a) with torch.lerp's rounding: from b's side when w >= 0.5. */
UPDATE_FN float opt_lerp(float a, float b, float w)
{
    return w < 0.5f ? a + w * (b - a) : b - (b - a) * (1 - w);
}

/* ---- adafactor: passes over a tensor, in order ----
 * 1. p_sumsq = sum p^2 (the parameters before the decay);
 * 2. factored: row[i] = adafactor_factor(row[i], sum_j g^2, C) and
 *    col[j] = adafactor_factor(col[j], sum_i g^2, R), then
 *    denom = adafactor_denom(sum row); else v[i] = adafactor_moment(v[i], g);
 * 3. u_sumsq = sum u^2 of the update u = adafactor_u_at(i, j), in index order;
 * 4. p = adafactor_apply(p, adafactor_step(p_sumsq, u_sumsq, n), u). */
typedef struct {
    float w;        /* 1 - beta2_t = t^beta2_decay: the weight of the new squares */
    float floor_sq; /* eps1^2: floor of the second moment */
    float eps1;     /* floor of the row factors' mean */
    float decay;    /* 1 - lr*weight_decay (1: no decay) */
    double rho;     /* the relative step min(lr, 1/sqrt(t)) */
    double eps2;    /* floor of the parameters' RMS in the step size */
    double d;       /* clipping threshold of the update's RMS */
} AdafactorCoef;

/* A row (column) factor from its old value and the sum of the squared
 * gradients of its `count` elements. */
UPDATE_FN float adafactor_factor(const AdafactorCoef *c, float old, double sumsq, size_t count)
{
    return opt_lerp(old, (float)(sumsq / (double)count), c->w);
}

/* The full second moment of an element of an unfactored tensor. */
UPDATE_FN float adafactor_moment(const AdafactorCoef *c, float old, float g) { return opt_lerp(old, g * g, c->w); }

/* The factored moment's denominator: the mean of the R row factors
 * (row_sum their sum), floored at eps1. */
UPDATE_FN float adafactor_denom(const AdafactorCoef *c, double row_sum, size_t rows)
{
    const float mean = (float)(row_sum / (double)rows);
    return mean > c->eps1 ? mean : c->eps1;
}

/* The update of an element with second moment v: g / sqrt(max(v, eps1^2)). */
UPDATE_FN float adafactor_u(const AdafactorCoef *c, float g, float v)
{
    return g / sqrtf(v > c->floor_sq ? v : c->floor_sq);
}

/* The update of element (i, j) of a factored tensor. */
UPDATE_FN float adafactor_factored_u(const AdafactorCoef *c, float g, float row, float col, float denom)
{
    return adafactor_u(c, g, row * col / denom);
}

/* The update of element (i, j), at i*C + j, of a tensor: from the factors
 * row and col (row != NULL; denom from adafactor_denom) or from the full
 * moments v (then C = 1, j = 0). Both the CPU step and the device's passes
 * 3 and 4 take u through this function. */
UPDATE_FN float adafactor_u_at(const AdafactorCoef *c, const float *g, const float *row, const float *col,
                               const float *v, float denom, size_t i, size_t j, size_t C)
{
    const size_t e = i * C + j;
    if (!row) return adafactor_u(c, g[e], v[e]);
    return adafactor_factored_u(c, g[e], row[i], col[j], denom);
}

/* The tensor's step -alpha / max(1, RMS(u) / d), alpha = max(eps2, RMS(p)) * rho. */
UPDATE_FN float adafactor_step(const AdafactorCoef *c, double p_sumsq, double u_sumsq, size_t n)
{
    const double alpha = fmax(c->eps2, sqrt(p_sumsq / (double)n)) * c->rho;
    return (float)(-alpha / fmax(1.0, sqrt(u_sumsq / (double)n) / c->d));
}

/* The new parameter: decayed, then stepped along u. */
UPDATE_FN float adafactor_apply(const AdafactorCoef *c, float p, float step, float u)
{
    const float pi = p * c->decay;
    return pi + step * u;
}

/* ---- muon on a matrix tensor: passes, in order ----
 * 1. X[muon_x_index(i, j)] = muon_momentum(g[e], &buf[e]), e = i*C + j
 *    (X = U, or U^T when R > C, so that X X^T is the small Gram matrix);
 * 2. X /= muon_norm_div(sum X^2);
 * 3. ns_steps times: A = X X^T; B = b A + c A A; X = a X + B X (sgemm,
 *    coefficients MUON_NS_A, _B, _C);
 * 4. p[e] = muon_apply(p[e], X[muon_x_index(i, j)]). */
#define MUON_NS_A 3.4445f  /* the quintic Newton-Schulz iteration's coefficients (Keller Jordan's) */
#define MUON_NS_B (-4.7750f)
#define MUON_NS_C 2.0315f

typedef struct {
    float mom;    /* momentum */
    float w;      /* 1 - momentum: the weight of the gradient */
    float eps;    /* floor of the Frobenius norm */
    float decay;  /* 1 - lr*weight_decay */
    float neg_lr; /* -lr x the adjust_lr scale */
    int nesterov; /* orthogonalise the look-ahead lerp(g, buf, momentum) instead of buf */
} MuonCoef;

/* Index in X of element (i, j) of the R x C tensor (X = U^T when tall). */
UPDATE_FN size_t muon_x_index(size_t i, size_t j, size_t R, size_t C, int tall) { return tall ? j * R + i : i * C + j; }

/* Updates the momentum buffer of an element; returns what is orthogonalised. */
UPDATE_FN float muon_momentum(const MuonCoef *c, float g, float *buf)
{
    const float b = opt_lerp(*buf, g, c->w);
    *buf = b;
    return c->nesterov ? opt_lerp(g, b, c->mom) : b;
}

/* The divisor of X from its sum of squares: max(||X||_F, eps). */
UPDATE_FN float muon_norm_div(const MuonCoef *c, double sumsq)
{
    const float norm = (float)sqrt(sumsq);
    return norm > c->eps ? norm : c->eps;
}

/* The new parameter from the orthogonalised update o of the element. */
UPDATE_FN float muon_apply(const MuonCoef *c, float p, float o)
{
    const float pi = p * c->decay;
    return pi + c->neg_lr * o;
}

/* ---- sfadamw: one elementwise pass per tensor; y is the parameter ---- */
typedef struct {
    float b1, one_m_b1; /* interpolation of y between x and z */
    float b2, one_m_b2; /* decay of the second moment */
    float eps;          /* added to the root */
    float lr;           /* the step's lr: scheduled, warmed up, bias-corrected */
    float decay;        /* lr * weight_decay, taken at y into z */
    float c, one_m_c;   /* the averaging weight of z into x, and 1 - it */
} SfadamwCoef;

/* Updates z, v, x of an element at gradient g (taken at y); returns the new y. */
UPDATE_FN float sfadamw_update(const SfadamwCoef *c, float y, float g, float *z, float *v, float *x)
{
    float zi = *z - c->decay * y;
    const float vi = *v * c->b2 + c->one_m_b2 * (g * g);
    zi = zi - c->lr * (g / (sqrtf(vi) + c->eps));
    const float xi = *x * c->one_m_c + c->c * zi;
    *v = vi;
    *z = zi;
    *x = xi;
    return xi * c->b1 + c->one_m_b1 * zi;
}

#endif
