/* device.c — the device probe of a build without CUDA: it says so. The
 * CUDA build's probe, counted allocator, uploads, memory queries, cuBLAS
 * handle and error checks are in cuda/device_cuda.c. */
#include "harness/core/device.h"

#include <stdio.h>

#ifndef OPTBENCH_CUDA

int device_probe(char *name, size_t len, char *err, size_t errlen)
{
    if (len) name[0] = 0;
    snprintf(err, errlen, "this optbench was built without CUDA (rebuild with make CUDA=1)");
    return -1;
}

#endif
