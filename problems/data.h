/* data.h — dataset loaders: CSV (optional header), LIBSVM sparse text and
 * IDX, each read through zlib so that gzipped and plain files both work, and
 * a whole-file reader for text corpora.
 *
 * A dataset is a dense row-major float32 matrix of features with one integer
 * label per row in [0, classes). Every buffer comes from the counted
 * allocator. A loader returns 0, or -1 with a one-line message naming the
 * file, the line (text formats) or byte offset (IDX) and the field at fault.
 * Only regular files are read (not a FIFO or a device), at most
 * DATA_MAX_BYTES of them, and every size a header declares is checked
 * against the bytes the file holds before anything is allocated for it.
 */
#ifndef OPTBENCH_DATA_H
#define OPTBENCH_DATA_H

#include <stddef.h>
#include <stdint.h>

#define DATA_MAX_CLASSES 65536 /* most classes a label may name */
#define DATA_MAX_BYTES ((size_t)256 << 20)  /* most bytes of a data file or corpus (after gunzip) */
#define DATA_MAX_FEATURES (1 << 20)          /* most features (columns; the largest LIBSVM index) */
#define DATA_MAX_VALUES ((size_t)1 << 26)    /* most rows x features of a dataset (256 MiB of floats) */

typedef struct {
    float *x;        /* rows x features, row-major */
    int32_t *y;      /* rows labels in [0, classes) */
    size_t rows;     /* examples */
    size_t features; /* columns of x */
    int classes;     /* number of labels */
} Dataset;

/* CSV: each line F feature values and an integer label last. The first line
 * may be a header: "N,F,name,name,..." (row count, feature count, one name
 * per class; checked) or column names (skipped). Without the counted header
 * the classes are 0 .. the largest label. */
int data_load_csv(const char *path, Dataset *ds, char *err, size_t errlen);

/* LIBSVM: "label index:value ..." with 1-based increasing indices; missing
 * values are 0, features = the largest index. Integer labels are mapped in
 * increasing order onto 0, 1, ... ("-1/+1" becomes 0/1). */
int data_load_libsvm(const char *path, Dataset *ds, char *err, size_t errlen);

/* IDX: unsigned-byte images (magic 0x00000803, N x R x C) and labels (magic
 * 0x00000801, N), labels below `classes`. Pixels are kept as 0..255. */
int data_load_idx(const char *images, const char *labels, int classes, Dataset *ds, char *err,
                  size_t errlen);

/* Reads the whole of path (gzipped or plain) into *buf (from mem_alloc,
 * NUL-terminated after its *len bytes). Returns 0, or -1 with a message. */
int data_read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen);

/* Frees the buffers of ds and zeroes it (a zeroed ds is fine). */
void data_free(Dataset *ds);

#endif
