/* data.c — the CSV, LIBSVM and IDX loaders of data.h. Files are read through
 * zlib's gz* functions, which pass plain files through unchanged. */
#include "problems/data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "harness/core/file.h"
#include "harness/core/memory.h"
#include "harness/core/number.h"

#define READ_CHUNK 65536 /* bytes per gzread */

/* A whole text file split into NUL-terminated lines. */
typedef struct {
    char *buf;    /* the file, every '\n' replaced by NUL */
    size_t len;   /* bytes in buf before the final NUL */
    size_t lines; /* lines in buf */
} Text;

/* Opens path for reading through zlib; NULL with a message. Only a regular
 * file of at most DATA_MAX_BYTES is opened (file.h). */
static gzFile open_gz(const char *path, char *err, size_t errlen)
{
    const int fd = file_open_input(path, DATA_MAX_BYTES, err, errlen);
    if (fd < 0) return NULL;
    gzFile f = gzdopen(fd, "rb"); /* owns fd from here */
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: out of memory", path);
        close(fd);
    }
    return f;
}

/* Reads up to n bytes; returns the count, or -1 with a message naming the
 * byte offset of corrupt compressed data. */
static long read_gz(gzFile f, const char *path, void *buf, size_t n, char *err, size_t errlen)
{
    int zerr;
    size_t got = 0;
    while (got < n) {
        unsigned want = n - got < READ_CHUNK ? (unsigned)(n - got) : READ_CHUNK;
        int r = gzread(f, (char *)buf + got, want);
        if (r < 0) {
            const char *msg = gzerror(f, &zerr);
            snprintf(err, errlen, "%s: byte %ld: cannot read: %s", path, (long)gztell(f),
                     zerr == Z_ERRNO ? strerror(errno) : msg);
            return -1;
        }
        if (r == 0) {
            gzerror(f, &zerr);
            if (zerr != Z_BUF_ERROR) break;
            snprintf(err, errlen, "%s: byte %ld: compressed data ends early (truncated file)", path, (long)gztell(f));
            return -1;
        }
        got += (size_t)r;
    }
    return (long)got;
}

int data_read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
    int rc = -1;
    size_t cap = READ_CHUNK, got = 0; /* cap: bytes of data room, one more for the NUL */
    long r = 0;
    char *data = NULL;
    gzFile f = open_gz(path, err, errlen);
    if (!f) return -1;
    data = mem_alloc(cap + 1);
    while (data && (r = read_gz(f, path, data + got, cap - got, err, errlen)) > 0) {
        got += (size_t)r;
        if (got < cap) continue;
        if (got > DATA_MAX_BYTES) { /* gunzipped past the cap: room for DATA_MAX_BYTES + 1 was filled */
            snprintf(err, errlen, "%s: byte %zu: more than the %zu bytes a data file may hold (after gunzip)", path,
                     DATA_MAX_BYTES, DATA_MAX_BYTES);
            r = -1;
            break;
        }
        const size_t more = 2 * cap < DATA_MAX_BYTES + 1 ? 2 * cap : DATA_MAX_BYTES + 1;
        char *bigger = mem_alloc(more + 1);
        if (bigger) memcpy(bigger, data, got);
        mem_free(data);
        data = bigger;
        cap = more;
    }
    if (!data) snprintf(err, errlen, "%s: out of memory", path);
    if (!data || r < 0) goto cleanup;
    data[got] = 0;
    *buf = data;
    *len = got;
    rc = 0;
cleanup:
    gzclose(f);
    if (rc) mem_free(data);
    return rc;
}

/* Reads the whole of path into t and splits it into lines ("\r\n" ends a line
 * too). Returns 0, or -1 with a message. */
static int read_text(const char *path, Text *t, char *err, size_t errlen)
{
    int rc = -1;
    memset(t, 0, sizeof *t);
    if (data_read_file(path, &t->buf, &t->len, err, errlen) != 0) return -1;
    const char *nul = memchr(t->buf, 0, t->len);
    if (nul) {
        snprintf(err, errlen, "%s: byte %zu: NUL byte: not a text file", path, (size_t)(nul - t->buf));
        goto cleanup;
    }
    for (size_t i = 0; i < t->len; i++) {
        if (t->buf[i] != '\n') continue;
        t->buf[i] = 0;
        if (i > 0 && t->buf[i - 1] == '\r') t->buf[i - 1] = ' ';
        t->lines++;
    }
    if (t->len > 0 && t->buf[t->len - 1] != 0) t->lines++; /* last line without '\n' */
    rc = 0;
cleanup:
    if (rc) {
        mem_free(t->buf);
        t->buf = NULL;
    }
    return rc;
}

