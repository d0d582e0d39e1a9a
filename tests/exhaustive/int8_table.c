/* int8_table.c — make test-int8-exhaustive: the CPU's int8 table
 * (int8_code, state.h) against int8_nearest for every one of the 2^32
 * float bit patterns, on both maps (tests/test_precision.c checks a strided
 * sweep and every bucket edge and threshold within make test). Prints the
 * first difference and exits 1, or one line and exits 0. */
#include <inttypes.h>
#include <stdio.h>

#include "optimizers/state.h"

int main(void)
{
    static float code[2][STATE_CODES];
    static uint32_t table[2][STATE_TABLE];
    int rc = 0;
    for (int sign = 0; sign < 2; sign++) {
        state_int8_map(sign, code[sign]);
        const int walks = state_int8_table(code[sign], table[sign]);
        uint64_t bad = 0, first = UINT64_MAX;
#pragma omp parallel for schedule(static, 1 << 20) reduction(+ : bad) reduction(min : first)
        for (uint64_t u = 0; u <= UINT32_MAX; u++) {
            const float y = state_float_of((uint32_t)u);
            if (int8_code(code[sign], table[sign], y) != int8_nearest(code[sign], y)) {
                bad++;
                first = u < first ? u : first;
            }
        }
        if (bad) {
            const float y = state_float_of((uint32_t)first);
            fprintf(stderr, "map %d: %" PRIu64 " floats differ, the first 0x%08" PRIx64 " (%.9g): table %d, int8_nearest %d\n",
                    sign, bad, first, y, int8_code(code[sign], table[sign], y), int8_nearest(code[sign], y));
            rc = 1;
        } else {
            printf("map %d (%s): int8_code = int8_nearest for all 2^32 floats (%d buckets walk)\n", sign,
                   sign ? "signed" : "unsigned", walks);
        }
    }
    return rc;
}
