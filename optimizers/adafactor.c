/* adafactor.c — Adafactor (Shazeer and Stern 2018) with the semantics of
 * torch.optim.Adafactor: relative step size, a second moment factored into
 * row and column means on 2-D tensors, update clipping by its RMS, and
 * decoupled weight decay. State per R x C tensor: R + C floats (the row and
 * column factors); per other tensor one float per parameter.
 * Reductions are summed in double in index order (thread-count independent). */
#include <math.h>

#include "optimizers/optimizer.h"

enum { LR, BETA2_DECAY, EPS1, EPS2, D, WEIGHT_DECAY, N_HP };

static const ParamDef hparams[N_HP] = {
    {"lr", PARAM_REAL, 1e-2, 0, INFINITY, PARAM_LOG, NULL, "cap of the relative step min(lr, 1/sqrt(t))"},
    {"beta2_decay", PARAM_REAL, -0.8, -INFINITY, 0, 0, NULL, "1 - beta2_t = t^beta2_decay"},
    {"eps1", PARAM_REAL, 1.1920928955078125e-07, 0, INFINITY, PARAM_LOG, NULL,
     "floor of the second moment (squared) and of the row mean; float32 eps"},
    {"eps2", PARAM_REAL, 1e-3, 0, INFINITY, PARAM_LOG, NULL, "floor of the parameters' RMS in the step size"},
    {"d", PARAM_REAL, 1, 0, INFINITY, PARAM_LO_OPEN, NULL, "clipping threshold of the update's RMS"},
    {"weight_decay", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "decoupled weight decay"},
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

/* sqrt(sum of x^2 / n) in double. */
static double rms(const float *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    return sqrt(s / (double)n);
}

/* The update of element (i, j): g / sqrt(max(V, eps1^2)), V from the
 * factors (row[i] col[j] / row_mean) or from the full moment. */
static inline float update_at(float g, float v, float floor_sq)
{
    return g / sqrtf(v > floor_sq ? v : floor_sq);
}

/* One tensor's step: rho and w are the step's relative size and 1 - beta2_t. */
static void tensor_step(const double *hp, double lr, double rho, double w, OptTensor *t)
{
    const size_t n = tensor_numel(t->view);
    size_t R, C;
    const int fact = factored(t->view, &R, &C);
    float *restrict p = t->p, *restrict st = t->state;
    const float *restrict g = t->g;
    const double alpha = fmax(hp[EPS2], rms(p, n)) * rho; /* RMS before the decay */
    const float wf = (float)w, floor_sq = (float)(hp[EPS1] * hp[EPS1]);
    if (hp[WEIGHT_DECAY] != 0) {
        const float decay = (float)(1 - lr * hp[WEIGHT_DECAY]);
        for (size_t i = 0; i < n; i++) p[i] *= decay;
    }
    double sumsq = 0; /* of the update, for its RMS */
    if (fact) {
        float *restrict row = st, *restrict col = st + R;
        double row_sum = 0;
        for (size_t i = 0; i < R; i++) {
            double s = 0;
            for (size_t j = 0; j < C; j++) s += (double)g[i * C + j] * g[i * C + j];
            row[i] = opt_lerp(row[i], (float)(s / (double)C), wf);
            row_sum += row[i];
        }
        for (size_t j = 0; j < C; j++) {
            double s = 0;
            for (size_t i = 0; i < R; i++) s += (double)g[i * C + j] * g[i * C + j];
            col[j] = opt_lerp(col[j], (float)(s / (double)R), wf);
        }
        const float row_mean = (float)(row_sum / (double)R);
        const float denom = row_mean > (float)hp[EPS1] ? row_mean : (float)hp[EPS1];
        for (size_t i = 0; i < R; i++)
            for (size_t j = 0; j < C; j++) {
                const float u = update_at(g[i * C + j], row[i] * col[j] / denom, floor_sq);
                sumsq += (double)u * u;
            }
        const float step = (float)(-alpha / fmax(1, sqrt(sumsq / (double)n) / hp[D]));
        for (size_t i = 0; i < R; i++)
            for (size_t j = 0; j < C; j++)
                p[i * C + j] += step * update_at(g[i * C + j], row[i] * col[j] / denom, floor_sq);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        st[i] = opt_lerp(st[i], g[i] * g[i], wf);
        const float u = update_at(g[i], st[i], floor_sq);
        sumsq += (double)u * u;
    }
    const float step = (float)(-alpha / fmax(1, sqrt(sumsq / (double)n) / hp[D]));
    for (size_t i = 0; i < n; i++) p[i] += step * update_at(g[i], st[i], floor_sq);
}

static void step(const OptGroup *grp, OptTensor *tensors, int n_tensors, long t)
{
    const double rho = fmin(grp->lr, 1 / sqrt((double)t)), w = pow((double)t, grp->hp[BETA2_DECAY]);
    for (int j = 0; j < n_tensors; j++) tensor_step(grp->hp, grp->lr, rho, w, &tensors[j]);
}

const OptimizerDef opt_adafactor = {
    .name = "adafactor",
    .flops_per_param = 12,
    .summary = "Adafactor (torch.optim.Adafactor): factored second moment on matrices, relative step size",
    .hparams = hparams,
    .n_hparams = N_HP,
    .state_doc = "R+C floats per RxC matrix (2-D tensor), 1 float per parameter of other tensors",
    .state_floats = state_floats,
    .step_tensors = step,
};
