/* best_out.c — best configurations per problem x optimizer, as text or JSON. */
#include "harness/cmd/best_out.h"

#include <math.h>
#include <string.h>

#include "harness/cmd/cli.h"

void best_print_text(const ReportData *d, FILE *out)
{
    fprintf(out, "best configuration per problem and optimizer (score: mean [95%% bootstrap interval] over seeds):\n");
    for (int p = 0; p < d->n_problems; p++)
        for (int o = 0; o < d->n_optimizers; o++) {
            const int b = report_best(d, p, o);
            const ReportOutcomes oc = report_outcomes(d, p, o);
            if (!oc.runs) continue;
            fprintf(out, "  %s  %s  ", d->problems[p].label, d->optimizers[o]);
            if (b < 0) {
                fprintf(out, "no configuration finished every seed (%d runs: %d diverged, %d failed, %d pruned)\n",
                        oc.runs, oc.diverged, oc.failed, oc.pruned);
                continue;
            }
            const ReportConfig *c = &d->configs[b];
            fprintf(out, "%s  score %.4g", c->hparams, c->score_iv.mean);
            if (c->score_iv.n > 1) fprintf(out, " [%.4g, %.4g]", c->score_iv.lo, c->score_iv.hi);
            fprintf(out, " (n=%d)", c->score_iv.n);
            if (oc.diverged || oc.failed) fprintf(out, "  [%d of %d runs diverged, %d failed]", oc.diverged, oc.runs, oc.failed);
            if (oc.pruned) fprintf(out, "  [%d of %d runs pruned]", oc.pruned, oc.runs);
            if (d->n_studies > 1) fprintf(out, "  [median of %d studies: study %d]", d->n_studies, c->study);
            for (int i = 0; i < c->n_edges; i++) {
                char edge[128];
                report_edge_text(&c->edges[i], edge, sizeof edge);
                fprintf(out, "  [grid edge: %s; widen it]", edge);
            }
            fputc('\n', out);
        }
}

/* A number, or null when it is not finite. */
static void json_number(FILE *out, double x)
{
    if (isfinite(x)) fprintf(out, "%.9g", x);
    else fputs("null", out);
}

void best_print_json(const ReportData *d, FILE *out)
{
    int first = 1;
    fputc('[', out);
    for (int p = 0; p < d->n_problems; p++)
        for (int o = 0; o < d->n_optimizers; o++) {
            const int b = report_best(d, p, o);
            const ReportOutcomes oc = report_outcomes(d, p, o);
            if (!oc.runs) continue;
            const ReportConfig *c = b >= 0 ? &d->configs[b] : NULL;
            fprintf(out, "%s{\"problem\":", first ? "" : ",");
            first = 0;
            cli_json_string(out, d->problems[p].name);
            fprintf(out, ",\"label\":");
            cli_json_string(out, d->problems[p].label);
            fprintf(out, ",\"options\":%s,\"settings\":%s,\"optimizer\":", d->problems[p].options, d->problems[p].settings);
            cli_json_string(out, d->optimizers[o]);
            fprintf(out, ",\"hyperparameters\":%s,\"score\":", c ? c->hparams : "null");
            json_number(out, c ? c->score_iv.mean : NAN);
            fprintf(out, ",\"score_lo\":");
            json_number(out, c ? c->score_iv.lo : NAN);
            fprintf(out, ",\"score_hi\":");
            json_number(out, c ? c->score_iv.hi : NAN);
            fprintf(out, ",\"seeds\":%d,\"eval_accuracy\":", c ? c->score_iv.n : 0);
            json_number(out, c ? c->acc_mean : NAN);
            fprintf(out, ",\"runs\":%d,\"diverged\":%d,\"failed\":%d,\"pruned\":%d,\"study\":%d,\"study_scores\":[",
                    oc.runs, oc.diverged, oc.failed, oc.pruned, c ? c->study : 0);
            for (int s = 0; s < d->n_studies && d->n_studies > 1; s++) {
                const int sb = report_study_best(d, p, o, s);
                fputs(s ? "," : "", out);
                json_number(out, sb >= 0 ? d->configs[sb].score_iv.mean : NAN);
            }
            fputs("],\"grid_edges\":[", out);
            for (int i = 0; c && i < c->n_edges; i++) {
                fprintf(out, "%s{\"key\":", i ? "," : "");
                cli_json_string(out, c->edges[i].key);
                fprintf(out, ",\"value\":%.9g,\"side\":\"%s\"}", c->edges[i].value, c->edges[i].top ? "top" : "bottom");
            }
            fputs("]}", out);
        }
    fputs("]\n", out);
}
