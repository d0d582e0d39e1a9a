/* plugin.c — loading optimizer plugins and adapting their descriptors
 * (include/optbench/plugin.h) to OptimizerDef (plugin.h).
 *
 * OptimizerDef's functions take no pointer to the optimizer they belong
 * to, so each loaded plugin takes one of OPT_MAX_ADDED slots whose small
 * forwarding functions (SLOT_FUNCTIONS) hand the call, with the slot, to
 * one shared adapter: the translation from TensorView and OptTensor to the
 * public optbench_tensor and optbench_group is written once. */
#include "optimizers/plugin.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/child.h"
#include "harness/core/device.h"
#include "include/optbench/plugin.h"

#define NAME_MAX_LEN 31 /* longest optimizer or hyperparameter name */

/* One loaded plugin and the OptimizerDef made from its descriptor. */
typedef struct {
    PluginInfo info;                         /* path, digest, optimizer */
    const optbench_optimizer *desc;          /* what its entry function returned */
    void *handle;                            /* dlopen's handle */
    OptimizerDef def;                        /* the registry's entry */
    ParamDef hparams[OPTBENCH_MAX_HPARAMS + 1]; /* its hyperparameter table, then optbench's `state` key */
    char origin[PLUGIN_PATH_MAX + 8];        /* "plugin PATH" */
} Slot;

static Slot slots[OPT_MAX_ADDED];
static int n_slots;

/* The public role of an internal one. */
static optbench_role public_role(TensorRole r)
{
    static const optbench_role roles[N_ROLES] = {
        [ROLE_MATRIX] = OPTBENCH_ROLE_MATRIX,
        [ROLE_EMBEDDING] = OPTBENCH_ROLE_EMBEDDING,
        [ROLE_VECTOR] = OPTBENCH_ROLE_VECTOR,
    };
    return roles[r];
}

/* The shape part of a public tensor (pointers NULL). */
static optbench_tensor describe(const TensorView *v)
{
    optbench_tensor t = {.name = v->name, .role = public_role(v->role), .ndim = v->ndim, .numel = tensor_numel(v)};
    for (int d = 0; d < v->ndim && d < OPTBENCH_MAX_DIMS; d++) t.shape[d] = v->shape[d];
    return t;
}

/* ---- the adapter: OptimizerDef's calls in terms of the descriptor ---- */

/* Each call into the plugin is noted (child.h): where optbench verify,
 * golden and bench run it in a child, a crash names the plugin, the
 * function and the step. */

static int slot_streams(const Slot *s, const double *hp)
{
    child_enter(s->origin, "state_streams", 0);
    const int n = s->desc->state_streams(hp);
    child_leave();
    return n;
}

/* The precisions a plugin keeps state in: OPTBENCH_STATE_* bits, fp32 always. */
static unsigned slot_precisions(const Slot *s) { return s->desc->state_precisions | OPTBENCH_STATE_FP32; }

_Static_assert(OPTBENCH_STATE_FP32 == 1u << STATE_FP32 && OPTBENCH_STATE_BF16 == 1u << STATE_BF16 &&
                   OPTBENCH_STATE_BF16_SR == 1u << STATE_BF16_SR && OPTBENCH_STATE_INT8 == 1u << STATE_INT8,
               "a public precision bit is 1 << its StatePrecision");

/* The `state` value first (one the plugin declares), then the plugin's own check. */
static int slot_check(const Slot *s, const double *hp, char *err, size_t errlen)
{
    const int q = (int)hp[s->desc->n_hparams];
    if (!(slot_precisions(s) >> q & 1)) {
        char word[32], have[64] = "";
        params_choice_word(STATE_CHOICES, q, word, sizeof word);
        for (int k = 0; k < N_STATE_PRECISIONS; k++) {
            char w[32];
            params_choice_word(STATE_CHOICES, k, w, sizeof w);
            if (slot_precisions(s) >> k & 1)
                snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", have[0] ? ", " : "", w);
        }
        snprintf(err, errlen, "state=%s: %s keeps its state in %s only (its state_precisions)", word, s->def.name,
                 have);
        return -1;
    }
    if (!s->desc->check) return 0;
    if (errlen) err[0] = 0;
    child_enter(s->origin, "check", 0);
    const int refused = s->desc->check(hp, err, errlen) != 0;
    child_leave();
    if (!refused) return 0;
    if (errlen && !err[0]) snprintf(err, errlen, "%s: the plugin's check refused these values", s->def.name);
    return -1;
}

