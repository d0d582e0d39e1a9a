/* state.c — int8 dynamic maps and state sizes (state.h). */
#include "optimizers/state.h"

#include <stdlib.h>
#include <string.h>

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

/* The last index of the sorted map code whose code is <= x; 0 when none is
 * (and for NaN): int8_nearest's starting point. */
static int last_at_most(const float *code, float x)
{
    int lo = 0; /* a binary search: code is sorted */
    for (int step = STATE_CODES / 2; step; step >>= 1)
        if (code[lo + step] <= x) lo += step;
    return lo;
}

void state_int8_buckets(const float *code, unsigned char *first, unsigned char *last)
{
    for (int b = 0; b < STATE_BUCKETS; b++) {
        const uint32_t bits = (uint32_t)(b >> STATE_BUCKET_SIGN) << 31 |
                              (uint32_t)(b & ((1 << STATE_BUCKET_SIGN) - 1)) << STATE_BUCKET_SHIFT;
        const float a = state_float_of(bits), z = state_float_of(bits | ((1u << STATE_BUCKET_SHIFT) - 1));
        const float lo = a < z ? a : z, hi = a < z ? z : a; /* a negative bucket runs downwards */
        first[b] = (unsigned char)last_at_most(code, lo);
        last[b] = (unsigned char)last_at_most(code, hi);
    }
}

size_t state_blocks(size_t n) { return (n + STATE_BLOCK - 1) / STATE_BLOCK; }

size_t state_slot_bytes(StatePrecision q, size_t n)
{
    switch (q) {
    case STATE_BF16:
    case STATE_BF16_SR: return 2 * n;
    case STATE_INT8: return n + sizeof(float) * state_blocks(n);
    default: return sizeof(float) * n;
    }
}

StatePrecision state_for_tensor(StatePrecision q, size_t n)
{
    return q == STATE_INT8 && n < STATE_INT8_MIN ? STATE_FP32 : q;
}

int state_of_choice(const ParamDef *def, int idx)
{
    char word[32], known[32];
    params_choice_word(def->choices, idx, word, sizeof word);
    for (int q = 0; q < N_STATE_PRECISIONS; q++) {
        params_choice_word(STATE_CHOICES, q, known, sizeof known);
        if (!strcmp(word, known)) return q;
    }
    return -1;
}
