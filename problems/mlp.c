/* mlp.c — a fully connected network with relu, gelu or tanh between its
 * layers and softmax cross-entropy on top; torch.nn.Linear's init. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "problems/classifier.h"

#define MLP_MAX_WIDTH 65536 /* widest hidden layer */

enum { OPT_HIDDEN = CLS_N_DATA_OPTS, OPT_ACTIVATION, N_OPTS };

static const ParamDef options[N_OPTS] = {
    CLASSIFIER_DATA_OPTIONS,
    {"hidden", PARAM_LIST, 0, 0, 0, 0, "[128,128]", "widths of the hidden layers"},
    {"activation", PARAM_CHOICE, ACT_RELU, 0, 0, 0, "relu|gelu|tanh", "nonlinearity between layers"},
};

static Problem *create(const ParamSet *opts, char *err, size_t errlen)
{
    int hidden[CLASSIFIER_MAX_LAYERS], n = 0;
    const char *p = opts->text[OPT_HIDDEN] + 1; /* past '[' of the normalised "[a,b]" */
    while (*p && *p != ']') {
        char *end;
        long w = strtol(p, &end, 10);
        if (n == CLASSIFIER_MAX_LAYERS - 1 || w > MLP_MAX_WIDTH) {
            snprintf(err, errlen, "hidden = %s: at most %d layers of at most %d units", opts->text[OPT_HIDDEN],
                     CLASSIFIER_MAX_LAYERS - 1, MLP_MAX_WIDTH);
            return NULL;
        }
        hidden[n++] = (int)w;
        p = *end == ',' ? end + 1 : end;
    }
    return classifier_create(opts, hidden, n, (Activation)opts->num[OPT_ACTIVATION], 0, err, errlen);
}

const ProblemDef problem_mlp = {
    .name = "mlp",
    .summary = "fully connected classifier on a real dataset (hidden=[128,128], relu|gelu|tanh)",
    .options = options,
    .n_options = N_OPTS,
    .default_target = 0.1,
    .gradcheck_tol = 1e-3,
    .gradcheck_step = 1e-5,
    .create = create,
    .init = classifier_init,
    .loss_and_grad = classifier_loss_and_grad,
    .loss_ref = classifier_loss_ref,
    .eval = classifier_eval,
    .destroy = classifier_destroy,
#ifdef OPTBENCH_CUDA
    .cuda = &classifier_cuda,
#endif
};
