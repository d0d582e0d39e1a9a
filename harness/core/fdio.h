/* fdio.h — writing a whole buffer to a file descriptor.
 *
 * write(2) may write less than asked (a pipe, a signal); every writer of a
 * pipe in optbench (the worker pool, the device probe) goes through
 * write_all instead of its own loop.
 */
#ifndef OPTBENCH_FDIO_H
#define OPTBENCH_FDIO_H

#include <stddef.h>

/* Writes len bytes of buf to fd, retrying short writes and EINTR. Returns
 * 0, or -1 when the descriptor refuses (errno says why). */
int write_all(int fd, const void *buf, size_t len);

#endif
