/* memory.h — the harness's allocator: 64-byte aligned, zeroed and touched
 * buffers (so page faults stay out of timed loops), with a running count of
 * the bytes held and their peak, recorded with every run. */
#ifndef OPTBENCH_MEMORY_H
#define OPTBENCH_MEMORY_H

#include <stddef.h>

/* A zeroed buffer of `bytes`; NULL when out of memory. */
void *mem_alloc(size_t bytes);

/* Frees a buffer from mem_alloc (NULL is ignored). */
void mem_free(void *ptr);

/* Bytes held now, and the most held since the last mem_reset_peak. */
size_t mem_current(void);
size_t mem_peak(void);
void mem_reset_peak(void);

/* Peak resident set size of this process in bytes since the last
 * mem_reset_peak_rss (VmHWM of /proc/self/status; getrusage where that is
 * unreadable, which counts from the process start). */
long mem_peak_rss(void);

/* Starts a new peak-RSS measurement (writes 5 to /proc/self/clear_refs). */
void mem_reset_peak_rss(void);

#endif
