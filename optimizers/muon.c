/* muon.c — Muon (Jordan et al. 2024) with the semantics of torch.optim.Muon:
 * on each `matrix` tensor, momentum whose update is orthogonalised by a
 * quintic Newton-Schulz iteration (float32, OpenBLAS sgemm), scaled by
 * adjust_lr, with decoupled weight decay; every `embedding` and `vector`
 * tensor takes AdamW with the adam_* hyperparameters at
 * lr = adam_lr x (the group's scheduled lr / lr). State: 1 float per
 * parameter of a matrix (the momentum), 2 elsewhere (AdamW's m and v).
 * The CUDA step (optimizers/cuda/muon_cuda.cu) makes the same passes, the
 * iteration through cuBLAS sgemm. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "optimizers/cuda/tensor_steps.h"
#include "optimizers/optimizer.h"
#include "optimizers/tensor_impl.h"

enum {
    LR, WEIGHT_DECAY, MOMENTUM, NESTEROV, NS_STEPS, EPS, ADJUST_LR,
    ADAM_LR, ADAM_BETA1, ADAM_BETA2, ADAM_EPS, ADAM_WEIGHT_DECAY, STATE, N_HP
};
enum { ADJUST_ORIGINAL, ADJUST_MATCH_RMS_ADAMW };

static const ParamDef hparams[N_HP] = {
    {"lr", PARAM_REAL, 1e-3, 0, INFINITY, PARAM_LO_OPEN | PARAM_LOG, NULL, "learning rate of the matrices"},
    {"weight_decay", PARAM_REAL, 0.1, 0, INFINITY, 0, NULL, "decoupled weight decay of the matrices"},
    {"momentum", PARAM_REAL, 0.95, 0, 1, PARAM_HI_OPEN, NULL, "momentum of the matrices"},
    {"nesterov", PARAM_BOOL, 1, 0, 1, 0, NULL, "orthogonalise the Nesterov look-ahead"},
    {"ns_steps", PARAM_INT, 5, 1, 100, 0, NULL, "Newton-Schulz iterations"},
    {"eps", PARAM_REAL, 1e-7, 0, INFINITY, PARAM_LO_OPEN | PARAM_LOG, NULL, "floor of the Frobenius norm"},
    {"adjust_lr", PARAM_CHOICE, ADJUST_ORIGINAL, 0, 1, 0, "original|match_rms_adamw",
     "original: x sqrt(max(1, R/C)); match_rms_adamw: x 0.2 sqrt(max(R, C))"},
    {"adam_lr", PARAM_REAL, 3e-4, 0, INFINITY, PARAM_LOG, NULL, "AdamW's learning rate on the other tensors"},
    {"adam_beta1", PARAM_REAL, 0.9, 0, 1, PARAM_HI_OPEN, NULL, "AdamW's beta1 on the other tensors"},
    {"adam_beta2", PARAM_REAL, 0.95, 0, 1, PARAM_HI_OPEN, NULL, "AdamW's beta2 on the other tensors"},
    {"adam_eps", PARAM_REAL, 1e-8, 0, INFINITY, PARAM_LO_OPEN | PARAM_LOG, NULL, "AdamW's eps on the other tensors"},
    {"adam_weight_decay", PARAM_REAL, 0, 0, INFINITY, 0, NULL, "AdamW's weight decay on the other tensors"},
    OPT_STATE_FP32_PARAM,
};

extern const OptimizerDef opt_adamw;

/* A matrix tensor as R x C (a tensor of more dimensions: R x the rest). */
static int as_matrix(const TensorView *v, size_t *rows, size_t *cols)
{
    *rows = v->shape[0];
    *cols = tensor_numel(v) / v->shape[0];
    return v->role == ROLE_MATRIX && v->ndim >= 2;
}

static size_t state_floats(const double *hp, const TensorView *v)
{
    (void)hp;
    size_t R, C;
    return (as_matrix(v, &R, &C) ? 1 : 2) * tensor_numel(v);
}

/* X and its next iterate (R*C each), X X^T and the polynomial (m*m each,
 * m the short side); the same on the device. */
static size_t scratch_floats(const double *hp, const TensorView *v)
{
    (void)hp;
    size_t R, C;
    if (!as_matrix(v, &R, &C)) return 0;
    const size_t m = R < C ? R : C;
    return 2 * R * C + 2 * m * m;
}

/* The matrix products of newton_schulz on a matrix tensor: per iteration
 * X X^T (2 m^2 n), the polynomial's A A (2 m^3) and its product with X
 * (2 m^2 n), m the short side and n the long one. */
static double tensor_flops(const double *hp, const TensorView *v)
{
    size_t R, C;
    if (!as_matrix(v, &R, &C)) return 0;
    const double m = (double)(R < C ? R : C), n = (double)(R < C ? C : R);
    return hp[NS_STEPS] * (4 * m * m * n + 2 * m * m * m);
}

/* The step's constants of a matrix tensor R x C at the group's lr. */
static MuonCoef coef(const double *hp, double lr, size_t R, size_t C)
{
    const double scale = hp[ADJUST_LR] == ADJUST_ORIGINAL ? sqrt(fmax(1, (double)R / (double)C))
                                                          : 0.2 * sqrt((double)(R > C ? R : C));
    return (MuonCoef){
        .mom = (float)hp[MOMENTUM], .w = (float)(1 - hp[MOMENTUM]), .eps = (float)hp[EPS],
        .decay = (float)(1 - lr * hp[WEIGHT_DECAY]), .neg_lr = (float)(-lr * scale), .nesterov = hp[NESTEROV] != 0,
    };
}

