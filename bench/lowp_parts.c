/* lowp_parts.c — make bench-lowp: the CPU time of each part of a
 * low-precision optimizer step on one thread (BENCHMARKS.md,
 * "Low-precision optimizer state"). CPU time, not wall time, so that a
 * shared machine's other jobs count less; the best of several repeats.
 *   tile    widening and storing one int8 tile of 8192 values of 2 slots
 *           (in cache) through state_widen_cpu and state_narrow_cpu, on
 *           the AVX2 path and the plain one: ns per slot value;
 *   reads   the table reads alone that any int8 step of the dynamic map
 *           makes per slot value, in cache, each the faster of AVX2's
 *           gather and eight scalar loads: a byte's code (the widening)
 *           and a key's bucket word (the store): ns per slot value, a
 *           floor under the widen and store columns;
 *   step    whole steps (opt_run_step) of each configuration over N
 *           parameters of one vector tensor: int8 with the tile functions
 *           on each path (the float32 rule runs the loader's clone either
 *           way), the others once (their loops round the state
 *           themselves): ns per parameter.
 * Usage: lowp_parts [N ...] (default 2e5, a buffer that stays in cache,
 * and 3e7, one that streams from memory). */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "optimizers/opt_run.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define LOWP_AVX2 __attribute__((target("avx2")))
#endif

enum { TILE = 8192, TILE_REPS = 1000, REPEATS = 9 };

static int has_avx2; /* the tile functions' AVX2 path runs on this CPU */

/* CPU seconds of this thread. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The int8 tile functions: ns per slot value. */
static void bench_tiles(void)
{
    static float in[2][TILE], out[2][TILE], code[2][STATE_CODES], absmax[2][TILE / STATE_BLOCK];
    static uint32_t table[2 * STATE_TABLE];
    static uint8_t q[2][TILE];
    unsigned char zero[2];
    for (int m = 0; m < 2; m++) {
        zero[m] = (unsigned char)state_int8_map(m, code[m]);
        state_int8_table(code[m], table + m * STATE_TABLE);
    }
    for (int i = 0; i < TILE; i++) { /* a momentum and a second moment, over several decades */
        in[0][i] = sinf((float)i * 0.37f) * 1e-3f * (1 + i % 5);
        in[1][i] = in[0][i] * in[0][i] + 1e-9f;
    }
    printf("int8 tile of %d values, 2 slots: ns per slot value (CPU time, best of %d)\n", TILE, REPEATS);
    printf("%-6s %8s %8s\n", "path", "widen", "store");
    for (int vec = 1; vec >= 0; vec--) {
        if (vec && !has_avx2) continue;
        StateSlots st = {.prec = STATE_INT8, .unsigned_slots = 2u, .code = &code[0][0], .table = table,
                         .zero_code = zero};
        float *src[2] = {in[0], in[1]}, *dst[2] = {out[0], out[1]};
        for (int s = 0; s < 2; s++) {
            st.data[s] = q[s];
            st.absmax[s] = absmax[s];
        }
        state_cpu_vector(vec);
        double widen = INFINITY, store = INFINITY;
        for (int r = 0; r < REPEATS; r++) {
            const double t0 = cpu_now();
            for (int k = 0; k < TILE_REPS; k++) state_narrow_cpu(&st, 2, 0, TILE, src);
            const double t1 = cpu_now();
            for (int k = 0; k < TILE_REPS; k++) state_widen_cpu(&st, 2, 0, TILE, dst);
            const double t2 = cpu_now();
            store = t1 - t0 < store ? t1 - t0 : store;
            widen = t2 - t1 < widen ? t2 - t1 : widen;
        }
        const double per = 1e9 / ((double)TILE_REPS * TILE * 2);
        printf("%-6s %8.3f %8.3f\n", vec ? "avx2" : "plain", widen * per, store * per);
    }
    state_cpu_vector(1);
}

#ifdef LOWP_AVX2
/* Reads table[idx[i]] for i in [0, n), 8 at a time, by gather (how 1) or
 * by eight scalar loads (how 0), summed so that nothing is left out. */
