/*
** optbench/plugin.h — the public interface of an optbench optimizer plugin.
**
** A plugin is a shared object that adds one optimizer to optbench: it is
** listed by `optbench optimizers`, run and swept like a built-in, timed by
** `optbench bench` and checked by `optbench verify`. It is loaded with
** `--plugin PATH` on any command that takes an optimizer, or listed under
** `plugins:` in a sweep file. This header is all a plugin needs: it depends
** on nothing of optbench's sources, and a plugin builds with
**
**     cc -O2 -shared -fPIC -I$(PREFIX)/include my_optimizer.c -o my_optimizer.so
**
** THE ENTRY SYMBOL
**
** A plugin exports one function, optbench_plugin(), returning a pointer to
** a descriptor (optbench_optimizer) that lives as long as the plugin stays
** loaded (a static const object). optbench calls it once, right after
** loading, and checks the descriptor: abi_version must equal the
** OPTBENCH_PLUGIN_ABI_VERSION of the optbench loading it, the name must be
** new (no built-in optimizer and no other plugin has it), and the tables
** must be well formed. Any problem stops the command with exit status 2 and
** a message naming the plugin's path and the reason.
**
** WHO OWNS WHAT
**
** optbench owns every buffer: the parameters, the gradients, each tensor's
** state block and the scratch. It also owns the learning-rate schedule,
** gradient clipping, accumulation and parameter groups. A plugin's
** functions are pure computations over the arguments they are handed: they
** must not keep pointers to them past the call, must not allocate in a
** step, and must give the same result for the same inputs (runs are
** bit-reproducible for a seed). A step may use OpenMP; the calling process
** has set the thread count.
**
** TENSORS AND PARAMETER GROUPS
**
** A problem's parameters are a list of tensors, each with a shape and a
** role (OPTBENCH_ROLE_MATRIX: a 2-D weight of a linear map;
** OPTBENCH_ROLE_EMBEDDING: a lookup table; OPTBENCH_ROLE_VECTOR: biases,
** norm gains, every 1-D parameter). Each role is a parameter group whose
** hyperparameters a user may override (`matrices.weight_decay=0`). A step
** is called once per group and optimizer step, with that group's tensors
** and that group's values (under a low-precision state, one call per piece
** of each tensor: see state_precisions below).
**
** ISOLATION
**
** In `optbench run` and `optbench sweep`, a plugin's step runs only in the
** forked worker processes: a step that crashes fails that run ("failed",
** with the signal), one that hangs past the sweep's timeout_s fails it as
** "timeout", and one that writes NaN or infinity into the parameters ends
** it as "diverged". The sweep and its database go on. `optbench verify`,
** `golden` and `bench` run the steps in a child process of the command: a
** crash there ends the command with exit status 3 and one line naming the
** plugin, the function and the step ("plugin PATH crashed: signal 11
** (Segmentation fault) in step 3 (verifying FILE)"); a hang hangs the
** command (they have no timeout). The entry function, check, state_floats
** and state_streams also run in the command's own process, when the plugin
** is loaded and when a configuration is read: a crash there ends the
** command with the signal.
**
** COMPATIBILITY
**
** OPTBENCH_PLUGIN_ABI_VERSION changes whenever a struct of this header
** changes its layout or a documented rule changes its meaning; a plugin
** built for another version is refused, never run. Fields named reserved
** must be zero: later versions give them meanings.
*/
#ifndef OPTBENCH_PLUGIN_H
#define OPTBENCH_PLUGIN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this interface. A descriptor's abi_version must equal it. */
#define OPTBENCH_PLUGIN_ABI_VERSION 2

/* The name of the entry function, for dlsym(). */
#define OPTBENCH_PLUGIN_ENTRY "optbench_plugin"

/* The most dimensions of a tensor, and the most hyperparameters of one
** optimizer (lr included). */
#define OPTBENCH_MAX_DIMS 4
#define OPTBENCH_MAX_HPARAMS 12

/* What a tensor is; each role is one parameter group. */
typedef enum {
    OPTBENCH_ROLE_MATRIX = 0,    /* a 2-D weight of a linear map; group "matrices" */
    OPTBENCH_ROLE_EMBEDDING = 1, /* a lookup table (token, position embeddings); group "embeddings" */
    OPTBENCH_ROLE_VECTOR = 2     /* a bias, norm gain or shift, any 1-D parameter; group "vectors" */
} optbench_role;

