/* sha256.h — SHA-256 (FIPS 180-4) of a byte string or a file, written as 64
 * lower-case hex digits: the identity of a plugin's build. */
#ifndef OPTBENCH_SHA256_H
#define OPTBENCH_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 64 /* hex digits of a digest, without the NUL */

typedef struct {
    uint32_t h[8];           /* the chaining value */
    uint64_t bytes;          /* bytes hashed so far */
    unsigned char block[64]; /* the partial block */
    size_t used;             /* bytes in block */
} Sha256;

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t len);
/* Finishes the hash and writes its hex digits and a NUL into hex. */
void sha256_hex(Sha256 *s, char hex[SHA256_HEX_LEN + 1]);

/* The digest of the whole file at path; 0, or -1 with a message naming it. */
int sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1], char *err, size_t errlen);

#endif