LOWP_AVX2 static unsigned read_words(const uint32_t *table, const int32_t *idx, size_t n, int how)
{
    __m256i acc = _mm256_setzero_si256();
    for (size_t i = 0; i + 8 <= n; i += 8) {
        const int32_t *k = idx + i;
        const __m256i w = how ? _mm256_i32gather_epi32((const int *)table, _mm256_loadu_si256((const __m256i *)k), 4)
                              : _mm256_setr_epi32((int)table[k[0]], (int)table[k[1]], (int)table[k[2]],
                                                  (int)table[k[3]], (int)table[k[4]], (int)table[k[5]],
                                                  (int)table[k[6]], (int)table[k[7]]);
        acc = _mm256_add_epi32(acc, w);
    }
    unsigned lanes[8], sum = 0;
    _mm256_storeu_si256((__m256i *)lanes, acc);
    for (int l = 0; l < 8; l++) sum += lanes[l];
    return sum;
}

/* Reads code[q[i]] for i in [0, n): gather (how 1) or one 8-byte load and
 * eight scalar loads (how 0, the widening's way). */
LOWP_AVX2 static float read_codes(const float *code, const uint8_t *q, size_t n, int how)
{
    __m256 acc = _mm256_setzero_ps();
    for (size_t i = 0; i + 8 <= n; i += 8) {
        __m256 c;
        if (how) {
            c = _mm256_i32gather_ps(code, _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(q + i))), 4);
        } else {
            uint64_t w;
            memcpy(&w, q + i, sizeof w);
            c = _mm256_setr_ps(code[w & 255], code[w >> 8 & 255], code[w >> 16 & 255], code[w >> 24 & 255],
                               code[w >> 32 & 255], code[w >> 40 & 255], code[w >> 48 & 255], code[w >> 56]);
        }
        acc = _mm256_add_ps(acc, c);
    }
    float lanes[8], sum = 0;
    _mm256_storeu_ps(lanes, acc);
    for (int l = 0; l < 8; l++) sum += lanes[l];
    return sum;
}

/* The table reads of int8 alone: ns per slot value, the faster way of each. */
static void bench_reads(void)
{
    static float code[STATE_CODES];
    static uint32_t table[STATE_TABLE];
    static uint8_t q[TILE];
    static int32_t idx[TILE];
    state_int8_map(1, code);
    state_int8_table(code, table);
    for (int i = 0; i < TILE; i++) { /* the codes and buckets of a momentum's values over several decades */
        const float y = sinf((float)i * 0.37f) * (float)(1 + i % 5) / 5.0f;
        q[i] = (uint8_t)int8_code(code, table, y);
        idx[i] = state_bucket(state_key(y));
    }
    double best[2][2] = {{INFINITY, INFINITY}, {INFINITY, INFINITY}}; /* [code, word][scalar, gather] */
    volatile float fsink = 0;
    volatile unsigned usink = 0;
    for (int r = 0; r < REPEATS; r++)
        for (int how = 0; how < 2; how++) {
            double t0 = cpu_now();
            for (int k = 0; k < TILE_REPS; k++) fsink += read_codes(code, q, TILE, how);
            double t1 = cpu_now();
            for (int k = 0; k < TILE_REPS; k++) usink += read_words(table, idx, TILE, how);
            double t2 = cpu_now();
            best[0][how] = t1 - t0 < best[0][how] ? t1 - t0 : best[0][how];
            best[1][how] = t2 - t1 < best[1][how] ? t2 - t1 : best[1][how];
        }
    const double per = 1e9 / ((double)TILE_REPS * TILE);
    printf("\nint8 table reads alone, in cache: ns per slot value (CPU time, best of %d)\n", REPEATS);
    printf("%-28s %8s %8s\n", "read", "scalar", "gather");
    printf("%-28s %8.3f %8.3f\n", "code of a byte (widen)", best[0][0] * per, best[0][1] * per);
    printf("%-28s %8.3f %8.3f\n", "bucket word of a key (store)", best[1][0] * per, best[1][1] * per);
    const double both = fmin(best[0][0], best[0][1]) * per + fmin(best[1][0], best[1][1]) * per;
    printf("floor of one int8 slot value (both reads, the faster way each): %.3f ns\n", both);
}
#endif

