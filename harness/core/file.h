/* file.h — opening the input files that people name (datasets, corpora,
 * sweep files, golden vectors): only a regular file is opened, so that a
 * FIFO cannot block, a device such as /dev/zero or /dev/urandom cannot
 * feed bytes forever and a folder is named as one; and a file larger than
 * the caller's cap is refused from its size before anything is read.
 */
#ifndef OPTBENCH_FILE_H
#define OPTBENCH_FILE_H

#include <stddef.h>

/* Opens path read-only; returns the descriptor, or -1 with a message
 * ("PATH: not a regular file (a FIFO): ..."). Never waits for a FIFO's
 * writer. */
int file_open_input(const char *path, size_t max_bytes, char *err, size_t errlen);

/* Reads all of a regular file of at most max_bytes into *buf (malloc'd,
 * NUL-terminated after its *len bytes). Returns 0, or -1 with a message. */
int file_read_input(const char *path, size_t max_bytes, char **buf, size_t *len, char *err, size_t errlen);

#endif