/*
** One tensor as a plugin's functions see it. For state_floats and
** scratch_floats only name, role, ndim, shape and numel are set (the
** pointers are NULL); init and step see it whole (a piece of it under a
** low-precision state, below). In step_cuda the three pointers are device
** pointers.
*/
typedef struct optbench_tensor {
    const char *name;                 /* e.g. "layer0.weight" */
    optbench_role role;               /* its group */
    int ndim;                         /* dimensions used in shape: 1 to OPTBENCH_MAX_DIMS */
    size_t shape[OPTBENCH_MAX_DIMS];  /* sizes, outermost first (row-major: a matrix is shape[0] rows
                                         of shape[1] floats) */
    size_t numel;                     /* floats: the product of the shape */
    float *param;                     /* its numel parameters, updated in place by step */
    const float *grad;                /* its numel gradient values (NULL in init) */
    float *state;                     /* its state block: state_floats(hp, tensor) floats, zero before
                                         init (not to be touched when that is 0) */
} optbench_tensor;

/*
** One parameter group at one step, as step and step_cuda see it.
*/
typedef struct optbench_group {
    const double *hp;   /* the group's hyperparameter values, in the order of the descriptor's
                           hparams table (hp[0] is the group's base lr before the schedule) */
    int n_hp;           /* entries in hp (the descriptor's n_hparams) */
    double lr;          /* the learning rate of this step: the schedule applied to hp[0], times the
                           group's lr_scale; use this one, not hp[0] */
    long step;          /* the step number t, 1 at the first step */
    optbench_role role; /* the group's role */
    float *scratch;     /* scratch_floats of the group's largest tensor, contents undefined at
                           each call; NULL when scratch_floats is NULL or returns 0. A device
                           pointer in step_cuda */
} optbench_group;

/* Flags of a hyperparameter. */
#define OPTBENCH_HP_LOG     1u  /* naturally searched on a log scale (lr, eps) */
#define OPTBENCH_HP_LO_OPEN 2u  /* the value may not equal lo */
#define OPTBENCH_HP_HI_OPEN 4u  /* the value may not equal hi */
#define OPTBENCH_HP_INT     8u  /* an integer (written 3, not 3.5) */
#define OPTBENCH_HP_BOOL    16u /* 0 or 1 (written true/false or 1/0); lo and hi are ignored */

/*
** One hyperparameter: a real number in [lo, hi] (a bound may be -INFINITY
** or INFINITY from <math.h>; HUGE_VAL works too). Users write it as
** name=value in a spec (`my_lion,lr=3e-4,beta1=0.95`) or as a key in a sweep
** file. The default must lie in the range.
*/
typedef struct optbench_hparam {
    const char *name;  /* lower-case letters, digits and '_', starting with a letter; at most 31;
                          not lr_scale or state (optbench's own keys) */
    double def;        /* default */
    double lo;         /* smallest allowed value */
    double hi;         /* largest allowed value */
    unsigned flags;    /* OPTBENCH_HP_* */
    const char *help;  /* one line for `optbench optimizers` */
} optbench_hparam;

/*
** Precisions of optimizer state, bits of state_precisions. The plugin's
** table gains optbench's `state` key (as every optimizer's), taking the
** precisions the plugin declares (fp32 always); a spec such as
** `my_opt,state=int8` names one, and any other is refused naming those
** declared.
**
** optbench keeps a low-precision state itself and hands the plugin's step
** float32, as it does for its built-in optimizers: before a step it widens
** the stored values into float32 buffers of its own, after the step it
** rounds them back (bf16: to nearest even; bf16_sr: stochastically, from
** the run's seed, the step and the value's index; int8: blockwise, 256
** values per float32 absmax, the nearest code of a dynamic map; optbench's
** docs/OPTIMIZERS.md has the exact rules). A tensor below 128 values keeps
** fp32 state under int8. So that this needs no buffer of a whole tensor, a
** plugin that declares any precision beyond fp32 promises an elementwise
** step:
**   - a tensor's state is state_streams(hp) arrays of numel floats, one
**     after the other (state_floats returns state_streams(hp) * numel),
**     and state_streams(hp) is at most 3 (at 0 there is nothing to store,
**     and the step sees tensors whole);
**   - step and init, handed any piece of a tensor (a 1-D tensor of
**     consecutive values of param, grad and each state array, under the
**     tensor's name and role), store there what they store for the whole
**     tensor: no value depends on another element's.
** optbench then calls step (and init) one tensor and one piece of at most
** 8192 values at a time, from one thread, with every low-precision
** tensor's state in such float32 pieces; tensors that keep fp32 state are
** passed whole, as always. Low-precision state runs on the CPU: with
** --device cuda a run of state other than fp32 fails naming the plugin.
*/
#define OPTBENCH_STATE_FP32 1u    /* float32, every plugin */
#define OPTBENCH_STATE_BF16 2u    /* bf16, rounded to nearest even */
#define OPTBENCH_STATE_BF16_SR 4u /* bf16, rounded stochastically */
#define OPTBENCH_STATE_INT8 8u    /* blockwise 8-bit dynamic quantisation */