/* The line after `line` in a Text. */
static char *next_line(char *line) { return line + strlen(line) + 1; }

/* 1 when s holds only blanks. */
static int blank(const char *s)
{
    return s[strspn(s, " \t")] == 0;
}

/* Reads one number at *p (blanks before it allowed) that ends at the string's
 * end or at one of the characters of `stop`; returns 0 and moves *p past it,
 * or -1. */
static int read_number(const char **p, const char *stop, double *out)
{
    const char *end, *s = *p + strspn(*p, " \t");
    double v;
    const NumberStatus st = number_scan(s, &end, &v); /* decimal only: no nan, inf or hex */
    if ((st != NUMBER_OK && st != NUMBER_TINY) || (*end && !strchr(stop, *end))) return -1;
    *out = v; /* a subnormal feature is a value like any other (it becomes a float 0) */
    *p = end;
    return 0;
}

/* Reads a CSV field holding a number, blanks around it allowed, and moves *p
 * past its comma; returns 0 or -1. */
static int read_csv_number(const char **p, double *out)
{
    if (read_number(p, ", \t", out) != 0) return -1;
    *p += strspn(*p, " \t");
    if (**p == ',') (*p)++;
    else if (**p) return -1;
    return 0;
}

/* Copies the field at p (up to a comma or blank) into buf for a message. */
static const char *field_text(const char *p, char *buf, size_t len)
{
    size_t n = strcspn(p, ", \t");
    snprintf(buf, len, "%.*s", (int)(n < 40 ? n : 40), p);
    return buf;
}

/* Number of comma-separated fields of a line. */
static size_t count_fields(const char *line)
{
    size_t n = 1;
    for (; *line; line++) n += *line == ',';
    return n;
}

/* Checks that a label is an integer in [0, classes); returns 0 or -1. */
static int check_label(double v, int classes, const char *path, size_t line, size_t field, char *err,
                       size_t errlen)
{
    if (v == floor(v) && v >= 0 && v < classes) return 0;
    snprintf(err, errlen, "%s:%zu: field %zu (label): %.17g is not an integer in [0, %d)", path, line,
             field, v, classes);
    return -1;
}

/* Parses one CSV data line of F features and a label into x and *y. */
static int parse_csv_row(const char *line, size_t F, int classes, const char *path, size_t lineno,
                         float *x, int32_t *y, char *err, size_t errlen)
{
    const size_t fields = count_fields(line);
    char tok[48];
    if (fields != F + 1) {
        snprintf(err, errlen, "%s:%zu: %zu fields, expected %zu (%zu features and the label)", path,
                 lineno, fields, F + 1, F);
        return -1;
    }
    const char *p = line;
    for (size_t k = 0; k <= F; k++) {
        double v;
        p += strspn(p, " \t");
        const char *start = p;
        if (read_csv_number(&p, &v) != 0) {
            snprintf(err, errlen, "%s:%zu: field %zu%s: '%s' is not a number", path, lineno, k + 1,
                     k == F ? " (label)" : "", field_text(start, tok, sizeof tok));
            return -1;
        }
        if (k < F) x[k] = (float)v;
        else if (check_label(v, classes, path, lineno, k + 1, err, errlen) != 0) return -1;
        else *y = (int32_t)v;
    }
    return 0;
}

/* Reads a header "N,F,name,..." into *rows, *features and *classes; returns
 * 1 when the line has that form, 0 when it is some other non-numeric line. */
static int counted_header(const char *line, size_t *rows, size_t *features, int *classes)
{
    char *end;
    const size_t fields = count_fields(line);
    unsigned long n = strtoul(line, &end, 10);
    if (fields < 3 || *end != ',' || end == line) return 0;
    const char *p = end + 1;
    unsigned long f = strtoul(p, &end, 10);
    if (*end != ',' || end == p || f == 0) return 0;
    *rows = n;
    *features = f;
    *classes = (int)(fields - 2);
    return 1;
}

