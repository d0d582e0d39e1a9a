/* coef.h — the per-step constants of each optimizer, computed once on the
 * host from (hyperparameters, t, scheduled lr) by the optimizer's own file,
 * and read by the per-element function of update_impl.h that both its CPU
 * loop and its CUDA kernel call, so that the two apply the same float32
 * formulas with the same constants: bias corrections, decayed factors and
 * signs are never recomputed per element.
 */
#ifndef OPTBENCH_COEF_H
#define OPTBENCH_COEF_H

typedef struct {
    float wd;     /* coupled weight decay: d = g + wd*p */
    float mom;    /* momentum factor; 0: no state slot */
    float keep;   /* 1 - dampening */
    float neg_lr; /* -lr */
    int first;    /* t == 1: the momentum buffer starts as d */
    int nesterov; /* d = d + mom*buf instead of buf */
    int has_wd;   /* wd != 0 */
} SgdCoef;

typedef struct {
    float wd;      /* coupled weight decay */
    float eps;     /* added outside the root */
    float neg_clr; /* -lr / (1 + (t-1)*lr_decay) */
    int has_wd;    /* wd != 0 */
} AdagradCoef;

typedef struct {
    float wd;          /* coupled weight decay */
    float eps;         /* added to the root */
    float mom;         /* momentum factor */
    float alpha;       /* decay of the square average */
    float one_m_alpha; /* 1 - alpha */
    float neg_lr;      /* -lr */
    int has_wd;        /* wd != 0 */
    int has_mom;       /* momentum > 0: slot 1 is buf */
    int centered;      /* the last slot is the gradient average */
} RmspropCoef;

typedef struct {
    float b1, one_m_b1; /* beta1 and 1 - beta1 */
    float b2, one_m_b2; /* beta2 and 1 - beta2 */
    float eps;          /* added after the bias-corrected root */
    float decay;        /* AdamW: 1 - lr*wd; Adam: 1 */
    float wd_grad;      /* Adam: wd (coupled); AdamW: 0 */
    float neg_step;     /* -lr / (1 - beta1^t), bias correction in double */
    float bc2_sqrt;     /* sqrt(1 - beta2^t), in double */
    int amsgrad;        /* slot 2 is the running maximum of v */
} AdamCoef;

typedef struct {
    float b1, one_m_b1; /* interpolation of the update direction */
    float b2, one_m_b2; /* decay of the momentum */
    float wd_grad;      /* l2 mode: wd; decoupled: 0 */
    float decay;        /* decoupled: 1 - lr*wd; l2: 1 */
    float neg_lr;       /* -lr */
} LionCoef;

typedef struct {
    float b1, one_m_b1; /* beta1 and 1 - beta1 */
    float b2, one_m_b2; /* beta2 and 1 - beta2 */
    float eps;          /* added to the root of the bias-corrected v */
    float wd;           /* coupled weight decay: d = g + wd*p (0: d = g) */
    float bc2;          /* 1 - beta2^t, in double */
    float g_step;       /* -lr*(1-mu)/(1-mu_prod): the step along the gradient */
    float m_step;       /* -lr*mu_next/(1-mu_prod_next): the step along the momentum */
} NadamCoef;

typedef struct {
    float b1, one_m_b1; /* beta1 and 1 - beta1 */
    float b2, one_m_b2; /* beta2 and 1 - beta2 */
    float eps;          /* added to the root of v */
    float wd;           /* coupled weight decay: d = g + wd*p (0: d = g) */
    float bc1;          /* 1 - beta1^t, in double */
    float lr;           /* the scheduled lr */
    float bc2_sqrt;     /* sqrt(1 - beta2^t), in double */
    float rect;         /* the variance rectification term (used when rectify) */
    int rectify;        /* rho_t > 5: the adaptive step; else the momentum step alone */
} RadamCoef;

typedef struct {
    float b1, one_m_b1; /* beta1 and 1 - beta1 */
    float b2;           /* decay of the infinity norm */
    float eps;          /* added to |d| inside the max */
    float wd;           /* coupled weight decay: d = g + wd*p (0: d = g) */
    float neg_clr;      /* -lr / (1 - beta1^t), in double */
} AdamaxCoef;

#endif
