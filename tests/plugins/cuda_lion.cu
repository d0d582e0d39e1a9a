/* cuda_lion.cu — Lion (Chen et al. 2023, decoupled weight decay) as a plugin
 * with both steps of include/optbench/plugin.h: the CPU loop and a CUDA
 * kernel computing each element with the same inline function. Built with
 *   nvcc -shared -Xcompiler -fPIC --cudart shared -I$(PREFIX)/include cuda_lion.cu -o cuda_lion.so
 * by tests/e2e/plugins.sh (listed, CPU step against the built-in lion's
 * golden vectors, int8 state too, which a CUDA run refuses) and
 * tests/e2e/plugins_cuda.sh (the CUDA step, on a GPU). */
#include <math.h>
#include <optbench/plugin.h>

#include <cuda_runtime.h>

enum { LR, BETA1, BETA2, WEIGHT_DECAY, N_HP };

static const optbench_hparam hparams[N_HP] = {
    {"lr", 1e-4, 0, INFINITY, OPTBENCH_HP_LOG, "learning rate"},
    {"beta1", 0.9, 0, 1, OPTBENCH_HP_HI_OPEN, "interpolation of the update direction"},
    {"beta2", 0.99, 0, 1, OPTBENCH_HP_HI_OPEN, "decay of the momentum"},
    {"weight_decay", 0, 0, INFINITY, 0, "decoupled weight decay"},
};

/* The step's constants. */
struct Coef {
    float b1, c1, b2, c2, decay, neg_lr;
};

static Coef coef_of(const optbench_group *grp)
{
    const double *hp = grp->hp;
    return Coef{(float)hp[BETA1], (float)(1 - hp[BETA1]), (float)hp[BETA2], (float)(1 - hp[BETA2]),
                (float)(1 - grp->lr * hp[WEIGHT_DECAY]), (float)-grp->lr};
}

/* One element, on either side. */
__host__ __device__ static inline void lion_element(const Coef &c, float *p, float *m, float g)
{
    const float u = c.b1 * *m + c.c1 * g;
    *p = *p * c.decay + c.neg_lr * (float)((u > 0) - (u < 0));
    *m = c.b2 * *m + c.c2 * g;
}

__global__ static void lion_kernel(Coef c, float *p, float *m, const float *g, size_t n)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        lion_element(c, &p[i], &m[i], g[i]);
}

static size_t state_floats(const double *, const optbench_tensor *t) { return t->numel; }

static int state_streams(const double *) { return 1; }

static void step(const optbench_group *grp, optbench_tensor *tensors, int n_tensors)
{
    const Coef c = coef_of(grp);
    for (int k = 0; k < n_tensors; k++)
        for (size_t i = 0; i < tensors[k].numel; i++)
            lion_element(c, &tensors[k].param[i], &tensors[k].state[i], tensors[k].grad[i]);
}

static int step_cuda(const optbench_group *grp, optbench_tensor *tensors, int n_tensors)
{
    const Coef c = coef_of(grp);
    for (int k = 0; k < n_tensors; k++) {
        const size_t n = tensors[k].numel;
        const unsigned blocks = (unsigned)(n / 256 + 1 < 4096 ? n / 256 + 1 : 4096);
        lion_kernel<<<blocks, 256>>>(c, tensors[k].param, tensors[k].state, tensors[k].grad, n);
    }
    return (int)cudaGetLastError();
}

static optbench_optimizer make_descriptor()
{
    optbench_optimizer d = {};
    d.abi_version = OPTBENCH_PLUGIN_ABI_VERSION;
    d.name = "cuda_lion";
    d.summary = "Lion with a CPU and a CUDA step (a test)";
    d.hparams = hparams;
    d.n_hparams = N_HP;
    d.flops_per_param = 11;
    d.state_floats = state_floats;
    d.state_streams = state_streams;
    d.step = step;
    d.step_cuda = step_cuda;
    d.state_precisions = OPTBENCH_STATE_INT8; /* elementwise; optbench keeps int8 state on the CPU */
    return d;
}

static const optbench_optimizer descriptor = make_descriptor();

const optbench_optimizer *optbench_plugin(void) { return &descriptor; }