/* 1 when every field of a line looks like a number to strtod, which also
 * takes nan, inf and hex: such a line is data (whose bad fields are then
 * reported), never a header of column names. */
static int numeric_line(const char *line)
{
    for (const char *p = line;;) {
        char *end;
        p += strspn(p, " \t");
        strtod(p, &end);
        if (end == p) return 0;
        p = end + strspn(end, " \t");
        if (!*p) return 1;
        if (*p++ != ',') return 0;
    }
}

/* Checks that rows x features values fit the cap of data.h; 0 or -1. */
static int check_values(const char *path, size_t rows, size_t features, char *err, size_t errlen)
{
    size_t n;
    if (!__builtin_mul_overflow(rows, features, &n) && n <= DATA_MAX_VALUES) return 0;
    snprintf(err, errlen, "%s: %zu rows x %zu features, more than the %zu values a dataset may hold", path, rows,
             features, DATA_MAX_VALUES);
    return -1;
}

int data_load_csv(const char *path, Dataset *ds, char *err, size_t errlen)
{
    int rc = -1, classes = DATA_MAX_CLASSES, counted = 0;
    size_t rows = 0, header_rows = 0, F = 0, first_line = 1;
    Text t;
    memset(ds, 0, sizeof *ds);
    if (read_text(path, &t, err, errlen) != 0) return -1;
    char *data = t.buf, *end = t.buf + t.len;
    if (t.lines > 0 && !numeric_line(data)) { /* a header */
        counted = counted_header(data, &header_rows, &F, &classes);
        data = next_line(data);
        first_line = 2;
    }
    for (char *l = data; l < end; l = next_line(l)) rows += !blank(l);
    if (rows == 0) {
        snprintf(err, errlen, "%s:%zu: no data rows", path, t.lines + 1);
        goto cleanup;
    }
    if (counted && rows != header_rows) {
        snprintf(err, errlen, "%s:%zu: %zu data rows, the header (line 1, field 1) says %zu", path,
                 rows < header_rows ? t.lines + 1 : t.lines, rows, header_rows);
        goto cleanup;
    }
    size_t first = first_line; /* the first data line: its fields give F */
    const char *fl = data;
    for (; blank(fl); fl = next_line((char *)fl)) first++;
    if (counted && count_fields(fl) != F + 1) {
        snprintf(err, errlen, "%s:%zu: %zu fields, the header (line 1, field 2) says %zu features and the label", path,
                 first, count_fields(fl), F);
        goto cleanup;
    }
    F = count_fields(fl) - 1;
    if (check_values(path, rows, F, err, errlen) != 0) goto cleanup;
    ds->x = mem_alloc(rows * F * sizeof(float));
    ds->y = mem_alloc(rows * sizeof(int32_t));
    if (!ds->x || !ds->y) {
        snprintf(err, errlen, "%s: out of memory for %zu x %zu values", path, rows, F);
        goto cleanup;
    }
    ds->rows = rows;
    ds->features = F;
    size_t r = 0, lineno = first_line;
    for (char *l = data; l < end; l = next_line(l), lineno++) {
        if (blank(l)) continue;
        if (F == 0) {
            snprintf(err, errlen, "%s:%zu: 1 field: a row needs features and a label", path, lineno);
            goto cleanup;
        }
        if (parse_csv_row(l, F, classes, path, lineno, ds->x + r * F, ds->y + r, err, errlen) != 0)
            goto cleanup;
        if (!counted && ds->y[r] + 1 > ds->classes) ds->classes = ds->y[r] + 1;
        r++;
    }
    if (counted) ds->classes = classes;
    rc = 0;
cleanup:
    mem_free(t.buf);
    if (rc) data_free(ds);
    return rc;
}

/* Parses one LIBSVM line. With x NULL only checks it and raises *max_index;
 * otherwise also writes the features (x holds F zeros). */
