/* fork_log.c — a preload library for tests, not part of optbench: every
 * fork(2) and pthread_create(3) appends a line to the file $FORK_LOG,
 * "fork PID THREADS" (the caller's pid, and how many threads of its process
 * were running: the caller and those started through pthread_create whose
 * start routine has not returned) or "thread PID", so that a test can check
 * from how many threads a sweep's parent forks its workers and how many
 * threads of its own it starts. Built and loaded by
 * tests/e2e/checkpoint_fork.sh (LD_PRELOAD). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef pid_t (*ForkFn)(void);
typedef int (*CreateFn)(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg);

/* A thread's start routine and its argument, for started(). */
typedef struct {
    void *(*start)(void *); /* the routine */
    void *arg;              /* its argument */
} Start;

static int running; /* threads started here whose routine has not returned */

/* Appends line to $FORK_LOG: one write on an O_APPEND descriptor, so that
 * lines of concurrent processes do not mix. */
static void note(const char *line)
{
    const char *log = getenv("FORK_LOG");
    if (!log) return;
    const int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    if (write(fd, line, strlen(line)) < 0) { /* the test then counts a line fewer and fails */ }
    close(fd);
}

/* A started thread: its routine, then one fewer running. */
static void *started(void *arg)
{
    Start s = *(Start *)arg;
    free(arg);
    void *result = s.start(s.arg);
    __atomic_sub_fetch(&running, 1, __ATOMIC_SEQ_CST);
    return result;
}

pid_t fork(void)
{
    char line[64];
    snprintf(line, sizeof line, "fork %ld %d\n", (long)getpid(), 1 + __atomic_load_n(&running, __ATOMIC_SEQ_CST));
    note(line);
    return ((ForkFn)dlsym(RTLD_NEXT, "fork"))();
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg)
{
    char line[64];
    Start *s = malloc(sizeof *s);
    if (!s) return EAGAIN;
    *s = (Start){start, arg};
    snprintf(line, sizeof line, "thread %ld\n", (long)getpid());
    note(line);
    __atomic_add_fetch(&running, 1, __ATOMIC_SEQ_CST);
    const int rc = ((CreateFn)dlsym(RTLD_NEXT, "pthread_create"))(thread, attr, started, s);
    if (rc) {
        __atomic_sub_fetch(&running, 1, __ATOMIC_SEQ_CST);
        free(s);
    }
    return rc;
}
