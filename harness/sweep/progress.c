/* progress.c — the progress line and periodic log lines. */
#include "harness/sweep/progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/core/timing.h"

#define TTY_INTERVAL 0.1  /* seconds between redraws on a terminal */
#define LOG_INTERVAL 10.0 /* seconds between plain log lines */

void progress_start(Progress *p, long total, int quiet)
{
    *p = (Progress){.total = total, .quiet = quiet, .tty = isatty(2)};
    p->start = p->last_print = now_seconds();
}

static void draw(Progress *p, int final)
{
    const double now = now_seconds(), elapsed = now - p->start;
    const long k = p->ended < PROGRESS_WINDOW ? p->ended : PROGRESS_WINDOW;
    const double since = k < p->ended ? p->recent[p->ended % PROGRESS_WINDOW] : p->start; /* end of run ended-k */
    const double rate = now > since ? (double)k / (now - since) : 0;
    const double eta = rate > 0 ? (double)(p->total - p->ended) / rate : 0;
    fprintf(stderr, "%s[%ld/%ld] failed %ld, timeout %ld, diverged %ld | %.1f runs/s | %s %02d:%02d:%02d%s%s%s",
            p->tty ? "\r" : "", p->ended, p->total, p->failed, p->timeout, p->diverged, rate, final ? "took" : "ETA",
            (int)(final ? elapsed : eta) / 3600, (int)(final ? elapsed : eta) / 60 % 60,
            (int)(final ? elapsed : eta) % 60, p->note[0] && !final ? " | " : "", final ? "" : p->note,
            p->tty && !final ? "\033[K" : "\n");
    p->last_print = now_seconds();
}

void progress_add(Progress *p, long runs) { p->total += runs; }

void progress_note(Progress *p, const char *note)
{
    const int was_empty = !p->note[0];
    if (!strcmp(p->note, note)) return;
    snprintf(p->note, sizeof p->note, "%s", note);
    if (p->quiet || !note[0]) return;
    if (was_empty || now_seconds() - p->last_print >= (p->tty ? TTY_INTERVAL : LOG_INTERVAL)) draw(p, 0);
}

void progress_update(Progress *p, RunStatus status)
{
    p->recent[p->ended % PROGRESS_WINDOW] = now_seconds();
    p->ended++;
    p->failed += status == RUN_FAILED;
    p->timeout += status == RUN_TIMEOUT;
    p->diverged += status == RUN_DIVERGED;
    if (p->quiet || p->ended == p->total) return;
    if (now_seconds() - p->last_print >= (p->tty ? TTY_INTERVAL : LOG_INTERVAL)) draw(p, 0);
}

void progress_finish(Progress *p)
{
    if (!p->quiet && p->total > 0) draw(p, 1);
}