/* Orthogonalises X (m x k, m <= k, row-major, in scratch) by `steps`
 * Newton-Schulz iterations after normalising it by max(||X||_F, eps).
 * Returns the final X, inside scratch (of scratch_floats). */
static const float *newton_schulz(const MuonCoef *c, size_t m, size_t k, int steps, float *scratch)
{
    const size_t n = m * k;
    float *x = scratch, *next = x + n, *a = next + n, *b = a + m * m;
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    const float div = muon_norm_div(c, s);
    for (size_t i = 0; i < n; i++) x[i] /= div;
    const int M = (int)m, K = (int)k;
    for (int it = 0; it < steps; it++) {
        /* A = X X^T; B = b A + c A A; X = a X + B X */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, M, K, 1.0f, x, K, x, K, 0.0f, a, M);
        memcpy(b, a, m * m * sizeof(float));
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, M, M, MUON_NS_C, a, M, a, M, MUON_NS_B, b, M);
        memcpy(next, x, n * sizeof(float));
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, K, M, 1.0f, b, M, x, K, MUON_NS_A, next, K);
        float *t = x;
        x = next;
        next = t;
    }
    return x;
}

/* One matrix tensor's step at the group's lr: the momentum into X (U, or
 * U^T when R > C, so that X X^T is the small Gram matrix), its
 * orthogonalisation, and the update. */
static void matrix_step(const double *hp, double lr, float *scratch, OptTensor *t)
{
    size_t R, C;
    as_matrix(t->view, &R, &C);
    const MuonCoef c = coef(hp, lr, R, C);
    float *restrict buf = t->state, *restrict p = t->p, *restrict x = scratch;
    const float *restrict g = t->g;
    const int tall = R > C;
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < C; j++)
            x[muon_x_index(i, j, R, C, tall)] = muon_momentum(&c, g[i * C + j], &buf[i * C + j]);
    const float *o = newton_schulz(&c, tall ? C : R, tall ? R : C, (int)hp[NS_STEPS], scratch);
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < C; j++) p[i * C + j] = muon_apply(&c, p[i * C + j], o[muon_x_index(i, j, R, C, tall)]);
}

/* AdamW's values (in its table's order) from the adam_* hyperparameters. */
static void adam_values(const double *hp, double *out)
{
    static const struct {
        const char *key; /* adamw's key */
        int from;        /* muon's index */
    } map[] = {{"lr", ADAM_LR}, {"beta1", ADAM_BETA1}, {"beta2", ADAM_BETA2}, {"eps", ADAM_EPS},
               {"weight_decay", ADAM_WEIGHT_DECAY}};
    ParamSet ps;
    params_init(&ps, opt_adamw.hparams, opt_adamw.n_hparams);
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) ps.num[params_index(&ps, map[i].key)] = hp[map[i].from];
    memcpy(out, ps.num, (size_t)ps.n * sizeof(double));
}

/* The step of one group on the CPU or, with cuda set, on the device: the
 * matrices through matrix_step (muon_matrix_cuda), the rest through AdamW's
 * fused pass. 0, or -1 with the reason in device_error(). */
static int group_step(const OptGroup *grp, OptTensor *tensors, int n_tensors, long t, int cuda)
{
    double adam[PARAMS_MAX];
    adam_values(grp->hp, adam);
    const double adam_lr = grp->hp[ADAM_LR] * (grp->lr / grp->hp[LR]);
    for (int j = 0; j < n_tensors; j++) {
        OptTensor *tj = &tensors[j];
        const size_t n = tensor_numel(tj->view);
        float *slots[OPT_MAX_STATE] = {tj->state, tj->state + n, NULL};
        const StateSlots st = state_slots_fp32(slots);
        size_t R, C;
        int rc = 0;
        if (!as_matrix(tj->view, &R, &C)) {
            if (!cuda) opt_adamw.step_cpu(adam, &st, tj->p, tj->g, n, t, adam_lr);
#ifdef OPTBENCH_CUDA
            else rc = opt_adamw.step_cuda(adam, &st, tj->p, tj->g, n, t, adam_lr);
#endif
        } else if (!cuda) {
            matrix_step(grp->hp, grp->lr, grp->scratch, tj);
        }
#ifdef OPTBENCH_CUDA
        else {
            const MuonCoef c = coef(grp->hp, grp->lr, R, C);
            rc = muon_matrix_cuda(&c, tj->p, tj->g, tj->state, R, C, (int)grp->hp[NS_STEPS], grp->scratch, grp->sums);
        }
#endif
        if (rc != 0) return -1;
    }
    return 0;
}

static void step(const OptGroup *grp, OptTensor *tensors, int n_tensors, long t)
{
    group_step(grp, tensors, n_tensors, t, 0);
}

#ifdef OPTBENCH_CUDA
static int step_cuda(const OptGroup *grp, OptTensor *tensors, int n_tensors, long t)
{
    return group_step(grp, tensors, n_tensors, t, 1);
}
#endif

const OptimizerDef opt_muon = {
    .name = "muon",
    .flops_per_param = 6,
    .tensor_flops = tensor_flops,
    .summary = "Muon: Newton-Schulz orthogonalised momentum on matrices, AdamW on the rest",
    .hparams = hparams,
    .n_hparams = N_HP,
    .state_doc = "1 float per parameter of a matrix (momentum), 2 on embeddings and vectors (AdamW)",
    .state_floats = state_floats,
    .scratch_floats = scratch_floats,
    .step_tensors = step,
#ifdef OPTBENCH_CUDA
    .step_tensors_cuda = step_cuda,
#endif
};
