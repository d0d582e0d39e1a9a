/* state_cpu.c — the CPU tile pass's widening and rounding of low-precision
 * state, a tile of one span at a time (state.h): every step of int8 state
 * and every low-precision step of a plugin's (their steps see float32
 * tiles), and the
 * initial state of every precision (the built-ins' bf16 and bf16_sr steps
 * round in their own loops). int8 has a plain C path and an AVX2 one,
 * taken where the CPU has AVX2 (the build targets generic x86-64, so the
 * AVX2 functions carry target("avx2") and are chosen at run time); bf16
 * and bf16_sr one plain path.
 *
 * Both int8 paths store the same bytes: every float operation is an IEEE
 * one both round alike (a product, a quotient, a comparison; the AVX2
 * target leaves out FMA, so nothing is contracted), and the code comes
 * from the same table (int8_code, the AVX2 loop doing its integer steps
 * eight lanes at a time). tests/test_precision.c runs both and compares.
 */
#include <math.h>
#include <string.h>

#include "optimizers/state.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define STATE_AVX2 1
#include <immintrin.h>
#define AVX2_FN __attribute__((target("avx2")))
#endif

static int vector_off; /* state_cpu_vector(0): the plain path only */

int state_cpu_vector_on(void)
{
#ifdef STATE_AVX2
    return !vector_off && __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}

void state_cpu_vector(int on) { vector_off = !on; }

/* Slot s's map (int8): 0 unsigned, 1 signed. */
static int slot_map(const StateSlots *st, int s) { return !(st->unsigned_slots >> s & 1); }

/* The largest |x| of x[0, n) that is not NaN (0 when none is). */
static float block_absmax(const float *x, size_t n)
{
    float m = 0;
    for (size_t i = 0; i < n; i++) m = fabsf(x[i]) > m ? fabsf(x[i]) : m;
    return m;
}

/* Stores block x[0, n) of an int8 slot: its absmax into *absmax, its codes
 * into q. */
static void int8_block(const float *code, const uint32_t *table, uint8_t zero, const float *x, size_t n,
                       uint8_t *q, float *absmax)
{
    const float m = block_absmax(x, n);
    *absmax = m;
    if (!(m > 0)) {
        memset(q, zero, n);
        return;
    }
    for (size_t i = 0; i < n; i++) q[i] = (uint8_t)int8_code(code, table, x[i] / m);
}

/* bf16 and bf16_sr slots widened (exact: a shift; the loop vectorises). */
static void widen_bf16(const StateSlots *st, int n_slots, size_t a, size_t len, float *const *out)
{
    for (int s = 0; s < n_slots; s++) {
        float *restrict o = out[s];
        const uint16_t *restrict h = (const uint16_t *)st->data[s] + a;
        for (size_t i = 0; i < len; i++) o[i] = bf16_widen(h[i]);
    }
}

static void widen_plain(const StateSlots *st, int n_slots, size_t a, size_t len, float *const *out)
{
    for (int s = 0; s < n_slots; s++) {
        float *restrict o = out[s];
        const uint8_t *restrict q = (const uint8_t *)st->data[s] + a;
        const float *code = st->code + slot_map(st, s) * STATE_CODES;
        for (size_t b = 0; b < len; b += STATE_BLOCK) {
            const float m = st->absmax[s][(a + b) / STATE_BLOCK];
            const size_t end = b + STATE_BLOCK < len ? b + STATE_BLOCK : len;
            for (size_t i = b; i < end; i++) o[i] = int8_widen(code, q[i], m);
        }
    }
}

static void narrow_plain(const StateSlots *st, int n_slots, size_t a, size_t len, float *const *in)
{
    if (st->prec == STATE_BF16_SR) {
        for (size_t i = 0; i < len; i++) {
            const uint64_t bits = state_round_bits(st->key, st->t, st->first + a + i);
            for (int s = 0; s < n_slots; s++)
                ((uint16_t *)st->data[s])[a + i] = bf16_stochastic(in[s][i], (uint32_t)(bits >> (16 * s)));
        }
        return;
    }
    for (int s = 0; s < n_slots; s++) {
        const float *restrict x = in[s];
        if (st->prec == STATE_BF16) {
            uint16_t *restrict h = (uint16_t *)st->data[s] + a;
            for (size_t i = 0; i < len; i++) h[i] = bf16_nearest(x[i]);
            continue;
        }
        const int map = slot_map(st, s);
        for (size_t b = 0; b < len; b += STATE_BLOCK)
            int8_block(st->code + map * STATE_CODES, st->table + map * STATE_TABLE, st->zero_code[map], x + b,
                       len - b < STATE_BLOCK ? len - b : STATE_BLOCK, (uint8_t *)st->data[s] + a + b,
                       &st->absmax[s][(a + b) / STATE_BLOCK]);
    }
}

#ifdef STATE_AVX2
/* int8_code of 8 values y in [-1, 1] or NaN (a block's x / absmax) through
 * table; *walk collects the words' bits. */