/*
** The descriptor that optbench_plugin() returns. Required fields are marked;
** optional function pointers may be NULL.
*/
typedef struct optbench_optimizer {
    int abi_version;       /* required: OPTBENCH_PLUGIN_ABI_VERSION */
    const char *name;      /* required: as users write it in specs; the rules of a hyperparameter
                              name apply, and it may not be a built-in's or another plugin's */
    const char *summary;   /* required: one line for `optbench optimizers` */
    const optbench_hparam *hparams; /* required: the hyperparameter table; hparams[0] must be named
                                       "lr" (the schedule scales it) */
    int n_hparams;         /* required: entries in hparams, 1 to OPTBENCH_MAX_HPARAMS */
    double flops_per_param; /* arithmetic of one step per parameter (FLOPs), for the throughput
                               that `optbench run` reports; 0 when unknown */

    /*
    ** Required: the floats of tensor t's state block at hyperparameters hp
    ** (the values of t's group). Called before a run for every tensor;
    ** only t's name, role, shape and numel are set. Adam keeps two moments:
    ** return 2 * t->numel. A factored optimizer returns less.
    */
    size_t (*state_floats)(const double *hp, const optbench_tensor *t);

    /*
    ** Required: how many float arrays of a tensor's size one step reads and
    ** writes in its state (Adam: 2, Lion: 1, plain SGD: 0). `optbench
    ** bench` compares the step with a streaming kernel that reads
    ** 2 + state_streams(hp) arrays (param, grad, state) and writes
    ** 1 + state_streams(hp) (param, state): the step's roofline.
    */
    int (*state_streams)(const double *hp);

    /*
    ** Optional: the floats of scratch a step needs for tensor t (the
    ** largest over a group's tensors is passed as group->scratch).
    */
    size_t (*scratch_floats)(const double *hp, const optbench_tensor *t);

    /*
    ** Optional: initialises tensor t's state block from its initial
    ** parameters t->param (read only here) before the first step; t->grad
    ** is NULL. Without it, every state starts at zero.
    */
    void (*init)(const double *hp, const optbench_tensor *t);

    /*
    ** Optional: rules across hyperparameters that the ranges cannot say
    ** (beta1 <= beta2). Returns 0 when the values hp are allowed, else
    ** nonzero with one line in err (at most errlen bytes, NUL-terminated)
    ** naming the keys. Called for the set-wide values and each group's.
    */
    int (*check)(const double *hp, char *err, size_t errlen);

    /*
    ** Required: the CPU step of one parameter group: updates every tensor
    ** of tensors[0..n_tensors) in place (param and state) from its grad.
    ** group->lr is the learning rate to apply; group->step is t.
    */
    void (*step)(const optbench_group *group, optbench_tensor *tensors, int n_tensors);

    /*
    ** Optional: the same step on a CUDA device, used by a CUDA build of
    ** optbench for `--device cuda`: param, grad, state and scratch are
    ** device pointers (hp and the group stay on the host). It launches its
    ** kernels on the default stream, copies nothing between host and
    ** device, and returns 0, or the nonzero cudaError_t of a failure (the
    ** run then fails with its message). `optbench verify --device cuda`
    ** checks it against the golden vectors, as step on the CPU.
    **
    ** optbench links the CUDA runtime statically, so the plugin's runtime is
    ** its own copy: linked statically (nvcc's default, --cudart static), or
    ** libcudart.so (--cudart shared), which the plugin must then find by
    ** itself (its run path or ld.so's cache; optbench does not load it).
    ** Every copy of the runtime in a process works in the device's one
    ** primary context, as cuBLAS's own copy does: the device pointers are
    ** valid in it and its default stream is optbench's, so the kernels run
    ** in order with optbench's. Do not build it with --default-stream
    ** per-thread, and take launch errors from the plugin's own
    ** cudaGetLastError().
    */
    int (*step_cuda)(const optbench_group *group, optbench_tensor *tensors, int n_tensors);

    unsigned state_precisions; /* OPTBENCH_STATE_* bits of the state precisions step supports;
                                  0 means OPTBENCH_STATE_FP32 only; any other bit makes the
                                  promise of an elementwise step (above) */
    unsigned unsigned_streams; /* bit s set: state array s is never negative, so int8 stores it
                                  with the map of unsigned values (a second moment; a negative
                                  value there is stored as 0); bits past state_streams(hp) are
                                  ignored; must be 0 unless state_precisions has
                                  OPTBENCH_STATE_INT8 */
    void *reserved[4];         /* must be NULL */
} optbench_optimizer;

/*
** The entry function every plugin defines. Declared here so that the
** compiler checks a plugin's definition against it.
*/
#if defined(__GNUC__)
__attribute__((visibility("default")))
#endif
const optbench_optimizer *optbench_plugin(void);

#ifdef __cplusplus
}
#endif

#endif /* OPTBENCH_PLUGIN_H */