/* Whole steps of spec over n parameters: ns per parameter, or -1 on an
 * input error (printed). */
static double bench_step(const char *spec, size_t n, float *p, const float *g)
{
    char err[ERRMSG_MAX] = "out of memory";
    Spec sp;
    ParamSet hp;
    OptRun r;
    double ns = -1, best = INFINITY, lr[N_ROLES];
    memset(&r, 0, sizeof r);
    const OptimizerDef *opt = spec_parse(spec, &sp, err, sizeof err) == 0 ? optimizer_find(sp.name) : NULL;
    if (!opt || optimizer_configure(opt, &sp, &hp, err, sizeof err) != 0) goto done;
    const TensorView v = {.name = "p", .ndim = 1, .shape = {n}, .role = ROLE_VECTOR};
    if (opt_run_plan(&r, opt, &hp, &v, 1, n, err, sizeof err) != 0 || opt_run_alloc(&r, p) != 0) goto done;
    for (int k = 0; k < N_ROLES; k++) lr[k] = r.hp[k][0];
    const int steps = n > 1000000 ? REPEATS + 1 : 31;
    for (int t = 1; t <= steps; t++) {
        const double t0 = cpu_now();
        opt_run_step(&r, p, g, t, lr);
        const double dt = cpu_now() - t0;
        if (t > 1 && dt < best) best = dt; /* step 1 warms the buffers */
    }
    ns = best * 1e9 / (double)n;
done:
    if (ns < 0) fprintf(stderr, "lowp_parts: %s: %s\n", spec, err);
    opt_run_free(&r);
    return ns;
}

int main(int argc, char **argv)
{
    static const char *specs[] = {"adamw",       "adamw,state=bf16", "adamw,state=bf16_sr", "adamw,state=int8",
                                  "lion",        "lion,state=int8"};
    const int n_specs = (int)(sizeof specs / sizeof specs[0]);
    const double def[] = {2e5, 3e7};
    omp_set_num_threads(1);
    has_avx2 = state_cpu_vector_on();
    bench_tiles();
#ifdef LOWP_AVX2
    if (has_avx2) bench_reads();
#endif
    for (int a = 0; a < (argc > 1 ? argc - 1 : 2); a++) {
        const size_t n = (size_t)(argc > 1 ? atof(argv[a + 1]) : def[a]);
        float *p = malloc(n * sizeof *p), *g = malloc(n * sizeof *g);
        if (!n || !p || !g) {
            fprintf(stderr, "lowp_parts: %s: no buffer of that many floats\n", argc > 1 ? argv[a + 1] : "N");
            free(p);
            free(g);
            return 2;
        }
        for (size_t i = 0; i < n; i++) {
            p[i] = sinf((float)i * 0.37f);
            g[i] = cosf((float)i * 1.3f) * (i % 7 ? 1e-3f : 1.0f);
        }
        printf("\nsteps over %zu parameters, 1 thread: ns per parameter (CPU time, best of the steps after the "
               "first)\n", n);
        printf("%-22s %8s %8s\n", "optimizer", "avx2", "plain");
        for (int c = 0; c < n_specs; c++) {
            const int tiles = strstr(specs[c], "int8") != NULL; /* the others take no tile function */
            double t[2] = {0, 0};
            for (int vec = 1; vec >= !tiles; vec--) {
                state_cpu_vector(vec && has_avx2);
                if ((t[!vec] = bench_step(specs[c], n, p, g)) < 0) return 2;
            }
            state_cpu_vector(1);
            if (tiles) printf("%-22s %8.3f %8.3f\n", specs[c], t[0], t[1]);
            else printf("%-22s %8.3f %8s\n", specs[c], t[0], "-");
        }
        free(p);
        free(g);
    }
    return 0;
}
