/* file.c — the input-file checks of file.h. */
#include "harness/core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a file that is not a regular one is, in words. */
static const char *file_kind(mode_t mode)
{
    if (S_ISDIR(mode)) return "a folder";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a file";
}

int file_open_input(const char *path, size_t max_bytes, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* a FIFO opens without waiting for a writer */
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file (%s): only files are read", path, file_kind(st.st_mode));
    } else if ((uintmax_t)st.st_size > max_bytes) {
        snprintf(err, errlen, "%s: %jd bytes, more than the %zu such a file may hold", path, (intmax_t)st.st_size,
                 max_bytes);
    } else if (fcntl(fd, F_SETFL, 0) != 0) { /* blocking reads again */
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    } else {
        return fd;
    }
    close(fd);
    return -1;
}

int file_read_input(const char *path, size_t max_bytes, char **buf, size_t *len, char *err, size_t errlen)
{
    int rc = -1;
    struct stat st;
    char *data = NULL;
    size_t got = 0;
    const int fd = file_open_input(path, max_bytes, err, errlen);
    if (fd < 0) return -1;
    if (fstat(fd, &st) != 0 || !(data = malloc((size_t)st.st_size + 1))) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno ? errno : ENOMEM));
        goto cleanup;
    }
    /* the size may change under us: read what is there, up to the size seen */
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, data + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
            goto cleanup;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    data[got] = 0;
    *buf = data;
    *len = got;
    data = NULL;
    rc = 0;
cleanup:
    free(data);
    close(fd);
    return rc;
}