static int parse_libsvm_row(const char *line, const char *path, size_t lineno, long *label,
                            size_t *max_index, float *x, char *err, size_t errlen)
{
    char *end, tok[48];
    const char *p = line + strspn(line, " \t");
    errno = 0;
    *label = strtol(p, &end, 10);
    if (end == p || errno || (*end && !strchr(" \t", *end))) {
        snprintf(err, errlen, "%s:%zu: field 1 (label): '%s' is not an integer", path, lineno,
                 field_text(p, tok, sizeof tok));
        return -1;
    }
    size_t prev = 0;
    for (size_t field = 2;; field++) {
        p = end + strspn(end, " \t");
        if (!*p || *p == '#') return 0;
        errno = 0;
        long idx = strtol(p, &end, 10);
        if (end == p || *end != ':' || errno || idx < 1 || (size_t)idx <= prev) {
            snprintf(err, errlen, "%s:%zu: field %zu: '%s' is not index:value with an index above %zu",
                     path, lineno, field, field_text(p, tok, sizeof tok), prev);
            return -1;
        }
        if (idx > DATA_MAX_FEATURES) {
            snprintf(err, errlen, "%s:%zu: field %zu: index %ld above %d, the most features a dataset may have",
                     path, lineno, field, idx, DATA_MAX_FEATURES);
            return -1;
        }
        const char *vp = end + 1;
        double v;
        if (read_number(&vp, " \t#", &v) != 0) {
            snprintf(err, errlen, "%s:%zu: field %zu: '%s' is not a number", path, lineno, field,
                     field_text(end + 1, tok, sizeof tok));
            return -1;
        }
        end = (char *)vp;
        prev = (size_t)idx;
        if (prev > *max_index) *max_index = prev;
        if (x) x[prev - 1] = (float)v;
    }
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int data_load_libsvm(const char *path, Dataset *ds, char *err, size_t errlen)
{
    int rc = -1;
    size_t rows = 0, F = 0, lineno = 1, n_labels = 0;
    long *labels = NULL, *sorted = NULL, label;
    Text t;
    memset(ds, 0, sizeof *ds);
    if (read_text(path, &t, err, errlen) != 0) return -1;
    char *end = t.buf + t.len;
    for (char *l = t.buf; l < end; l = next_line(l), lineno++) {
        const char *s = l + strspn(l, " \t");
        if (!*s || *s == '#') continue;
        if (parse_libsvm_row(l, path, lineno, &label, &F, NULL, err, errlen) != 0) goto cleanup;
        rows++;
    }
    if (rows == 0 || F == 0) {
        snprintf(err, errlen, "%s:%zu: no data rows with features", path, lineno);
        goto cleanup;
    }
    if (check_values(path, rows, F, err, errlen) != 0) goto cleanup;
    ds->x = mem_alloc(rows * F * sizeof(float));
    ds->y = mem_alloc(rows * sizeof(int32_t));
    labels = mem_alloc(rows * sizeof(long));
    sorted = mem_alloc(rows * sizeof(long));
    if (!ds->x || !ds->y || !labels || !sorted) {
        snprintf(err, errlen, "%s: out of memory for %zu x %zu values", path, rows, F);
        goto cleanup;
    }
    ds->rows = rows;
    ds->features = F;
    size_t r = 0;
    for (char *l = t.buf; l < end; l = next_line(l)) {
        const char *s = l + strspn(l, " \t");
        if (!*s || *s == '#') continue;
        /* checked in the first pass; F is already the largest index */
        parse_libsvm_row(l, path, 0, &labels[r], &F, ds->x + r * F, err, errlen);
        sorted[r] = labels[r];
        r++;
    }
    qsort(sorted, rows, sizeof *sorted, cmp_long);
    for (size_t i = 0; i < rows; i++)
        if (i == 0 || sorted[i] != sorted[n_labels - 1]) sorted[n_labels++] = sorted[i];
    if (n_labels > DATA_MAX_CLASSES) {
        snprintf(err, errlen, "%s: %zu distinct labels, at most %d allowed", path, n_labels, DATA_MAX_CLASSES);
        goto cleanup;
    }
    for (size_t i = 0; i < rows; i++)
        ds->y[i] = (int32_t)((long *)bsearch(&labels[i], sorted, n_labels, sizeof *sorted, cmp_long) - sorted);
    ds->classes = (int)n_labels;
    rc = 0;
cleanup:
    mem_free(t.buf);
    mem_free(labels);
    mem_free(sorted);
    if (rc) data_free(ds);
    return rc;
}

/* Checks the IDX file of n bytes in buf: its magic, `ndim` big-endian sizes
 * above 0 (into dims), and a payload of exactly their product after the
 * header, computed without overflow; *at becomes the header's length. The
 * sizes are checked against the file before anything is allocated for them. */
static int idx_check(const char *path, const unsigned char *buf, size_t n, uint32_t magic, int ndim,
                     uint32_t *dims, size_t *at, char *err, size_t errlen)
{
    const size_t head = 4 + 4 * (size_t)ndim;
    size_t bytes = 1;
    int overflow = 0;
    if (n < 4 || ((uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3]) != magic) {
        snprintf(err, errlen, "%s: byte 0: bad IDX magic (expected 0x%08x: unsigned bytes, %d dimension%s)",
                 path, magic, ndim, ndim > 1 ? "s" : "");
        return -1;
    }
    if (n < head) {
        snprintf(err, errlen, "%s: byte %zu: file ends inside the IDX header", path, n);
        return -1;
    }
    for (int d = 0; d < ndim; d++) {
        const unsigned char *b = buf + 4 + 4 * d;
        dims[d] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        if (dims[d] == 0) {
            snprintf(err, errlen, "%s: byte %d: size of dimension %d is 0", path, 4 + 4 * d, d + 1);
            return -1;
        }
        overflow |= __builtin_mul_overflow(bytes, (size_t)dims[d], &bytes);
    }
    if (overflow || bytes > n - head) {
        char declared[64];
        if (overflow) snprintf(declared, sizeof declared, "%u x %u x %u", dims[0], dims[1], dims[2]);
        else snprintf(declared, sizeof declared, "%zu", bytes);
        snprintf(err, errlen, "%s: byte %zu: file ends early: the header declares %s bytes of data, the file holds %zu",
                 path, n, declared, n - head);
        return -1;
    }
    if (bytes < n - head) {
        snprintf(err, errlen, "%s: byte %zu: data beyond the %zu bytes the header declares", path, head + bytes, bytes);
        return -1;
    }
    *at = head;
    return 0;
}

int data_load_idx(const char *images, const char *labels, int classes, Dataset *ds, char *err,
                  size_t errlen)
{
    int rc = -1;
    uint32_t idims[3], ldims[1];
    char *ibuf = NULL, *lbuf = NULL;
    size_t ilen = 0, llen = 0, iat = 0, lat = 0;
    memset(ds, 0, sizeof *ds);
    if (data_read_file(images, &ibuf, &ilen, err, errlen) != 0 ||
        idx_check(images, (unsigned char *)ibuf, ilen, 0x803, 3, idims, &iat, err, errlen) != 0 ||
        data_read_file(labels, &lbuf, &llen, err, errlen) != 0 ||
        idx_check(labels, (unsigned char *)lbuf, llen, 0x801, 1, ldims, &lat, err, errlen) != 0)
        goto cleanup;
    if (ldims[0] != idims[0]) {
        snprintf(err, errlen, "%s: byte 4: %u labels for the %u images of %s", labels, ldims[0], idims[0], images);
        goto cleanup;
    }
    /* both products fit in the files, so within DATA_MAX_BYTES */
    const size_t rows = idims[0], features = (size_t)idims[1] * idims[2];
    for (size_t i = 0; i < rows; i++)
        if ((unsigned char)lbuf[lat + i] >= classes) {
            snprintf(err, errlen, "%s: byte %zu: label %d out of range [0, %d)", labels, lat + i,
                     (unsigned char)lbuf[lat + i], classes);
            goto cleanup;
        }
    ds->x = mem_alloc(rows * features * sizeof(float));
    ds->y = mem_alloc(rows * sizeof(int32_t));
    if (!ds->x || !ds->y) {
        snprintf(err, errlen, "%s: out of memory for %u x %u x %u images", images, idims[0], idims[1], idims[2]);
        goto cleanup;
    }
    ds->rows = rows;
    ds->features = features;
    ds->classes = classes;
    for (size_t i = 0; i < rows * features; i++) ds->x[i] = (unsigned char)ibuf[iat + i];
    for (size_t i = 0; i < rows; i++) ds->y[i] = (unsigned char)lbuf[lat + i];
    rc = 0;
cleanup:
    mem_free(ibuf);
    mem_free(lbuf);
    if (rc) data_free(ds);
    return rc;
}

void data_free(Dataset *ds)
{
    mem_free(ds->x);
    mem_free(ds->y);
    memset(ds, 0, sizeof *ds);
}
