/* child.c — a function run in a forked child, and how it ended (child.h). */
#include "harness/core/child.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_TEXT_MAX 1100 /* room for "plugin PATH" or a task naming a file */

/* What a child last noted, in memory shared with its parent. */
typedef struct {
    char who[CHILD_TEXT_MAX];  /* whose code ran last */
    char what[32];             /* which part of it */
    long t;                    /* at which step; 0: none */
    int inside;                /* 1 between child_enter and child_leave */
    char task[CHILD_TEXT_MAX]; /* what the child works on; "" none */
} ChildNotes;

static ChildNotes *notes;                 /* set in a child of child_run only */
static const char *noted_who, *noted_what; /* the texts last copied into notes */

void child_enter(const char *who, const char *what, long t)
{
    if (!notes) return;
    if (who != noted_who) snprintf(notes->who, sizeof notes->who, "%s", who), noted_who = who;
    if (what != noted_what) snprintf(notes->what, sizeof notes->what, "%s", what), noted_what = what;
    notes->t = t;
    notes->inside = 1;
}

void child_leave(void)
{
    if (notes) notes->inside = 0;
}

void child_task(const char *fmt, ...)
{
    va_list ap;
    if (!notes) return;
    fflush(stdout);
    va_start(ap, fmt);
    vsnprintf(notes->task, sizeof notes->task, fmt, ap);
    va_end(ap);
}

/* 1 for the signals that stop a command from outside (Ctrl-C, kill, a
 * closed terminal, a reader of its output gone) rather than a crash. */
static int sent_from_outside(int sig)
{
    return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGPIPE;
}

/* The message for a child killed by signal sig, from its notes. */
static void describe(const ChildNotes *n, const char *who, int sig, char *err, size_t errlen)
{
    char in[sizeof n->what + 48] = "", task[sizeof n->task + 4] = "";
    if (n->inside && n->t > 0) snprintf(in, sizeof in, " in %s %ld", n->what, n->t);
    else if (n->inside) snprintf(in, sizeof in, " in %s", n->what);
    if (n->task[0]) snprintf(task, sizeof task, " (%s)", n->task);
    snprintf(err, errlen, "%s crashed: signal %d (%s)%s%s", n->inside ? n->who : who, sig, strsignal(sig), in, task);
}

int child_tie(pid_t parent)
{
    /* the check after prctl covers a parent that died between the fork and it */
    return prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent ? -1 : 0;
}

int child_run(int (*fn)(void *ctx), void *ctx, const char *who, char *err, size_t errlen)
{
    ChildNotes *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int status = 0, rc = -1;
    if (shared == MAP_FAILED) {
        snprintf(err, errlen, "cannot start a child process: %s", strerror(errno));
        return -1;
    }
    fflush(NULL); /* nothing buffered is written twice */
    const pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        /* a child whose parent is gone (killed by SIGTERM, say) stops too */
        if (child_tie(parent) != 0) _exit(EXIT_FAILURE);
        notes = shared;
        const int code = fn(ctx);
        fflush(NULL);
        _exit(code & 0xff);
    }
    if (pid < 0) {
        snprintf(err, errlen, "cannot start a child process: %s", strerror(errno));
        goto cleanup;
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, errlen, "waiting for the child process: %s", strerror(errno));
            goto cleanup;
        }
    if (WIFEXITED(status)) {
        rc = WEXITSTATUS(status);
    } else {
        const int sig = WTERMSIG(status);
        if (sent_from_outside(sig)) { /* the caller ends as it would have without a child */
            signal(sig, SIG_DFL);
            raise(sig);
        }
        describe(shared, who, sig, err, errlen);
    }
cleanup:
    munmap(shared, sizeof *shared);
    return rc;
}
