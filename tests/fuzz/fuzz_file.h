/* fuzz_file.h — for the libFuzzer targets of tests/fuzz/: the loaders read
 * files by name, so each input is written to a file of this process under
 * /tmp first and read back through the real code path. */
#ifndef OPTBENCH_FUZZ_FILE_H
#define OPTBENCH_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Writes n bytes of data to /dev/shm/optbench-fuzz-PID-TAG, whose name it
 * writes into path and returns; aborts if it cannot. */
static inline const char *fuzz_file(const char *tag, const uint8_t *data, size_t n, char *path, size_t len)
{
    snprintf(path, len, "/dev/shm/optbench-fuzz-%d-%s", (int)getpid(), tag);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) abort();
    return path;
}

#endif
