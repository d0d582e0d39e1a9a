/* memory.c — counted, aligned allocations. Each buffer carries a 64-byte
 * header holding its size, so that mem_free can subtract it. */
#include "harness/core/memory.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define HEADER 64 /* header size; keeps the payload 64-byte aligned */

static size_t current_bytes; /* bytes held through mem_alloc */
static size_t peak_bytes;    /* high-water mark of current_bytes */

void *mem_alloc(size_t bytes)
{
    unsigned char *base = aligned_alloc(HEADER, HEADER + ((bytes + HEADER - 1) / HEADER) * HEADER);
    if (!base) return NULL;
    memset(base + HEADER, 0, bytes); /* touch every page now */
    memcpy(base, &bytes, sizeof bytes);
    current_bytes += bytes;
    if (current_bytes > peak_bytes) peak_bytes = current_bytes;
    return base + HEADER;
}

void mem_free(void *ptr)
{
    if (!ptr) return;
    unsigned char *base = (unsigned char *)ptr - HEADER;
    size_t bytes;
    memcpy(&bytes, base, sizeof bytes);
    current_bytes -= bytes;
    free(base);
}

size_t mem_current(void) { return current_bytes; }
size_t mem_peak(void) { return peak_bytes; }
void mem_reset_peak(void) { peak_bytes = current_bytes; }

long mem_peak_rss(void)
{
    char buf[4096];
    long kib = -1;
    int fd = open("/proc/self/status", O_RDONLY);
    ssize_t len = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0) close(fd);
    if (len > 0) {
        buf[len] = 0;
        const char *hwm = strstr(buf, "VmHWM:");
        if (hwm) kib = strtol(hwm + 6, NULL, 10);
    }
    if (kib >= 0) return kib * 1024L;
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss * 1024L : -1;
}

void mem_reset_peak_rss(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd < 0) return;
    if (write(fd, "5", 1) != 1) { /* an older kernel: the peak then counts from the process start */ }
    close(fd);
}
