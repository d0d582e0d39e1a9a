/* int8_table.c — make test-int8-exhaustive: the CPU's int8 search against
 * int8_nearest on every float, for both maps (tests/test_precision.c checks
 * a strided sweep and every bucket edge and threshold within make test):
 *   int8_code (the table, state.h) on all 2^32 float bit patterns;
 *   the tile function state_narrow_cpu (its AVX2 path where the CPU has
 *   AVX2) on every y in [-1, 1] and every NaN, of both signs: blocks whose
 *   first value is 1.0, so that the absmax is 1 and each value's y is
 *   itself.
 * Prints the first difference of each and exits 1, or one line each and
 * exits 0. */
#include <inttypes.h>
#include <stdio.h>

#include "optimizers/state.h"

#define MAGNITUDES (STATE_KEY_MAX + 1u) /* |y| from 0 to 1.0f, by bits */
#define NANS 0x7fffffu                  /* NaN magnitudes 0x7f800001 .. 0x7fffffff */

/* The bits of value k of the tile sweep (k < 2 (MAGNITUDES + NANS)). */
static uint32_t sweep_bits(uint64_t k)
{
    const uint64_t m = k >> 1;
    const uint32_t mag = m < MAGNITUDES ? (uint32_t)m : 0x7f800001u + (uint32_t)(m - MAGNITUDES);
    return mag | (uint32_t)(k & 1) << 31;
}

/* int8_code against int8_nearest on every float; 0 or 1. */
static int check_code(int sign, const float *code, const uint32_t *table)
{
    uint64_t bad = 0, first = UINT64_MAX;
#pragma omp parallel for schedule(static, 1 << 20) reduction(+ : bad) reduction(min : first)
    for (uint64_t u = 0; u <= UINT32_MAX; u++) {
        const float y = state_float_of((uint32_t)u);
        if (int8_code(code, table, y) != int8_nearest(code, y)) {
            bad++;
            first = u < first ? u : first;
        }
    }
    if (bad) {
        const float y = state_float_of((uint32_t)first);
        fprintf(stderr, "map %d: int8_code: %" PRIu64 " floats differ, the first 0x%08" PRIx64 " (%.9g): %d, "
                "int8_nearest %d\n", sign, bad, first, y, int8_code(code, table, y), int8_nearest(code, y));
        return 1;
    }
    printf("map %d: int8_code = int8_nearest for all 2^32 floats\n", sign);
    return 0;
}

/* state_narrow_cpu against int8_nearest on the tile sweep; 0 or 1. codes
 * and tables: both maps', as a pass holds them. */
static int check_tiles(int sign, const float *codes, const uint32_t *tables, const unsigned char *zero)
{
    const uint64_t values = 2 * ((uint64_t)MAGNITUDES + NANS);
    const uint64_t blocks = (values + STATE_BLOCK - 2) / (STATE_BLOCK - 1); /* 255 values after each 1.0 */
    const float *code = codes + sign * STATE_CODES;
    uint64_t bad = 0, first = UINT64_MAX;
#pragma omp parallel for schedule(static, 4096) reduction(+ : bad) reduction(min : first)
    for (uint64_t b = 0; b < blocks; b++) {
        float x[STATE_BLOCK], absmax;
        uint8_t q[STATE_BLOCK];
        StateSlots st = {.prec = STATE_INT8, .unsigned_slots = sign ? 0u : 1u, .code = codes, .table = tables,
                         .zero_code = zero};
        st.data[0] = q;
        st.absmax[0] = &absmax;
        size_t n = 1;
        x[0] = 1.0f;
        for (uint64_t k = b * (STATE_BLOCK - 1); n < STATE_BLOCK && k < values; k++)
            x[n++] = state_float_of(sweep_bits(k));
        float *in[1] = {x};
        state_narrow_cpu(&st, 1, 0, n, in);
        for (size_t i = 0; i < n; i++)
            if (q[i] != int8_nearest(code, x[i])) {
                bad++;
                first = state_bits_of(x[i]) < first ? state_bits_of(x[i]) : first;
            }
    }
    const char *path = state_cpu_vector_on() ? "AVX2" : "plain C";
    if (bad) {
        fprintf(stderr, "map %d: state_narrow_cpu (%s): %" PRIu64 " values differ, the lowest bits 0x%08" PRIx64 "\n",
                sign, path, bad, first);
        return 1;
    }
    printf("map %d: state_narrow_cpu (%s) = int8_nearest for every y in [-1, 1] and every NaN\n", sign, path);
    return 0;
}

int main(void)
{
    static float code[2][STATE_CODES];
    static uint32_t table[2][STATE_TABLE];
    unsigned char zero[2];
    int rc = 0;
    for (int sign = 0; sign < 2; sign++) {
        zero[sign] = (unsigned char)state_int8_map(sign, code[sign]);
        const int walks = state_int8_table(code[sign], table[sign]);
        printf("map %d (%s): %d buckets walk\n", sign, sign ? "signed" : "unsigned", walks);
    }
    for (int sign = 0; sign < 2; sign++) {
        rc |= check_code(sign, code[sign], table[sign]);
        rc |= check_tiles(sign, &code[0][0], &table[0][0], zero);
    }
    return rc;
}
