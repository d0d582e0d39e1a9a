/* open_log.c — a preload library for tests, not part of optbench: every
 * open(2) of a path that holds $OPEN_LOG_MATCH appends that path and a
 * newline to the file $OPEN_LOG, so that a test can count how often optbench
 * and its worker processes read a data file. Built and loaded by
 * tests/e2e/load_once.sh (LD_PRELOAD). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

typedef int (*OpenFn)(const char *path, int flags, ...);
typedef int (*Open2Fn)(const char *path, int flags); /* __open_2 */

/* The next definition of name after this library's (libc's). */
static OpenFn next_open(const char *name)
{
    return (OpenFn)dlsym(RTLD_NEXT, name);
}

/* Appends path to $OPEN_LOG when it holds $OPEN_LOG_MATCH; one write on an
 * O_APPEND descriptor, so that lines of concurrent processes do not mix. */
static void note(const char *path)
{
    const char *match = getenv("OPEN_LOG_MATCH"), *log = getenv("OPEN_LOG");
    char line[4096];
    if (!match || !log || !path || !strstr(path, match)) return;
    const int fd = next_open("open")(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    const size_t len = strlen(path) < sizeof line - 1 ? strlen(path) : sizeof line - 2;
    memcpy(line, path, len);
    line[len] = '\n';
    if (write(fd, line, len + 1) < 0) { /* the test then counts one open fewer and fails */ }
    close(fd);
}

/* Notes path and opens it through the next definition of name. */
static int forward(const char *name, const char *path, int flags, va_list ap)
{
    const mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
    note(path);
    return next_open(name)(path, flags, mode);
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    const int fd = forward("open", path, flags, ap);
    va_end(ap);
    return fd;
}

int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    const int fd = forward("open64", path, flags, ap);
    va_end(ap);
    return fd;
}

/* The entries of a build with _FORTIFY_SOURCE. */
int __open_2(const char *path, int flags)
{
    note(path);
    return ((Open2Fn)dlsym(RTLD_NEXT, "__open_2"))(path, flags);
}

int __open64_2(const char *path, int flags)
{
    note(path);
    return ((Open2Fn)dlsym(RTLD_NEXT, "__open64_2"))(path, flags);
}
