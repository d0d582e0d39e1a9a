/* device_cuda.c — the device side of device.h in a CUDA build: the probe
 * (in a short-lived child), the counted device allocator, host-to-device
 * uploads, memory queries, the cuBLAS handle and the error checks; the
 * build without CUDA has only device.c's probe. cuBLAS itself is loaded by
 * cublas_load.c. */
#include "harness/core/device.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/core/fdio.h"

#define PROBE_MSG_MAX 512 /* bytes the probing child writes: status byte and text */

/* In the probing child: '0' and the device name, or '1' and the reason. */
static void probe_child(int fd)
{
    char msg[PROBE_MSG_MAX];
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    struct cudaDeviceProp prop;
    if (e != cudaSuccess)
        snprintf(msg, sizeof msg, "1no CUDA device found (cudaGetDeviceCount: %s)", cudaGetErrorString(e));
    else if (count == 0)
        snprintf(msg, sizeof msg, "1no CUDA device found (cudaGetDeviceCount: 0 devices)");
    else if ((e = cudaGetDeviceProperties(&prop, 0)) != cudaSuccess)
        snprintf(msg, sizeof msg, "1no usable CUDA device (cudaGetDeviceProperties: %s)", cudaGetErrorString(e));
    else
        snprintf(msg, sizeof msg, "0%s", prop.name);
    (void)write_all(fd, msg, strlen(msg) + 1); /* a lost answer reads as "the probe process died" */
}

int device_probe(char *name, size_t len, char *err, size_t errlen)
{
    static int probed;                  /* 1 once the child has answered */
    static char answer[PROBE_MSG_MAX];  /* its answer, kept for later calls */
    int rc = -1, fds[2] = {-1, -1};
    if (!probed) {
        size_t got = 0;
        pid_t pid;
        if (pipe(fds) != 0 || (pid = fork()) < 0) {
            snprintf(err, errlen, "no CUDA device found (cannot start the probe)");
            goto cleanup;
        }
        if (pid == 0) {
            close(fds[0]);
            probe_child(fds[1]);
            _exit(0);
        }
        close(fds[1]);
        fds[1] = -1;
        ssize_t r;
        while (got < sizeof answer - 1 && (r = read(fds[0], answer + got, sizeof answer - 1 - got)) > 0)
            got += (size_t)r;
        answer[got] = 0;
        waitpid(pid, NULL, 0);
        if (got == 0) snprintf(answer, sizeof answer, "1no CUDA device found (the probe process died)");
        probed = 1;
    }
    if (answer[0] != '0') {
        snprintf(err, errlen, "%s", answer + 1);
        goto cleanup;
    }
    if (device_load_cublas(err, errlen) != 0) goto cleanup;
    snprintf(name, len, "%s", answer + 1);
    rc = 0;
cleanup:
    if (fds[0] >= 0) close(fds[0]);
    if (fds[1] >= 0) close(fds[1]);
    return rc;
}

/* One live device buffer. */
typedef struct {
    void *ptr;    /* from cudaMalloc */
    size_t bytes; /* its size */
} DevBlock;

static DevBlock *blocks;      /* live buffers */
static size_t n_blocks;       /* entries in blocks */
static size_t cap_blocks;     /* room in blocks */
static size_t current_bytes;  /* bytes held through dev_alloc */
static size_t peak_bytes;     /* high-water mark of current_bytes */
static char last_error[512];  /* message of the last failed check */

void *dev_alloc(size_t bytes)
{
    void *ptr = NULL;
    if (n_blocks == cap_blocks) {
        size_t cap = cap_blocks ? 2 * cap_blocks : 64;
        DevBlock *b = realloc(blocks, cap * sizeof *b);
        if (!b) {
            snprintf(last_error, sizeof last_error, "out of host memory for the device allocator");
            return NULL;
        }
        blocks = b;
        cap_blocks = cap;
    }
    if (!CUDA_OK(cudaMalloc(&ptr, bytes ? bytes : 1))) return NULL;
    if (!CUDA_OK(cudaMemset(ptr, 0, bytes))) {
        cudaFree(ptr);
        return NULL;
    }
    blocks[n_blocks++] = (DevBlock){ptr, bytes};
    current_bytes += bytes;
    if (current_bytes > peak_bytes) peak_bytes = current_bytes;
    return ptr;
}

int dev_upload_to(void *dst, const void *src, size_t bytes)
{
    return !bytes || CUDA_OK(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice)) ? 0 : -1;
}

void *dev_upload(const void *src, size_t bytes)
{
    void *dst = dev_alloc(bytes);
    if (dst && dev_upload_to(dst, src, bytes) != 0) {
        dev_free(dst);
        dst = NULL;
    }
    return dst;
}

void dev_free(void *ptr)
{
    if (!ptr) return;
    for (size_t i = 0; i < n_blocks; i++)
        if (blocks[i].ptr == ptr) {
            current_bytes -= blocks[i].bytes;
            blocks[i] = blocks[--n_blocks];
            break;
        }
    CUDA_OK(cudaFree(ptr));
}

size_t dev_current(void) { return current_bytes; }
size_t dev_peak(void) { return peak_bytes; }
void dev_reset_peak(void) { peak_bytes = current_bytes; }

long dev_used_bytes(void)
{
    size_t free_b = 0, total_b = 0;
    if (!CUDA_OK(cudaMemGetInfo(&free_b, &total_b))) return -1;
    return (long)(total_b - free_b);
}

cublasHandle_t device_blas(void)
{
    static cublasHandle_t handle; /* created once per process */
    if (handle) return handle;
    if (device_load_cublas(last_error, sizeof last_error) != 0) return NULL;
    if (!BLAS_OK(cublasCreate(&handle))) return handle = NULL;
    /* float32 products: no TF32 tensor-core rounding, so that they match OpenBLAS's to float32 */
    if (!BLAS_OK(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH))) {
        cublasDestroy(handle);
        handle = NULL;
    }
    return handle;
}

const char *device_error(void) { return last_error; }

void device_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
}

int device_cuda_ok(int code, const char *call, const char *file, int line)
{
    if (code == (int)cudaSuccess) return 1;
    snprintf(last_error, sizeof last_error, "%s:%d: %s: %s", file, line, call,
             cudaGetErrorString((cudaError_t)code));
    return 0;
}

int device_blas_ok(int status, const char *call, const char *file, int line)
{
    if (status == (int)CUBLAS_STATUS_SUCCESS) return 1;
    snprintf(last_error, sizeof last_error, "%s:%d: %s: %s", file, line, call,
             cublasGetStatusString((cublasStatus_t)status));
    return 0;
}
