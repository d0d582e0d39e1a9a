/* cublas_load.c — cuBLAS, loaded with dlopen on first use instead of being
 * linked: libcublas.so and the libcublasLt.so it needs are about 600 MB
 * whose relocations cost ~100 ms at every start of the binary, and most
 * commands never touch the GPU.
 *
 * The cuBLAS functions optbench calls are defined here under cuBLAS's own
 * names (cublas_v2.h maps cublasCreate to cublasCreate_v2, and so on), so
 * that the code calling them is written against cublas_v2.h as usual; each
 * one loads the library on its first call and forwards to the function
 * resolved from it. Only this file's table names them: a new cuBLAS call
 * elsewhere fails to link until it is added here.
 *
 * The library is looked up as dlopen looks up a name: the executable's run
 * path (the toolkit's lib64, set by the Makefile), LD_LIBRARY_PATH, then
 * ld.so's cache. OPTBENCH_CUBLAS, when set, names the file to load instead.
 */
#include "harness/core/device.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define CUBLAS_STR2(x) #x
#define CUBLAS_STR(x) CUBLAS_STR2(x)
/* The soname of the cuBLAS whose headers this build was compiled with. */
#define CUBLAS_SONAME "libcublas.so." CUBLAS_STR(CUBLAS_VER_MAJOR)

/* Every cuBLAS function optbench calls, as X(return type, name, (parameters),
 * (arguments), value returned when cuBLAS cannot be loaded). */
#define CUBLAS_FUNCTIONS(X)                                                                          \
    X(cublasStatus_t, cublasCreate_v2, (cublasHandle_t * handle), (handle), CUBLAS_STATUS_NOT_INITIALIZED) \
    X(cublasStatus_t, cublasDestroy_v2, (cublasHandle_t handle), (handle), CUBLAS_STATUS_NOT_INITIALIZED)  \
    X(const char *, cublasGetStatusString, (cublasStatus_t status), (status), load_error)                 \
    X(cublasStatus_t, cublasSetMathMode, (cublasHandle_t handle, cublasMath_t mode), (handle, mode),       \
      CUBLAS_STATUS_NOT_INITIALIZED)                                                                      \
    X(cublasStatus_t, cublasSgemm_v2,                                                                     \
      (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,     \
       const float *alpha, const float *A, int lda, const float *B, int ldb, const float *beta, float *C, \
       int ldc),                                                                                          \
      (handle, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc), CUBLAS_STATUS_NOT_INITIALIZED)

/* The functions resolved from the library, one pointer per table entry. */
static struct {
#define CUBLAS_POINTER(ret, name, params, args, fail) ret(*name) params;
    CUBLAS_FUNCTIONS(CUBLAS_POINTER)
#undef CUBLAS_POINTER
} fn;

static pthread_once_t load_once = PTHREAD_ONCE_INIT; /* the load runs once per process */
static void *library;                                /* dlopen's handle; NULL when the load failed */
static char load_error[512];                         /* why the load failed ("" before it is tried) */

/* Opens the library and resolves every function of the table. */
static void load(void)
{
    const char *file = getenv("OPTBENCH_CUBLAS");
    if (!file || !*file) file = CUBLAS_SONAME;
    void *lib = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error, "cannot load cuBLAS (%s): %s", file, dlerror());
        return;
    }
#define CUBLAS_RESOLVE(ret, name, params, args, fail)                                                    \
    if (!(*(void **)&fn.name = dlsym(lib, #name))) {                                                     \
        snprintf(load_error, sizeof load_error, "cannot load cuBLAS (%s): no %s in it: %s", file, #name, \
                 dlerror());                                                                             \
        dlclose(lib);                                                                                    \
        return;                                                                                          \
    }
    CUBLAS_FUNCTIONS(CUBLAS_RESOLVE)
#undef CUBLAS_RESOLVE
    library = lib;
}

int device_load_cublas(char *err, size_t errlen)
{
    pthread_once(&load_once, load);
    if (library) return 0;
    snprintf(err, errlen, "%s", load_error);
    return -1;
}

/* The definitions that stand for cuBLAS's: load, then forward. */
#define CUBLAS_FORWARD(ret, name, params, args, fail)   \
    ret name params                                     \
    {                                                   \
        pthread_once(&load_once, load);                 \
        return library ? fn.name args : fail;           \
    }
CUBLAS_FUNCTIONS(CUBLAS_FORWARD)
#undef CUBLAS_FORWARD
