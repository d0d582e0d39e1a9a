/* record.c — status names and the empty summary of record.h. */
#include "harness/run/record.h"

#include <math.h>
#include <string.h>

const char *run_status_name(RunStatus s)
{
    static const char *const names[] = {"pending", "running", "done", "diverged", "failed", "timeout", "pruned"};
    return names[s];
}

const char *row_norm_name(RowNorm which)
{
    static const char *const names[N_NORMS] = {
        [NORM_GRAD] = "grad_norm",
        [NORM_GRAD_CLIPPED] = "clipped_grad_norm",
        [NORM_UPDATE] = "update_norm",
        [NORM_PARAM] = "param_norm",
    };
    return names[which];
}

void run_summary_start(const RunConfig *cfg, RunSummary *out)
{
    memset(out, 0, sizeof *out);
    out->status = RUN_FAILED;
    out->first_loss = out->final_loss = out->best_loss = NAN;
    out->eval_loss = out->eval_accuracy = out->seconds_to_target = NAN;
    out->fb_median = out->fb_p90 = out->opt_median = out->opt_p90 = NAN;
    out->step_median = out->step_p90 = NAN;
    out->gflops = out->sgemm_gflops = NAN;
    out->steps_to_target = -1;
    out->device_peak_bytes = out->device_used_bytes = -1;
    out->target = config_target(cfg);
}
