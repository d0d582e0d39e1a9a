/* adafactor.c — Adafactor (Shazeer and Stern 2018) with the semantics of
 * torch.optim.Adafactor: relative step size, a second moment factored into
 * row and column means on 2-D tensors, update clipping by its RMS, and
 * decoupled weight decay. State per R x C tensor: R + C floats (the row and
 * column factors); per other tensor one float per parameter.
 * Reductions are summed in double in index order (thread-count independent).
 * The CUDA step (optimizers/cuda/adafactor_cuda.cu) makes the same passes
 * with the same functions (optimizers/tensor_impl.h). */
#include <math.h>

#include "optimizers/cuda/tensor_steps.h"
#include "optimizers/optimizer.h"
#include "optimizers/tensor_impl.h"

enum { LR, BETA2_DECAY, EPS1, EPS2, D, WEIGHT_DECAY, STATE, N_HP };

static const ParamDef hparams[N_HP] = {
    {"lr", PARAM_REAL, 1e-2, 0, INFINITY, PARAM_LOG, NULL, "cap of the relative step min(lr, 1/sqrt(t))"},
    {"beta2_decay", PARAM_REAL, -0.8, -INFINITY, 0, 0, NULL, "1 - beta2_t = t^beta2_decay"},
    {"eps1", PARAM_REAL, 1.1920928955078125e-07, 0, INFINITY, PARAM_LOG, NULL,
     "floor of the second moment (squared) and of the row mean; float32 eps"},
    {"eps2", PARAM_REAL, 1e-3, 0, INFINITY, PARAM_LOG, NULL, "floor of the parameters' RMS in the step size"},
    {"d", PARAM_REAL, 1, 0, INFINITY, PARAM_LO_OPEN, NULL, "clipping threshold of the update's RMS"},
    {"weight_decay", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "decoupled weight decay"},
    OPT_STATE_FP32_PARAM,
};

/* Whether v's second moment is factored, and its R x C. */
static int factored(const TensorView *v, size_t *rows, size_t *cols)
{
    *rows = v->shape[0];
    *cols = v->ndim == 2 ? v->shape[1] : 1;
    return v->ndim == 2;
}

static size_t state_floats(const double *hp, const TensorView *v)
{
    (void)hp;
    size_t rows, cols;
    return factored(v, &rows, &cols) ? rows + cols : tensor_numel(v);
}

/* The step's constants of a group at its lr. */
static AdafactorCoef coef(const double *hp, double lr, long t)
{
    return (AdafactorCoef){
        .w = (float)pow((double)t, hp[BETA2_DECAY]), .floor_sq = (float)(hp[EPS1] * hp[EPS1]),
        .eps1 = (float)hp[EPS1], .decay = (float)(1 - lr * hp[WEIGHT_DECAY]),
        .rho = fmin(lr, 1 / sqrt((double)t)), .eps2 = hp[EPS2], .d = hp[D],
    };
}

/* One tensor's step on the CPU: the passes of tensor_impl.h, in order. */
static void tensor_step(const AdafactorCoef *c, OptTensor *t)
{
    const size_t n = tensor_numel(t->view);
    size_t R, C;
    const int fact = factored(t->view, &R, &C);
    float *restrict p = t->p, *restrict st = t->state;
    const float *restrict g = t->g, *row = NULL, *col = NULL, *v = st;
    double p_sumsq = 0, u_sumsq = 0;
    float denom = 0;
    for (size_t i = 0; i < n; i++) p_sumsq += (double)p[i] * p[i];
    if (fact) {
        double row_sum = 0;
        for (size_t i = 0; i < R; i++) {
            double s = 0;
            for (size_t j = 0; j < C; j++) s += (double)g[i * C + j] * g[i * C + j];
            st[i] = adafactor_factor(c, st[i], s, C);
        }
        for (size_t j = 0; j < C; j++) {
            double s = 0;
            for (size_t i = 0; i < R; i++) s += (double)g[i * C + j] * g[i * C + j];
            st[R + j] = adafactor_factor(c, st[R + j], s, R);
        }
        for (size_t i = 0; i < R; i++) row_sum += st[i];
        denom = adafactor_denom(c, row_sum, R);
        row = st;
        col = st + R;
        v = NULL;
    } else {
        for (size_t i = 0; i < n; i++) st[i] = adafactor_moment(c, st[i], g[i]);
    }
    const size_t rows = fact ? R : n, cols = fact ? C : 1;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            const float u = adafactor_u_at(c, g, row, col, v, denom, i, j, cols);
            u_sumsq += (double)u * u;
        }
    const float step = adafactor_step(c, p_sumsq, u_sumsq, n);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            p[i * cols + j] = adafactor_apply(c, p[i * cols + j], step, adafactor_u_at(c, g, row, col, v, denom, i, j, cols));
}

static void step(const OptGroup *grp, OptTensor *tensors, int n_tensors, long t)
{
    const AdafactorCoef c = coef(grp->hp, grp->lr, t);
    for (int j = 0; j < n_tensors; j++) tensor_step(&c, &tensors[j]);
}

#ifdef OPTBENCH_CUDA
/* The CUDA step: each tensor's passes through adafactor_cuda. */
static int step_cuda(const OptGroup *grp, OptTensor *tensors, int n_tensors, long t)
{
    const AdafactorCoef c = coef(grp->hp, grp->lr, t);
    for (int j = 0; j < n_tensors; j++) {
        size_t R, C;
        const int fact = factored(tensors[j].view, &R, &C);
        if (!fact) { /* unfactored: numel elements, as R = numel rows of one */
            R = tensor_numel(tensors[j].view);
            C = 1;
        }
        if (adafactor_cuda(&c, tensors[j].p, tensors[j].g, tensors[j].state, R, C, fact, grp->sums) != 0) return -1;
    }
    return 0;
}
#endif

const OptimizerDef opt_adafactor = {
    .name = "adafactor",
    .flops_per_param = 12,
    .summary = "Adafactor (torch.optim.Adafactor): factored second moment on matrices, relative step size",
    .hparams = hparams,
    .n_hparams = N_HP,
    .state_doc = "R+C floats per RxC matrix (2-D tensor), 1 float per parameter of other tensors",
    .state_floats = state_floats,
    .step_tensors = step,
#ifdef OPTBENCH_CUDA
    .step_tensors_cuda = step_cuda,
#endif
};
