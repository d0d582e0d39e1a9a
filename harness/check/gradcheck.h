/* gradcheck.h — a problem's analytic gradient against central differences.
 *
 * For a seeded sample of coordinates from every tensor view, the loss is
 * evaluated (in double; with the problem's loss_ref where it has one) at
 * p + h and p - h (h = the problem's gradcheck_step
 * times max(1, |p|)), where both points are float32
 * values, and the difference quotient uses their exact distance. The error
 * of a coordinate is |analytic - numeric| / max(|analytic|, |numeric|, 1e-6).
 * With dev cuda the analytic gradient comes from the problem's CUDA twin;
 * the differences are taken on the host either way.
 */
#ifndef OPTBENCH_GRADCHECK_H
#define OPTBENCH_GRADCHECK_H

#include <stdint.h>

#include "problems/problem.h"
#include "harness/run/config.h"

typedef struct {
    char tensor[48];     /* view name */
    int checked;         /* coordinates compared */
    size_t worst_index;  /* flat index (in the buffer) of the worst one */
    double worst_rel;    /* its relative error */
    double analytic;     /* its analytic derivative */
    double numeric;      /* its central difference */
} GradcheckTensor;

/* Checks up to `samples` coordinates of each tensor (all when fewer).
 * Writes one entry per view into out (room for max_out) and their count in
 * *n_out. Returns 0, or -1 with a message when the problem cannot be made. */
int gradcheck(const ProblemDef *def, const ParamSet *opts, Device dev, uint64_t seed, int samples,
              GradcheckTensor *out, int max_out, int *n_out, char *err, size_t errlen);

#endif
