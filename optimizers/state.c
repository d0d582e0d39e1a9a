/* state.c — int8 dynamic maps and state sizes (state.h). */
#include "optimizers/state.h"

#include <stdlib.h>

/* Ascending order of two floats, for qsort. */
static int cmp_float(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

int state_int8_map(int is_signed, float *code)
{
    static const double decade[7] = {1e6, 1e5, 1e4, 1e3, 1e2, 1e1, 1}; /* 10^(6-e), exact */
    int n = 0;
    for (int e = 0; e < 7; e++) {
        const int k = is_signed ? 1 << e : 2 << e;
        for (int j = 0; j < k; j++) {
            const double mid = 0.1 + 0.9 * (j + 0.5) / k;
            code[n++] = (float)(mid / decade[e]);
            if (is_signed) code[n++] = (float)(-mid / decade[e]);
        }
    }
    code[n++] = 0;
    code[n++] = 1;
    qsort(code, (size_t)n, sizeof *code, cmp_float);
    for (int i = 0; i < n; i++)
        if (code[i] == 0) return i;
    return 0;
}

int state_int8_table(const float *code, uint32_t *table)
{
    int walks = 0;
    for (int b = 0; b < STATE_TABLE; b++) {
        const int32_t base = (int32_t)((uint32_t)(b + STATE_KEY_FIRST) << STATE_KEY_SHIFT); /* its first key */
        int32_t lo = base > STATE_KEY_MIN ? base : STATE_KEY_MIN;
        int32_t hi = base + ((1 << STATE_KEY_SHIFT) - 1) < STATE_KEY_MAX ? base + ((1 << STATE_KEY_SHIFT) - 1)
                                                                         : STATE_KEY_MAX;
        const int q_lo = int8_nearest(code, state_unkey(lo)), q_hi = int8_nearest(code, state_unkey(hi));
        uint32_t thr = 0xffff; /* the threshold's offset - 1: none */
        if (q_hi == q_lo + 1) {
            while (hi - lo > 1) { /* q(lo) = q_lo, q(hi) = q_hi */
                const int32_t mid = lo + (hi - lo) / 2;
                if (int8_nearest(code, state_unkey(mid)) == q_lo) lo = mid;
                else hi = mid;
            }
            thr = (uint32_t)(hi - base - 1);
        }
        table[b] = (uint32_t)q_lo << 24 | thr | (q_hi > q_lo + 1 ? STATE_TABLE_WALK : 0);
        walks += q_hi > q_lo + 1;
    }
    return walks;
}

size_t state_blocks(size_t n) { return (n + STATE_BLOCK - 1) / STATE_BLOCK; }

int state_value_bytes(StatePrecision q)
{
    switch (q) {
    case STATE_BF16:
    case STATE_BF16_SR: return 2;
    case STATE_INT8: return 1;
    default: return sizeof(float);
    }
}

size_t state_slot_bytes(StatePrecision q, size_t n)
{
    return (size_t)state_value_bytes(q) * n + (q == STATE_INT8 ? sizeof(float) * state_blocks(n) : 0);
}

StatePrecision state_for_tensor(StatePrecision q, size_t n)
{
    return q == STATE_INT8 && n < STATE_INT8_MIN ? STATE_FP32 : q;
}
