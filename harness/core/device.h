/* device.h — the GPU as the harness sees it: whether a CUDA device can be
 * used, its name, a counted device allocator, device memory in use, and the
 * checks that turn a failed CUDA or cuBLAS call into a message.
 *
 * device_probe exists in every build; without CUDA it says so. The rest is
 * declared only in a CUDA build (OPTBENCH_CUDA), and is used only by the
 * code under cuda/ folders and by the `#ifdef OPTBENCH_CUDA` paths.
 *
 * Fork safety: a process that has touched the CUDA runtime cannot hand it to
 * forked children, and sweeps run in forked workers. device_probe therefore
 * asks in a short-lived child of its own and leaves the caller untouched.
 *
 * Start-up: the CUDA runtime is linked statically (it opens the driver at
 * its first call) and cuBLAS is opened with dlopen at its first use
 * (harness/core/cuda/cublas_load.c), so that a command that never uses the
 * GPU maps neither.
 */
#ifndef OPTBENCH_DEVICE_H
#define OPTBENCH_DEVICE_H

#include <stddef.h>

#ifdef OPTBENCH_CUDA
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define DEVICE_NAME_MAX 256 /* room for a GPU's name */

/* 0 with the name of CUDA device 0 in name; -1 with the reason in err:
 * "this optbench was built without CUDA ...", "no CUDA device found ..." or
 * "cannot load cuBLAS (libcublas.so.N): ...". A CUDA build loads cuBLAS into
 * the caller once the device is found (dlopen touches no CUDA state, so the
 * caller may still fork workers, which inherit it). */
int device_probe(char *name, size_t len, char *err, size_t errlen);

#ifdef OPTBENCH_CUDA
/* A zeroed device buffer of `bytes`, counted; NULL on failure (the reason
 * in device_error()). */
void *dev_alloc(size_t bytes);

/* Copies bytes of host memory at src into the device buffer dst; 0, or -1
 * (the reason in device_error()). The one host-to-device copy of optbench. */
int dev_upload_to(void *dst, const void *src, size_t bytes);

/* A counted device copy of bytes of host memory at src (0 bytes: a 1-byte
 * buffer); NULL on failure. Free it with dev_free. */
void *dev_upload(const void *src, size_t bytes);

/* Frees a buffer from dev_alloc (NULL is ignored). */
void dev_free(void *ptr);

/* Bytes held through dev_alloc now, and the most since dev_reset_peak. */
size_t dev_current(void);
size_t dev_peak(void);
void dev_reset_peak(void);

/* Device memory in use by every process (cudaMemGetInfo: total - free), or -1. */
long dev_used_bytes(void);

/* Loads cuBLAS (dlopen of libcublas.so.N, or of $OPTBENCH_CUBLAS) unless it
 * is loaded; 0, or -1 with "cannot load cuBLAS (FILE): dlerror's reason" in
 * err. Every cuBLAS call loads it too; this says why it cannot. */
int device_load_cublas(char *err, size_t errlen);

/* This process's cuBLAS handle, created on first use; NULL on failure. */
cublasHandle_t device_blas(void);

/* The message of the last failed check ("" when none). */
const char *device_error(void);

/* Keeps a message for device_error(): a failure that is no CUDA call's. */
void device_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 1 when code is cudaSuccess (resp. CUBLAS_STATUS_SUCCESS); else 0, with
 * "file:line: call: reason" kept for device_error(). Use the macros. */
int device_cuda_ok(int code, const char *call, const char *file, int line);
int device_blas_ok(int status, const char *call, const char *file, int line);

#define CUDA_OK(call) device_cuda_ok((int)(call), #call, __FILE__, __LINE__)
#define BLAS_OK(call) device_blas_ok((int)(call), #call, __FILE__, __LINE__)
/* After a kernel launch: the launch configuration was accepted. */
#define LAUNCH_OK(name) device_cuda_ok((int)cudaGetLastError(), "launch of " name, __FILE__, __LINE__)
#endif

#ifdef __cplusplus
}
#endif

#endif