static size_t slot_state_floats(const Slot *s, const double *hp, const TensorView *v)
{
    const optbench_tensor t = describe(v);
    child_enter(s->origin, "state_floats", 0);
    const size_t n = s->desc->state_floats(hp, &t);
    child_leave();
    return n;
}

static size_t slot_scratch_floats(const Slot *s, const double *hp, const TensorView *v)
{
    const optbench_tensor t = describe(v);
    child_enter(s->origin, "scratch_floats", 0);
    const size_t n = s->desc->scratch_floats(hp, &t);
    child_leave();
    return n;
}

static void slot_init(const Slot *s, const double *hp, const OptTensor *ot)
{
    optbench_tensor t = describe(ot->view);
    t.param = ot->p;
    t.state = ot->state;
    child_enter(s->origin, "init", 0);
    s->desc->init(hp, &t);
    child_leave();
}

/* One group's tensors and values as the ABI passes them to either step:
 * fills t[0, n) and returns the group. */
static optbench_group translate(const Slot *s, const OptGroup *grp, const OptTensor *tensors, int n, long step,
                                optbench_tensor *t)
{
    for (int i = 0; i < n; i++) {
        t[i] = describe(tensors[i].view);
        t[i].param = tensors[i].p;
        t[i].grad = tensors[i].g;
        t[i].state = tensors[i].state;
    }
    return (optbench_group){.hp = grp->hp, .n_hp = s->desc->n_hparams, .lr = grp->lr, .step = step,
                            .role = t[0].role, .scratch = grp->scratch};
}

static void slot_step(const Slot *s, const OptGroup *grp, OptTensor *tensors, int n, long step)
{
    optbench_tensor t[n]; /* one group's tensors: a few hundred at most */
    const optbench_group g = translate(s, grp, tensors, n, step, t);
    child_enter(s->origin, "step", step);
    s->desc->step(&g, t, n);
    child_leave();
}

#ifdef OPTBENCH_CUDA
/* The plugin's CUDA step: the same translation with device pointers; its
 * nonzero return is taken as a cudaError_t for device_error(). */
static int slot_step_cuda(const Slot *s, const OptGroup *grp, OptTensor *tensors, int n, long step)
{
    optbench_tensor t[n];
    const optbench_group g = translate(s, grp, tensors, n, step, t);
    child_enter(s->origin, "CUDA step", step);
    const int e = s->desc->step_cuda(&g, t, n);
    child_leave();
    return device_cuda_ok(e, s->origin, __FILE__, __LINE__) ? 0 : -1;
}
#define SLOT_CUDA_FUNCTION(k) \
    static int step_cuda_##k(const OptGroup *g, OptTensor *t, int n, long s) { return slot_step_cuda(&slots[k], g, t, n, s); }
#define SLOT_CUDA(k) step_cuda_##k
#else
#define SLOT_CUDA_FUNCTION(k)
#define SLOT_CUDA(k) NULL
#endif

/* Slot k's forwarding functions. */
#define SLOT_FUNCTIONS(k)                                                                                       \
    static int n_state_##k(const double *hp) { return slot_streams(&slots[k], hp); }                           \
    static int check_##k(const double *hp, char *e, size_t l) { return slot_check(&slots[k], hp, e, l); }     \
    static size_t state_floats_##k(const double *hp, const TensorView *v)                                      \
    {                                                                                                          \
        return slot_state_floats(&slots[k], hp, v);                                                            \
    }                                                                                                          \
    static size_t scratch_floats_##k(const double *hp, const TensorView *v)                                    \
    {                                                                                                          \
        return slot_scratch_floats(&slots[k], hp, v);                                                          \
    }                                                                                                          \
    static void init_##k(const double *hp, const OptTensor *t) { slot_init(&slots[k], hp, t); }                \
    static void step_##k(const OptGroup *g, OptTensor *t, int n, long s) { slot_step(&slots[k], g, t, n, s); } \
    SLOT_CUDA_FUNCTION(k)
