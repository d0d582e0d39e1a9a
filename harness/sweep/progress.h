/* progress.h — what a sweep prints while it runs: one updating line on a
 * terminal (runs done/total, failed, timeout, diverged, runs/s, ETA), plain log
 * lines every few seconds otherwise, nothing with --quiet. */
#ifndef OPTBENCH_PROGRESS_H
#define OPTBENCH_PROGRESS_H

#include "harness/run/record.h"

#define PROGRESS_WINDOW 32 /* runs the ETA's rate is taken over */

typedef struct {
    long total;        /* runs to do in this invocation */
    long ended;        /* runs ended so far */
    long failed;       /* of which failed */
    long timeout;      /* of which timed out */
    long diverged;     /* of which diverged */
    double start;      /* when the first run started */
    double last_print; /* when a line was last drawn */
    double recent[PROGRESS_WINDOW]; /* end times of the last runs, a ring */
    char note[160];    /* shown after the counts ("waiting for ..."), or "" */
    int tty;           /* stderr is a terminal */
    int quiet;         /* print nothing */
} Progress;

void progress_start(Progress *p, long total, int quiet);
/* Adds runs to the total (runs taken over from another process). */
void progress_add(Progress *p, long runs);
/* Sets the note shown on the line ("" for none): drawn at once when there
 * was none, else at the usual interval. */
void progress_note(Progress *p, const char *note);
/* Counts one ended run and redraws when due. */
void progress_update(Progress *p, RunStatus status);
/* Draws the final state and ends the line. */
void progress_finish(Progress *p);

#endif