AVX2_FN static __m256i code8(const uint32_t *table, __m256 y, __m256i *walk)
{
    const __m256i u = _mm256_castps_si256(y), nan = _mm256_castps_si256(_mm256_cmp_ps(y, y, _CMP_UNORD_Q));
    const __m256i k = _mm256_andnot_si256(nan, _mm256_xor_si256(u, _mm256_srli_epi32(_mm256_srai_epi32(u, 31), 1)));
    const int *words = (const int *)(table - STATE_KEY_FIRST); /* the word of bucket 0 (keys 0 .. 0xffff) */
    const __m256i w = _mm256_i32gather_epi32(words, _mm256_srai_epi32(k, STATE_KEY_SHIFT), 4);
    *walk = _mm256_or_si256(*walk, w);
    const __m256i low16 = _mm256_set1_epi32(0xffff);
    /* -1 where k is past the bucket's threshold */
    const __m256i up = _mm256_cmpgt_epi32(_mm256_and_si256(k, low16), _mm256_and_si256(w, low16));
    return _mm256_andnot_si256(nan, _mm256_sub_epi32(_mm256_srli_epi32(w, 24), up)); /* NaN: 0 */
}

/* int8_block with the absmax and the codes 32 values at a time. */
AVX2_FN static void int8_block_avx2(const float *code, const uint32_t *table, uint8_t zero, const float *x, size_t n,
                                    uint8_t *q, float *absmax)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 mv = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) mv = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)), mv); /* NaN: mv */
    float lanes[8], m = block_absmax(x + i, n - i);
    _mm256_storeu_ps(lanes, mv);
    for (int l = 0; l < 8; l++) m = lanes[l] > m ? lanes[l] : m;
    *absmax = m;
    if (!(m > 0)) {
        memset(q, zero, n);
        return;
    }
    const __m256 mm = _mm256_set1_ps(m);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    __m256i walk = _mm256_setzero_si256();
    for (i = 0; i + 32 <= n; i += 32) {
        const __m256i c0 = code8(table, _mm256_div_ps(_mm256_loadu_ps(x + i), mm), &walk);
        const __m256i c1 = code8(table, _mm256_div_ps(_mm256_loadu_ps(x + i + 8), mm), &walk);
        const __m256i c2 = code8(table, _mm256_div_ps(_mm256_loadu_ps(x + i + 16), mm), &walk);
        const __m256i c3 = code8(table, _mm256_div_ps(_mm256_loadu_ps(x + i + 24), mm), &walk);
        const __m256i b = _mm256_packus_epi16(_mm256_packus_epi32(c0, c1), _mm256_packus_epi32(c2, c3));
        _mm256_storeu_si256((__m256i *)(q + i), _mm256_permutevar8x32_epi32(b, order));
    }
    for (; i < n; i++) q[i] = (uint8_t)int8_code(code, table, x[i] / m);
    if (!_mm256_testz_si256(walk, _mm256_set1_epi32((int)STATE_TABLE_WALK)))
        for (i = 0; i < n; i++) q[i] = (uint8_t)int8_code(code, table, x[i] / m);
}

AVX2_FN static void widen_avx2(const StateSlots *st, int n_slots, size_t a, size_t len, float *const *out)
{
    for (int s = 0; s < n_slots; s++) {
        float *o = out[s];
        const uint8_t *q = (const uint8_t *)st->data[s] + a;
        const float *code = st->code + slot_map(st, s) * STATE_CODES;
        for (size_t b = 0; b < len; b += STATE_BLOCK) {
            const float m = st->absmax[s][(a + b) / STATE_BLOCK];
            const __m256 mm = _mm256_set1_ps(m);
            const size_t end = b + STATE_BLOCK < len ? b + STATE_BLOCK : len;
            size_t i = b;
            /* 8 codes from one load of 8 bytes and 8 scalar loads of the map
             * (faster than AVX2's gather on Zen 3: BENCHMARKS.md) */
            for (; i + 8 <= end; i += 8) {
                uint64_t w;
                memcpy(&w, q + i, sizeof w);
                const __m256 c = _mm256_setr_ps(code[w & 255], code[w >> 8 & 255], code[w >> 16 & 255],
                                                code[w >> 24 & 255], code[w >> 32 & 255], code[w >> 40 & 255],
                                                code[w >> 48 & 255], code[w >> 56]);
                _mm256_storeu_ps(o + i, _mm256_mul_ps(c, mm));
            }
            for (; i < end; i++) o[i] = int8_widen(code, q[i], m);
        }
    }
}

AVX2_FN static void narrow_avx2(const StateSlots *st, int n_slots, size_t a, size_t len, float *const *in)
{
    for (int s = 0; s < n_slots; s++) {
        const int map = slot_map(st, s);
        for (size_t b = 0; b < len; b += STATE_BLOCK)
            int8_block_avx2(st->code + map * STATE_CODES, st->table + map * STATE_TABLE, st->zero_code[map], in[s] + b,
                            len - b < STATE_BLOCK ? len - b : STATE_BLOCK, (uint8_t *)st->data[s] + a + b,
                            &st->absmax[s][(a + b) / STATE_BLOCK]);
    }
}
#endif

void state_widen_cpu(const StateSlots *st, int n_slots, size_t a, size_t len, float *const *out)
{
    if (st->prec != STATE_INT8) {
        widen_bf16(st, n_slots, a, len, out);
        return;
    }
#ifdef STATE_AVX2
    if (state_cpu_vector_on()) {
        widen_avx2(st, n_slots, a, len, out);
        return;
    }
#endif
    widen_plain(st, n_slots, a, len, out);
}

void state_narrow_cpu(const StateSlots *st, int n_slots, size_t a, size_t len, float *const *in)
{
#ifdef STATE_AVX2
    if (st->prec == STATE_INT8 && state_cpu_vector_on()) {
        narrow_avx2(st, n_slots, a, len, in);
        return;
    }
#endif
    narrow_plain(st, n_slots, a, len, in);
}