SLOT_FUNCTIONS(0)
SLOT_FUNCTIONS(1)
SLOT_FUNCTIONS(2)
SLOT_FUNCTIONS(3)
SLOT_FUNCTIONS(4)
SLOT_FUNCTIONS(5)
SLOT_FUNCTIONS(6)
SLOT_FUNCTIONS(7)

/* The functions of one slot. */
typedef struct {
    int (*n_state)(const double *hp);
    int (*check)(const double *hp, char *err, size_t errlen);
    size_t (*state_floats)(const double *hp, const TensorView *v);
    size_t (*scratch_floats)(const double *hp, const TensorView *v);
    void (*init_tensor)(const double *hp, const OptTensor *t);
    OptTensorStepFn step_tensors;
    OptTensorStepCudaFn step_tensors_cuda; /* NULL without CUDA */
} SlotFunctions;

#define SLOT_TABLE(k) {n_state_##k, check_##k, state_floats_##k, scratch_floats_##k, init_##k, step_##k, SLOT_CUDA(k)}
static const SlotFunctions slot_functions[] = {SLOT_TABLE(0), SLOT_TABLE(1), SLOT_TABLE(2), SLOT_TABLE(3),
                                               SLOT_TABLE(4), SLOT_TABLE(5), SLOT_TABLE(6), SLOT_TABLE(7)};
_Static_assert(sizeof slot_functions / sizeof slot_functions[0] == OPT_MAX_ADDED, "one table entry per slot");

/* ---- checking a descriptor ---- */

