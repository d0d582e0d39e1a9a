/* logreg.c — multinomial logistic regression: softmax cross-entropy of
 * x · W^T + b, with W (classes x features) and b starting at 0. */
#include <math.h>

#include "problems/classifier.h"

static const ParamDef options[CLS_N_DATA_OPTS] = {CLASSIFIER_DATA_OPTIONS};

static Problem *create(const ParamSet *opts, char *err, size_t errlen)
{
    return classifier_create(opts, NULL, 0, ACT_RELU, 1, err, errlen);
}

const ProblemDef problem_logreg = {
    .name = "logreg",
    .summary = "multinomial logistic regression on a real dataset (digits, iris, csv:PATH, ...)",
    .options = options,
    .n_options = CLS_N_DATA_OPTS,
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
