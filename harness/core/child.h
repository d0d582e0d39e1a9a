/* child.h — running a function in a forked child process and telling how
 * it ended: code the program does not own (an optimizer plugin's) that
 * crashes then ends the child, and the command says where it died instead
 * of dying with it.
 *
 * The child notes where it is as it goes (child_enter: whose code, which
 * part of it, at which step; child_task: what it works on) in memory it
 * shares with the parent, a few stores per note; the parent reads the last
 * notes when the child is killed. Outside a child of child_run the notes
 * do nothing, so code that notes runs anywhere (the workers of a sweep
 * report a crash their own way: harness/sweep/pool.h).
 */
#ifndef OPTBENCH_CHILD_H
#define OPTBENCH_CHILD_H

#include <sys/types.h>

#include <stddef.h>

/* Runs fn(ctx) in a forked child and waits for it. Returns fn's return
 * value (0 to 255) when the child exits. When a crash kills it: -1 with
 * "WHO crashed: signal 11 (Segmentation fault) in WHAT T (TASK)" in err,
 * from its last notes (WHO: who when the child was not in noted code,
 * then without " in WHAT T"). -1 with the reason when it cannot start.
 * A child stopped from outside (SIGINT, SIGTERM, SIGHUP, or SIGPIPE when
 * the reader of its output went away) ends the caller by the same signal,
 * as the command would have ended without a child; and the child is killed
 * when the caller dies. */
int child_run(int (*fn)(void *ctx), void *ctx, const char *who, char *err, size_t errlen);

/* In a process just forked from parent: has it killed (SIGKILL) when its
 * parent dies, also if the parent died before this call. 0, or -1 when the
 * parent is already gone (the child should _exit). child_run's children
 * and a sweep's workers start with it. */
int child_tie(pid_t parent);

/* In a child of child_run: code of who ("plugin /x/y.so") runs from now,
 * its part what ("step") at step t (0: none), until child_leave. who and
 * what must stay valid and unchanged while the child runs (their text is
 * copied only when the pointers change). */
void child_enter(const char *who, const char *what, long t);
void child_leave(void);

/* In a child of child_run: what it works on from now ("verifying FILE").
 * Flushes stdout first, so that what it printed for the tasks before is
 * kept if it dies. */
void child_task(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