/* 1 when s is a name: a lower-case letter, then letters, digits and '_'. */
static int valid_name(const char *s)
{
    if (!s || !(*s >= 'a' && *s <= 'z') || strlen(s) > NAME_MAX_LEN) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

/* Checks hyperparameter i and converts it into *out; 0, or -1 with the reason. */
static int convert_hparam(const optbench_hparam *h, int i, ParamDef *out, char *err, size_t errlen)
{
    const unsigned known = OPTBENCH_HP_LOG | OPTBENCH_HP_LO_OPEN | OPTBENCH_HP_HI_OPEN | OPTBENCH_HP_INT |
                           OPTBENCH_HP_BOOL;
    const char *name = h->name ? h->name : "(null)";
    if (!valid_name(h->name) || !strcmp(h->name, "lr_scale") || !strcmp(h->name, "state")) {
        snprintf(err, errlen, "hparams[%d]: '%s' is not a hyperparameter name (a lower-case letter, then letters, "
                 "digits and '_', at most %d; not lr_scale or state, which optbench adds)", i, name, NAME_MAX_LEN);
        return -1;
    }
    if (!h->help) {
        snprintf(err, errlen, "hparams[%d] (%s): help is NULL", i, name);
        return -1;
    }
    if (h->flags & ~known) {
        snprintf(err, errlen, "hparams[%d] (%s): unknown flags 0x%x", i, name, h->flags & ~known);
        return -1;
    }
    const int is_bool = (h->flags & OPTBENCH_HP_BOOL) != 0, is_int = (h->flags & OPTBENCH_HP_INT) != 0;
    *out = (ParamDef){.name = h->name, .kind = is_bool ? PARAM_BOOL : is_int ? PARAM_INT : PARAM_REAL,
                      .def = h->def, .lo = is_bool ? 0 : h->lo, .hi = is_bool ? 1 : h->hi, .help = h->help,
                      .flags = (h->flags & OPTBENCH_HP_LOG ? PARAM_LOG : 0) |
                               (!is_bool && h->flags & OPTBENCH_HP_LO_OPEN ? PARAM_LO_OPEN : 0) |
                               (!is_bool && h->flags & OPTBENCH_HP_HI_OPEN ? PARAM_HI_OPEN : 0)};
    const int below = out->flags & PARAM_LO_OPEN ? !(h->def > out->lo) : !(h->def >= out->lo);
    const int above = out->flags & PARAM_HI_OPEN ? !(h->def < out->hi) : !(h->def <= out->hi);
    if (isnan(out->lo) || isnan(out->hi) || out->lo > out->hi || !isfinite(h->def) || below || above ||
        ((is_int || is_bool) && h->def != floor(h->def)) || (is_bool && h->flags & OPTBENCH_HP_INT)) {
        char range[96];
        params_range_text(out, range, sizeof range);
        snprintf(err, errlen, "hparams[%d] (%s): default %g is not a %s in %s", i, name, h->def,
                 is_bool ? "bool" : is_int ? "whole number" : "number", range);
        return -1;
    }
    return 0;
}

/* Checks the descriptor d of slot s and fills its OptimizerDef; 0, or -1
 * with the reason. */
static int adapt(Slot *s, const optbench_optimizer *d, const SlotFunctions *fns, char *err, size_t errlen)
{
    if (d->abi_version != OPTBENCH_PLUGIN_ABI_VERSION) {
        snprintf(err, errlen, "built for plugin ABI version %d, but this optbench loads version %d (rebuild it "
                 "against this optbench's include/optbench/plugin.h)", d->abi_version, OPTBENCH_PLUGIN_ABI_VERSION);
        return -1;
    }
    if (!valid_name(d->name)) {
        snprintf(err, errlen, "name '%s' is not an optimizer name (a lower-case letter, then letters, digits and "
                 "'_', at most %d)", d->name ? d->name : "(null)", NAME_MAX_LEN);
        return -1;
    }
    const char *missing = !d->summary ? "summary" : !d->hparams ? "hparams" : !d->state_floats ? "state_floats"
                          : !d->state_streams ? "state_streams" : !d->step ? "step" : NULL;
    if (missing) {
        snprintf(err, errlen, "%s: %s is NULL, and it is required", d->name, missing);
        return -1;
    }
    if (d->n_hparams < 1 || d->n_hparams > OPTBENCH_MAX_HPARAMS) {
        snprintf(err, errlen, "%s: n_hparams is %d, not in [1, %d]", d->name, d->n_hparams, OPTBENCH_MAX_HPARAMS);
        return -1;
    }
    for (int i = 0; i < d->n_hparams; i++) {
        char msg[ERRMSG_MAX / 2];
        if (convert_hparam(&d->hparams[i], i, &s->hparams[i], msg, sizeof msg) != 0) {
            snprintf(err, errlen, "%s: %s", d->name, msg);
            return -1;
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(d->hparams[j].name, d->hparams[i].name)) {
                snprintf(err, errlen, "%s: hyperparameter '%s' is named twice", d->name, d->hparams[i].name);
                return -1;
            }
    }
    if (strcmp(d->hparams[0].name, "lr") != 0) {
        snprintf(err, errlen, "%s: hparams[0] is '%s', but the first hyperparameter must be lr", d->name,
                 d->hparams[0].name);
        return -1;
    }
    if (!isfinite(d->flops_per_param) || d->flops_per_param < 0) {
        snprintf(err, errlen, "%s: flops_per_param %g is not a number >= 0", d->name, d->flops_per_param);
        return -1;
    }
    const unsigned known = OPTBENCH_STATE_FP32 | OPTBENCH_STATE_BF16 | OPTBENCH_STATE_BF16_SR | OPTBENCH_STATE_INT8;
    if (d->state_precisions & ~known) {
        snprintf(err, errlen, "%s: state_precisions 0x%x has bits that ABI version %d lacks (0x%x)", d->name,
                 d->state_precisions, OPTBENCH_PLUGIN_ABI_VERSION, d->state_precisions & ~known);
        return -1;
    }
    if (d->unsigned_streams && !(d->state_precisions & OPTBENCH_STATE_INT8)) {
        snprintf(err, errlen, "%s: unsigned_streams 0x%x without OPTBENCH_STATE_INT8 in state_precisions", d->name,
                 d->unsigned_streams);
        return -1;
    }
    if (d->unsigned_streams >> OPT_MAX_STATE) {
        snprintf(err, errlen, "%s: unsigned_streams 0x%x names a state array past the %dth", d->name,
                 d->unsigned_streams, OPT_MAX_STATE);
        return -1;
    }
    for (int i = 0; i < 4; i++)
        if (d->reserved[i]) {
            snprintf(err, errlen, "%s: reserved[%d] is not NULL", d->name, i);
            return -1;
        }
    /* the state precision key of every optimizer: all the precisions when the plugin declares more than
     * fp32 (slot_check refuses those it does not declare), else fp32 only */
    s->hparams[d->n_hparams] = d->state_precisions & ~OPTBENCH_STATE_FP32 ? (ParamDef)OPT_STATE_PARAM
                                                                          : (ParamDef)OPT_STATE_FP32_PARAM;
    memcpy(s->origin, "plugin ", 7);
    memcpy(s->origin + 7, s->info.path, strlen(s->info.path) + 1);
    s->desc = d;
    s->def = (OptimizerDef){
        .name = d->name,
        .summary = d->summary,
        .hparams = s->hparams,
        .n_hparams = d->n_hparams + 1,
        .state_doc = "the plugin's state_floats per tensor",
        .flops_per_param = d->flops_per_param,
        .check = fns->check,
        .n_state = fns->n_state,
        .unsigned_slots = d->unsigned_streams,
        .state_floats = fns->state_floats,
        .scratch_floats = d->scratch_floats ? fns->scratch_floats : NULL,
        .init_tensor = d->init ? fns->init_tensor : NULL,
        .step_tensors = fns->step_tensors,
        .step_tensors_cuda = d->step_cuda ? fns->step_tensors_cuda : NULL,
        .origin = s->origin,
    };
    s->info.optimizer = &s->def;
    return 0;
}

/* ---- loading ---- */

int plugin_load(const char *path, char *err, size_t errlen)
{
    char full[PATH_MAX], msg[ERRMSG_MAX];
    const char *shown = path; /* the path messages name: resolved once it is */
    Slot *s = NULL; /* the slot being filled */
    const optbench_optimizer *(*entry)(void) = NULL;
    const optbench_optimizer *d = NULL;
    int rc = -1;
    if (!realpath(path, full)) {
        snprintf(msg, sizeof msg, "cannot be found: %s", strerror(errno));
        goto cleanup;
    }
    shown = full;
    if (plugin_find_path(full)) return 0;
    if (strlen(full) >= PLUGIN_PATH_MAX) {
        snprintf(msg, sizeof msg, "the path is longer than %d bytes", PLUGIN_PATH_MAX - 1);
        goto cleanup;
    }
    if (n_slots == OPT_MAX_ADDED) {
        snprintf(msg, sizeof msg, "more than %d plugins", OPT_MAX_ADDED);
        goto cleanup;
    }
    s = &slots[n_slots];
    memset(s, 0, sizeof *s);
    snprintf(s->info.path, sizeof s->info.path, "%s", full);
    if (sha256_file(full, s->info.sha256, msg, sizeof msg) != 0) goto cleanup;
    dlerror();
    if (!(s->handle = dlopen(full, RTLD_NOW | RTLD_LOCAL))) {
        const char *why = dlerror();
        snprintf(msg, sizeof msg, "cannot be loaded: %s", why ? why : "dlopen failed");
        goto cleanup;
    }
    *(void **)&entry = dlsym(s->handle, OPTBENCH_PLUGIN_ENTRY);
    if (!entry) {
        snprintf(msg, sizeof msg, "no entry symbol %s() (define it as include/optbench/plugin.h says)",
                 OPTBENCH_PLUGIN_ENTRY);
        goto cleanup;
    }
    if (!(d = entry())) {
        snprintf(msg, sizeof msg, "%s() returned NULL", OPTBENCH_PLUGIN_ENTRY);
        goto cleanup;
    }
    if (adapt(s, d, &slot_functions[n_slots], msg, sizeof msg) != 0 || optimizer_add(&s->def, msg, sizeof msg) != 0)
        goto cleanup;
    n_slots++;
    rc = 0;
cleanup:
    if (rc != 0) {
        snprintf(err, errlen, "plugin %s: %s", shown, msg);
        if (s && s->handle) dlclose(s->handle);
        if (s) memset(s, 0, sizeof *s);
    }
    return rc;
}

int plugin_count(void) { return n_slots; }

const PluginInfo *plugin_at(int i) { return i >= 0 && i < n_slots ? &slots[i].info : NULL; }

const PluginInfo *plugin_of(const OptimizerDef *opt)
{
    for (int i = 0; i < n_slots; i++)
        if (slots[i].info.optimizer == opt) return &slots[i].info;
    return NULL;
}

const PluginInfo *plugin_find_path(const char *path)
{
    for (int i = 0; i < n_slots; i++)
        if (!strcmp(slots[i].info.path, path)) return &slots[i].info;
    return NULL;
}
