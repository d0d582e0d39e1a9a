/* test_precision.c — low-precision optimizer state (state=bf16|bf16_sr|int8):
 * the rounding and the int8 maps element by element, stochastic rounding's
 * statistics and reproducibility, thread-count independence, exact state
 * bytes, the canonical text of fp32 runs, the CPU's int8 table and its
 * AVX2 and plain tile paths against the per-element functions, and bf16's
 * known failure: a
 * momentum buffer that stalls where float32 and stochastic rounding go on.
 * The golden vectors of tests/golden (NAME_bf16_K.txt, NAME_int8_K.txt)
 * check whole trajectories against the torch reference (test_optimizers.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/rng.h"
#include "harness/run/config.h"
#include "optimizers/opt_run.h"
#include "optimizers/state.h"
#include "optimizers/update_impl.h"
#include "tests/run_support.h"

static Rows rows;

/* An OptRun of spec over one vector tensor of n values. */
typedef struct {
    ParamSet hp;     /* the configured values */
    TensorView view; /* the one tensor */
    OptRun run;      /* groups and state */
} Single;

static void single_open(Single *s, const char *spec, size_t n, uint64_t seed, const float *p0)
{
    char err[ERRMSG_MAX];
    Spec sp;
    cr_assert_eq(spec_parse(spec, &sp, err, sizeof err), 0, "%s", err);
    const OptimizerDef *opt = optimizer_find(sp.name);
    cr_assert_not_null(opt, "%s", sp.name);
    cr_assert_eq(optimizer_configure(opt, &sp, &s->hp, err, sizeof err), 0, "%s", err);
    s->view = (TensorView){.name = "p", .ndim = 1, .shape = {n}, .role = ROLE_VECTOR};
    cr_assert_eq(opt_run_plan(&s->run, opt, &s->hp, &s->view, 1, n, err, sizeof err), 0, "%s", err);
    opt_run_seed(&s->run, seed);
    cr_assert_eq(opt_run_alloc(&s->run, p0), 0);
}

/* Steps t0 .. t1 of s with the gradient values g (lr: the spec's). */
static void single_steps(Single *s, float *p, const float *g, long t0, long t1)
{
    double lr[N_ROLES];
    for (int k = 0; k < N_ROLES; k++) lr[k] = s->run.hp[k][0];
    for (long t = t0; t <= t1; t++) opt_run_step(&s->run, p, g, t, lr);
}

/* Slot 0 of value i of a bf16 or float32 single run, as float32. */
static float slot0(const Single *s, size_t i)
{
    if (s->run.flat_prec == STATE_FP32) return ((const float *)s->run.state)[i];
    return bf16_widen(((const uint16_t *)s->run.state)[i]);
}

Test(precision, bf16_rounds_to_nearest_even)
{
    const float ulp = 0x1p-7f; /* of 1.0 in bf16: 8 significant bits */
    cr_expect_eq(bf16_widen(bf16_nearest(1.0f)), 1.0f);
    cr_expect_eq(bf16_widen(bf16_nearest(1.0f + 0.49f * ulp)), 1.0f);
    cr_expect_eq(bf16_widen(bf16_nearest(1.0f + 0.5f * ulp)), 1.0f, "a tie goes to the even mantissa");
    cr_expect_eq(bf16_widen(bf16_nearest(1.0f + 1.5f * ulp)), 1.0f + 2 * ulp, "a tie goes to the even mantissa");
    cr_expect_eq(bf16_widen(bf16_nearest(1.0f + 0.51f * ulp)), 1.0f + ulp);
    cr_expect_eq(bf16_widen(bf16_nearest(-3.0f)), -3.0f);
    cr_expect_eq(bf16_widen(bf16_nearest(INFINITY)), INFINITY);
    cr_expect_eq(bf16_widen(bf16_nearest(3.4e38f)), INFINITY, "past the largest bf16");
    cr_expect_eq(bf16_nearest(NAN), 0x7fc0);
    cr_expect_eq(bf16_stochastic(NAN, 0xffff), 0x7fc0);
    cr_expect_eq(bf16_widen(bf16_nearest(1e-40f)), bf16_widen(bf16_nearest(1e-40f)), "subnormals round too");
    cr_expect_eq(bf16_widen(bf16_stochastic(1.0f + 0.25f * ulp, 0)), 1.0f, "no carry: rounded down");
    cr_expect_eq(bf16_widen(bf16_stochastic(1.0f + 0.25f * ulp, 0xffff)), 1.0f + ulp, "a carry: rounded up");
    cr_expect_eq(bf16_widen(bf16_stochastic(1.0f + ulp, 0xffff)), 1.0f + ulp, "a bf16 value stays");
}

/* Stochastic rounding: over many counters, each value rounds up with
 * probability equal to its dropped fraction, so the mean error is 0. */
Test(precision, stochastic_rounding_is_unbiased)
{
    const uint64_t key = rng_key(5, RNG_STREAM_ROUNDING);
    const int draws = 200000;
    const float values[] = {1.0f + 0x1p-9f, -3.3e-4f, 0.1f, 7.77e7f};
    for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
        const float x = values[v];
        const float lo = bf16_widen((uint16_t)(state_bits_of(x) >> 16)), hi = bf16_widen((uint16_t)((state_bits_of(x) >> 16) + 1));
        const double frac = ((double)x - lo) / ((double)hi - lo), spread = fabs((double)hi - lo);
        double sum = 0;
        int up = 0;
        for (int i = 0; i < draws; i++) {
            const float r = bf16_widen(bf16_stochastic(x, (uint32_t)(state_round_bits(key, 3, (size_t)i) >> 16)));
            cr_assert(r == lo || r == hi, "%g rounds to a neighbour, not %g", x, r);
            up += r == hi;
            sum += (double)r - x;
        }
        const double sigma = sqrt(frac * (1 - frac) / draws);
        cr_expect(fabs((double)up / draws - frac) < 5 * sigma, "%g: up %.4f of the draws, expected %.4f", x,
                  (double)up / draws, frac);
        cr_expect(fabs(sum / draws) < 5 * sigma * spread, "%g: mean error %g, spread %g", x, sum / draws, spread);
    }
}

Test(precision, int8_maps_are_sorted_and_nearest_is_exact)
{
    float code[2][STATE_CODES];
    for (int sign = 0; sign < 2; sign++) {
        const int zero = state_int8_map(sign, code[sign]);
        cr_expect_eq(code[sign][zero], 0.0f);
        cr_expect_eq(code[sign][STATE_CODES - 1], 1.0f);
        for (int i = 1; i < STATE_CODES; i++) cr_expect_lt(code[sign][i - 1], code[sign][i], "map %d at %d", sign, i);
    }
    cr_expect_geq(code[0][0], 0.0f, "the unsigned map has no negative code");
    cr_expect_lt(code[1][0], -0.99f, "the signed map reaches near -1");
    cr_expect_eq(code[1][0], -code[1][STATE_CODES - 2], "its codes come in pairs of both signs");
    cr_expect_eq(code[1][128], (float)(0.55 / 1e6), "the smallest positive signed code: 0.55 x 10^-6");
    cr_expect_eq(code[1][127], 0.0f);
    srand(3);
    for (int k = 0; k < 20000; k++) {
        const int sign = k & 1;
        const float x = (float)rand() / (float)RAND_MAX * (sign ? 2.2f : 1.1f) - (sign ? 1.1f : 0.05f);
        const int q = int8_nearest(code[sign], x);
        int best = 0;
        for (int j = 1; j < STATE_CODES; j++)
            if (fabsf(code[sign][j] - x) < fabsf(code[sign][best] - x)) best = j;
        cr_assert_eq(q, best, "%.9g: code %d (%.9g), the nearest is %d (%.9g)", x, q, code[sign][q], best,
                     code[sign][best]);
    }
}

/* int8_code (the CPU's table) against int8_nearest on y: the same index. */
static void expect_code(const float *code, const uint32_t *table, float y, const char *what)
{
    const int fast = int8_code(code, table, y), plain = int8_nearest(code, y);
    cr_assert_eq(fast, plain, "%s: y = %a (%.9g): the table's code %d, int8_nearest's %d", what, (double)y, y, fast,
                 plain);
}

/* y and its neighbours one and two floats away on either side. */
static void expect_around(const float *code, const uint32_t *table, float y, const char *what)
{
    float lo = y, hi = y;
    expect_code(code, table, y, what);
    for (int k = 0; k < 2; k++) {
        lo = nextafterf(lo, -INFINITY);
        hi = nextafterf(hi, INFINITY);
        expect_code(code, table, lo, what);
        expect_code(code, table, hi, what);
    }
}

/* Checks the table of map code on: every bucket's first and last key and
 * their neighbours, every threshold (where the code changes) +-2 floats,
 * every code and midpoint +-2 floats, the special floats, and a strided
 * sweep of the float bit patterns of [-1, 1] (make test-int8-exhaustive
 * checks every float). */
static void expect_table(const float *code, const uint32_t *table)
{
    for (int b = 0; b < STATE_TABLE; b++) {
        const int32_t first = (int32_t)((uint32_t)(b + STATE_KEY_FIRST) << STATE_KEY_SHIFT);
        const int32_t lo = first > STATE_KEY_MIN ? first : STATE_KEY_MIN;
        const int32_t hi = first + 0xffff < STATE_KEY_MAX ? first + 0xffff : STATE_KEY_MAX;
        expect_around(code, table, state_unkey(lo), "a bucket's first key");
        expect_around(code, table, state_unkey(hi), "a bucket's last key");
        if ((table[b] & 0xffffu) != 0xffffu)
            expect_around(code, table, state_unkey(first + (int32_t)(table[b] & 0xffffu) + 1), "a threshold");
    }
    for (int j = 0; j < STATE_CODES; j++) {
        expect_around(code, table, code[j], "a code");
        if (j + 1 < STATE_CODES) expect_around(code, table, code[j] + (code[j + 1] - code[j]) / 2, "a midpoint");
    }
    const float special[] = {0.0f, -0.0f, 1.0f, -1.0f, 1.5f, -7.0f, INFINITY, -INFINITY, NAN, -NAN,
                             0x1p-149f, -0x1p-149f, 0x1p-126f, 3e38f, -3e38f};
    for (size_t k = 0; k < sizeof special / sizeof special[0]; k++)
        expect_code(code, table, special[k], "a special float");
    for (uint32_t u = 0; u <= 0x3f800000u; u += 997) {
        expect_code(code, table, state_float_of(u), "the sweep");
        expect_code(code, table, state_float_of(u | 0x80000000u), "the sweep");
    }
}

/* The CPU's table finds int8_nearest's code, and needs no walk on either
 * map. */
Test(precision, int8_table_equals_the_plain_search)
{
    static uint32_t table[STATE_TABLE];
    float code[STATE_CODES];
    for (int sign = 0; sign < 2; sign++) {
        state_int8_map(sign, code);
        cr_expect_eq(state_int8_table(code, table), 0, "map %d: a bucket holds more than one threshold", sign);
        expect_table(code, table);
    }
}

/* A map dense enough that buckets hold several thresholds: those take
 * int8_nearest's walk, so the table still finds its code, and the tile
 * functions' two paths store the same bytes with it. */
Test(precision, int8_table_walks_where_a_bucket_is_too_coarse)
{
    static uint32_t table[2 * STATE_TABLE];
    static float code[2 * STATE_CODES];
    for (int j = 0; j < STATE_CODES; j++) /* 128 codes over [-1, 0), 127 within 1.3e-3 above 0.5 */
        code[j] = code[STATE_CODES + j] = j < 128 ? -1.0f + j / 128.0f : 0.5f + (float)(j - 128) * 1e-5f;
    code[STATE_CODES - 1] = code[2 * STATE_CODES - 1] = 1.0f;
    const int walks = state_int8_table(code, table);
    memcpy(table + STATE_TABLE, table, STATE_TABLE * sizeof *table);
    cr_expect_gt(walks, 0, "the dense codes share buckets");
    expect_table(code, table);
    enum { N = 700 };
    static float x[N];
    static uint8_t q[2][N];
    float absmax[2][3];
    for (size_t i = 0; i < N; i++) x[i] = 0.5f + (float)(i % 300) * 4e-6f * (i % 2 ? 1 : -1);
    x[N - 1] = 1.0f;
    const unsigned char zero[2] = {0, 0};
    for (int vec = 0; vec < 2; vec++) {
        StateSlots st = {.prec = STATE_INT8, .code = code, .table = table, .zero_code = zero};
        st.data[0] = q[vec];
        st.absmax[0] = absmax[vec];
        state_cpu_vector(vec);
        float *in[1] = {x};
        state_narrow_cpu(&st, 1, 0, N, in);
    }
    state_cpu_vector(1);
    cr_expect_eq(memcmp(q[0], q[1], N), 0, "the plain and AVX2 paths");
    for (size_t i = 0; i < N; i++)
        cr_assert_eq(q[0][i], int8_store(code, 0, x[i], absmax[0][i / STATE_BLOCK]), "value %zu", i);
}

/* The tile functions store and widen as the per-element functions do (the
 * device's), for every precision and slot count, on values with NaN,
 * infinities, zeros of both signs, subnormals, all-zero and all-NaN blocks
 * and a short last block; under int8 their AVX2 and plain paths store the
 * same bytes and widen to the same floats (bf16 and bf16_sr have one path). */
Test(precision, avx2_and_plain_paths_agree)
{
    if (!state_cpu_vector_on()) cr_skip_test("this CPU has no AVX2: only the plain path runs");
    enum { N = 2048 - 77, S = 3 };
    static float in[S][N], out[2][S][N], code[2][STATE_CODES];
    static uint32_t table[2 * STATE_TABLE];
    static uint8_t q[2][S][N];
    static uint16_t h[2][S][N];
    static float absmax[2][S][N / STATE_BLOCK + 1];
    unsigned char zero[2];
    for (int m = 0; m < 2; m++) {
        zero[m] = (unsigned char)state_int8_map(m, code[m]);
        state_int8_table(code[m], table + m * STATE_TABLE);
    }
    srand(17);
    for (int s = 0; s < S; s++)
        for (size_t i = 0; i < N; i++) {
            const float r = (float)rand() / (float)RAND_MAX - 0.5f;
            const size_t block = i / STATE_BLOCK; /* block 1 all zero, block 2 all NaN */
            in[s][i] = block == 1 ? 0.0f : block == 2 ? NAN : r * powf(10.0f, (float)(rand() % 12 - 8));
            if (s == 1) in[s][i] = fabsf(in[s][i]); /* slot 1: the unsigned map */
        }
    const float odd[] = {NAN, INFINITY, -INFINITY, -0.0f, 0x1p-149f, -0x1p-140f, 3e38f, 1e-30f};
    for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++)
        in[0][3 * STATE_BLOCK + 5 * k] = in[2][1000 + 3 * k] = odd[k];
    in[2][4 * STATE_BLOCK + 1] = INFINITY; /* a block of absmax infinity */
    const int precs[] = {STATE_BF16, STATE_BF16_SR, STATE_INT8};
    for (size_t c = 0; c < sizeof precs / sizeof precs[0]; c++)
        for (int n_slots = 1; n_slots <= S; n_slots++)
            for (size_t a = 0; a <= STATE_BLOCK; a += STATE_BLOCK) {
                const size_t len = N - a, paths = precs[c] == STATE_INT8 ? 2 : 1;
                for (size_t vec = 0; vec < paths; vec++) {
                    StateSlots st = {.prec = precs[c], .unsigned_slots = 2u, .code = &code[0][0], .table = table,
                                     .zero_code = zero, .key = 99, .t = 7, .first = 12345};
                    float *src[S], *dst[S];
                    for (int s = 0; s < n_slots; s++) {
                        st.data[s] = precs[c] == STATE_INT8 ? (void *)q[vec][s] : (void *)h[vec][s];
                        st.absmax[s] = absmax[vec][s];
                        src[s] = in[s] + a;
                        dst[s] = out[vec][s];
                    }
                    state_cpu_vector((int)vec);
                    state_narrow_cpu(&st, n_slots, a, len, src);
                    state_widen_cpu(&st, n_slots, a, len, dst);
                }
                state_cpu_vector(1);
                for (int s = 0; s < n_slots; s++) {
                    const char *what = precs[c] == STATE_BF16 ? "bf16" : precs[c] == STATE_BF16_SR ? "bf16_sr" : "int8";
                    if (precs[c] == STATE_INT8) {
                        cr_assert_eq(memcmp(q[0][s] + a, q[1][s] + a, len), 0, "%s slot %d: codes", what, s);
                        const size_t blocks = (len + STATE_BLOCK - 1) / STATE_BLOCK;
                        cr_assert_eq(memcmp(absmax[0][s] + a / STATE_BLOCK, absmax[1][s] + a / STATE_BLOCK,
                                            blocks * sizeof(float)), 0, "%s slot %d: absmax", what, s);
                        cr_assert_eq(memcmp(out[0][s], out[1][s], len * sizeof(float)), 0, "%s slot %d: widened", what,
                                     s);
                    }
                    for (size_t i = 0; i < len; i++) {
                        const float want = precs[c] == STATE_INT8
                                               ? int8_widen(code[s != 1], q[0][s][a + i], absmax[0][s][(a + i) / STATE_BLOCK])
                                               : bf16_widen(h[0][s][a + i]);
                        cr_assert_eq(state_bits_of(out[0][s][i]), state_bits_of(want), "%s slot %d, value %zu: widened",
                                     what, s, a + i);
                    }
                    const float *cm = code[s != 1];
                    for (size_t i = 0; i < len; i++) {
                        const size_t e = a + i;
                        const uint32_t r = (uint32_t)(state_round_bits(99, 7, 12345 + e) >> (16 * s));
                        const unsigned want = precs[c] == STATE_BF16      ? bf16_nearest(in[s][e])
                                              : precs[c] == STATE_BF16_SR ? bf16_stochastic(in[s][e], r)
                                              : int8_store(cm, zero[s != 1], in[s][e], absmax[0][s][e / STATE_BLOCK]);
                        const unsigned got = precs[c] == STATE_INT8 ? q[0][s][e] : h[0][s][e];
                        cr_assert_eq(got, want, "%s slot %d, value %zu (%a): stored %u, the element function's %u",
                                     what, s, e, (double)in[s][e], got, want);
                    }
                }
            }
}

/* bf16_sr draws from (seed, step, element): the same seed repeats a run bit
 * for bit, another seed rounds otherwise. */
Test(precision, bf16_sr_runs_repeat_for_a_seed)
{
    enum { N = 4000 };
    static float p[3][N], g[N];
    Single s[3];
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < N; i++) p[k][i] = sinf((float)i);
        single_open(&s[k], "adamw,lr=0.01,state=bf16_sr", N, k < 2 ? 7 : 8, p[k]);
    }
    for (long t = 1; t <= 10; t++) {
        for (size_t i = 0; i < N; i++) g[i] = cosf((float)(i * t));
        for (int k = 0; k < 3; k++) single_steps(&s[k], p[k], g, t, t);
    }
    cr_expect_eq(memcmp(p[0], p[1], sizeof p[0]), 0, "seed 7 twice");
    cr_expect_eq(memcmp(s[0].run.state, s[1].run.state, s[0].run.state_size), 0, "seed 7 twice: the state");
    cr_expect_neq(memcmp(s[0].run.state, s[2].run.state, s[0].run.state_size), 0, "seeds 7 and 8 round otherwise");
    for (int k = 0; k < 3; k++) opt_run_free(&s[k].run);
}

/* A large low-precision step splits into tiles over threads; the result
 * does not depend on their count, nor on the tile functions' path (AVX2 or
 * plain C). */
Test(precision, low_precision_steps_do_not_depend_on_threads)
{
    enum { N = 100003 }; /* above OPT_PARALLEL_MIN, not a whole number of tiles or blocks */
    static float p[3][N], g[N];
    const char *specs[] = {"adamw,lr=0.01,state=bf16_sr", "adamw,lr=0.01,amsgrad=1,state=int8", "lion,state=int8",
                           "sgd,lr=0.1,momentum=0.9,state=bf16"};
    for (size_t c = 0; c < sizeof specs / sizeof specs[0]; c++) {
        Single s[3];
        for (int k = 0; k < 3; k++) {
            for (size_t i = 0; i < N; i++) p[k][i] = sinf((float)i);
            single_open(&s[k], specs[c], N, 11, p[k]);
        }
        for (long t = 1; t <= 4; t++) {
            for (size_t i = 0; i < N; i++) g[i] = cosf((float)(i * t)) * (i % 3 ? 1e-3f : 1.0f);
            for (int k = 0; k < 3; k++) {
                omp_set_num_threads(k == 1 ? 3 : 1);
                state_cpu_vector(k != 2);
                single_steps(&s[k], p[k], g, t, t);
            }
        }
        state_cpu_vector(1);
        for (int k = 1; k < 3; k++) {
            const char *what = k == 1 ? "1 and 3 threads" : "the AVX2 and plain paths";
            cr_expect_eq(memcmp(p[0], p[k], sizeof p[0]), 0, "%s: %s", specs[c], what);
            cr_expect_eq(memcmp(s[0].run.state, s[k].run.state, s[0].run.state_size), 0, "%s: the state, %s",
                         specs[c], what);
        }
        for (int k = 0; k < 3; k++) opt_run_free(&s[k].run);
    }
    omp_set_num_threads(1);
}

/* bf16's known failure. A parameter of 1.0 under heavy-ball momentum 0.999
 * with a constant gradient g = 1e-3: in float32 the buffer grows towards
 * g/(1 - 0.999) = 1; once it holds about 0.25, g is below half a bf16 unit
 * in its last place, so buf*0.999 + g rounds back to buf: bf16 state stalls
 * there, and the parameter falls far slower. Stochastic rounding keeps the
 * float32 expectation. */
Test(precision, bf16_momentum_stalls_where_fp32_and_stochastic_rounding_do_not)
{
    enum { N = 64, STEPS = 3000 };
    const char *specs[3] = {"sgd,lr=1e-4,momentum=0.999", "sgd,lr=1e-4,momentum=0.999,state=bf16",
                            "sgd,lr=1e-4,momentum=0.999,state=bf16_sr"};
    static float p[3][N], g[N];
    float buf[3][2], moved[3];
    for (size_t i = 0; i < N; i++) g[i] = 1e-3f;
    for (int k = 0; k < 3; k++) {
        Single s;
        for (size_t i = 0; i < N; i++) p[k][i] = 1.0f;
        single_open(&s, specs[k], N, 1, p[k]);
        single_steps(&s, p[k], g, 1, STEPS / 2);
        buf[k][0] = slot0(&s, 0);
        single_steps(&s, p[k], g, STEPS / 2 + 1, STEPS);
        buf[k][1] = 0;
        moved[k] = 0;
        for (size_t i = 0; i < N; i++) { /* every element alike except bf16_sr's draws: their mean */
            buf[k][1] += slot0(&s, i) / N;
            moved[k] += (1.0f - p[k][i]) / N;
        }
        opt_run_free(&s.run);
    }
    cr_log_info("buffer after %d and %d steps: fp32 %g %g, bf16 %g %g, bf16_sr %g %g; parameter moved %g %g %g",
                STEPS / 2, STEPS, buf[0][0], buf[0][1], buf[1][0], buf[1][1], buf[2][0], buf[2][1], moved[0], moved[1],
                moved[2]);
    cr_expect_gt(buf[0][1], 1.15f * buf[0][0], "float32: the buffer grows (%g then %g)", buf[0][0], buf[0][1]);
    cr_expect_gt(buf[0][1], 0.9f, "float32: the buffer nears g/(1 - momentum) = 1 (%g)", buf[0][1]);
    cr_expect_eq(buf[1][1], buf[1][0], "bf16: the buffer stalls (%g then %g)", buf[1][0], buf[1][1]);
    cr_expect_lt(buf[1][1], 0.5f * buf[0][1], "bf16: stalled at %g, float32 at %g", buf[1][1], buf[0][1]);
    cr_expect_lt(moved[1], 0.6f * moved[0], "bf16: the parameter moved %g, float32 %g", moved[1], moved[0]);
    cr_expect(fabsf(buf[2][1] - buf[0][1]) < 0.02f * buf[0][1], "bf16_sr: mean buffer %g, float32 %g", buf[2][1],
              buf[0][1]);
    cr_expect(fabsf(moved[2] - moved[0]) < 0.02f * moved[0], "bf16_sr: the parameter moved %g, float32 %g", moved[2],
              moved[0]);
}

/* The exact state bytes of a run come from its buffers: the digits MLP
 * (26122 parameters; its 10-value output bias keeps float32 under int8). */
Test(precision, runs_record_exact_state_bytes)
{
    static const struct {
        const char *optimizer; /* spec */
        double lo, hi;         /* allowed state bytes per parameter */
    } cases[] = {
        {"adamw,lr=1e-3", 8, 8},           {"adamw,lr=1e-3,state=bf16", 4, 4}, {"adamw,lr=1e-3,state=bf16_sr", 4, 4},
        {"adamw,lr=1e-3,state=int8", 2, 2.1}, {"lion,state=int8", 1, 1.1},       {"sgd,momentum=0.9,state=bf16", 2, 2},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        RunSummary sum;
        test_run("mlp,dataset=digits", cases[c].optimizer, 2, &rows, &sum);
        const double per = (double)sum.state_bytes / (double)sum.n_params;
        cr_expect(per >= cases[c].lo && per <= cases[c].hi, "%s: %g bytes/param, expected [%g, %g]",
                  cases[c].optimizer, per, cases[c].lo, cases[c].hi);
    }
    RunSummary sum;
    test_run("mlp,dataset=digits", "adamw,lr=1e-3,state=int8", 2, &rows, &sum);
    /* 25856 int8 values in 103 blocks per slot, and 10 float32 ones, for each of 2 slots */
    cr_expect_eq(sum.state_bytes, 2 * (26112 + 4 * 103 + 4 * 10));
}

/* fp32 is the default and keeps the canonical text (and so the identity) of
 * every run recorded before the key existed; another value is part of it. */
Test(precision, fp32_keeps_the_canonical_text)
{
    char err[ERRMSG_MAX], plain[4096], fp32[4096], bf16[4096];
    RunConfig cfg;
    config_defaults(&cfg);
    cr_assert_eq(config_set_optimizer(&cfg, "adamw,lr=0.01", err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_canonical(&cfg, plain, sizeof plain), 0);
    cr_assert_eq(config_set_optimizer(&cfg, "adamw,lr=0.01,state=fp32", err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_canonical(&cfg, fp32, sizeof fp32), 0);
    cr_assert_eq(config_set_optimizer(&cfg, "adamw,lr=0.01,state=bf16", err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_canonical(&cfg, bf16, sizeof bf16), 0);
    cr_expect_str_eq(plain, fp32);
    cr_expect_null(strstr(plain, "state"), "%s", plain);
    cr_expect_not_null(strstr(bf16, "\"state\":\"bf16\""), "%s", bf16);
    cr_expect_neq(config_set_optimizer(&cfg, "adamw,state=fp16", err, sizeof err), 0);
    cr_expect_not_null(strstr(err, "fp32|bf16|bf16_sr|int8"), "%s", err);
    cr_expect_neq(config_set_optimizer(&cfg, "adafactor,state=bf16", err, sizeof err), 0);
    cr_expect_not_null(strstr(err, "allowed fp32"), "%s", err);
}

/* Adam's v under beta2 = 0.999 cannot decay in bf16: 0.999 v rounds back to
 * v, since 0.001 is below half a bf16 unit (2^-9 relative at least). After
 * 10 steps of gradient 1 and 300 of gradient 0, float32's v has fallen by
 * 0.999^300 = 0.74; bf16's has not moved; bf16_sr's has fallen on average. */
Test(precision, bf16_second_moment_cannot_decay)
{
    enum { N = 256 };
    const char *specs[3] = {"adamw,lr=1e-3", "adamw,lr=1e-3,state=bf16", "adamw,lr=1e-3,state=bf16_sr"};
    static float p[N], g[N];
    double v[3][2];
    for (int k = 0; k < 3; k++) {
        Single s;
        for (size_t i = 0; i < N; i++) p[i] = 1.0f, g[i] = 1.0f;
        single_open(&s, specs[k], N, 2, p);
        single_steps(&s, p, g, 1, 10);
        memset(g, 0, sizeof g);
        for (int when = 0; when < 2; when++) {
            if (when) single_steps(&s, p, g, 11, 310);
            v[k][when] = 0;
            for (size_t i = 0; i < N; i++)
                v[k][when] += (k ? bf16_widen(((const uint16_t *)s.run.state)[N + i])
                                 : ((const float *)s.run.state)[N + i]) / N;
        }
        opt_run_free(&s.run);
    }
    cr_expect(fabs(v[0][1] / v[0][0] - pow(0.999, 300)) < 1e-3, "float32: v fell by %g", v[0][1] / v[0][0]);
    cr_expect_eq(v[1][1], v[1][0], "bf16: v stays at %g (then %g)", v[1][0], v[1][1]);
    cr_expect(fabs(v[2][1] / v[2][0] - pow(0.999, 300)) < 0.02, "bf16_sr: v fell by %g", v[2][1] / v[2][0]);
}

/* The values every rule of update_impl.h is run over. */
enum { RULE_N = 1000 };
typedef struct {
    float p[RULE_N];    /* parameters */
    float g[RULE_N];    /* gradients */
    float s[3][RULE_N]; /* state slots */
} RuleData;

/* Each elementwise rule once over d, in loops as the CPU steps have them. */
static inline __attribute__((always_inline)) void all_rules(RuleData *d)
{
    const AdamCoef adam = {.b1 = 0.9f, .one_m_b1 = 0.1f, .b2 = 0.999f, .one_m_b2 = 1e-3f, .eps = 1e-8f,
                           .decay = 0.9999f, .wd_grad = 0.01f, .neg_step = -3e-3f, .bc2_sqrt = 0.07f};
    const LionCoef lion = {.b1 = 0.9f, .one_m_b1 = 0.1f, .b2 = 0.99f, .one_m_b2 = 0.01f, .wd_grad = 0.1f,
                           .decay = 0.999f, .neg_lr = -1e-4f};
    const SgdCoef sgd = {.wd = 0.01f, .mom = 0.9f, .keep = 0.8f, .neg_lr = -0.05f, .nesterov = 1, .has_wd = 1};
    const AdagradCoef adagrad = {.wd = 0.01f, .eps = 1e-10f, .neg_clr = -0.01f, .has_wd = 1};
    const RmspropCoef rms = {.wd = 0.01f, .eps = 1e-8f, .mom = 0.5f, .alpha = 0.99f, .one_m_alpha = 0.01f,
                             .neg_lr = -0.01f, .has_wd = 1, .has_mom = 1, .centered = 1};
    const NadamCoef nadam = {.b1 = 0.9f, .one_m_b1 = 0.1f, .b2 = 0.999f, .one_m_b2 = 1e-3f, .eps = 1e-8f,
                             .wd = 0.01f, .bc2 = 0.003f, .g_step = -1e-3f, .m_step = -2e-3f};
    const RadamCoef radam = {.b1 = 0.9f, .one_m_b1 = 0.1f, .b2 = 0.999f, .one_m_b2 = 1e-3f, .eps = 1e-8f,
                             .wd = 0.01f, .bc1 = 0.5f, .lr = 1e-3f, .bc2_sqrt = 0.2f, .rect = 0.7f, .rectify = 1};
    const AdamaxCoef adamax = {.b1 = 0.9f, .one_m_b1 = 0.1f, .b2 = 0.999f, .eps = 1e-8f, .wd = 0.01f,
                               .neg_clr = -2e-3f};
    float *restrict p = d->p, *restrict a = d->s[0], *restrict b = d->s[1], *restrict c = d->s[2];
    const float *restrict g = d->g;
#pragma omp simd
    for (size_t i = 0; i < RULE_N; i++) p[i] = adam_update(&adam, 1, p[i], g[i], &a[i], &b[i], &c[i]);
#pragma omp simd
    for (size_t i = 0; i < RULE_N; i++) p[i] = lion_update(&lion, p[i], g[i], &a[i]);
#pragma omp simd
    for (size_t i = 0; i < RULE_N; i++) p[i] = sgd_update(&sgd, 1, p[i], g[i], &b[i]);
#pragma omp simd
    for (size_t i = 0; i < RULE_N; i++) p[i] = adagrad_update(&adagrad, p[i], g[i], &c[i]);
#pragma omp simd
    for (size_t i = 0; i < RULE_N; i++) p[i] = rmsprop_update(&rms, 1, 1, p[i], g[i], &a[i], &b[i], &c[i]);
#pragma omp simd
    for (size_t i = 0; i < RULE_N; i++) p[i] = nadam_update(&nadam, p[i], g[i], &a[i], &b[i]);
#pragma omp simd
    for (size_t i = 0; i < RULE_N; i++) p[i] = radam_update(&radam, 1, p[i], g[i], &b[i], &c[i]);
#pragma omp simd
    for (size_t i = 0; i < RULE_N; i++) p[i] = adamax_update(&adamax, p[i], g[i], &a[i], &c[i]);
}

/* all_rules compiled as the CPU steps' loops are (OPT_CLONED: the AVX2
 * clone where the CPU has it), and for the default target. */
OPT_CLONED static void rules_cloned(RuleData *d) { all_rules(d); }
static void rules_plain(RuleData *d) { all_rules(d); }

/* The CPU steps' AVX2 clones compute the float32 rules bit for bit as the
 * default target does (no FMA contraction, no reordering): every rule of
 * update_impl.h over values with NaN, infinities, zeros of both signs and
 * subnormals, repeated so that the states grow. */
Test(precision, avx2_clones_of_the_rules_round_as_the_default_target)
{
    if (!__builtin_cpu_supports("avx2")) cr_skip_test("this CPU has no AVX2: the steps run their default clone");
    static RuleData d[2];
    srand(23);
    for (int i = 0; i < RULE_N; i++) {
        d[0].p[i] = ((float)rand() / (float)RAND_MAX - 0.5f) * powf(10.0f, (float)(rand() % 8 - 4));
        d[0].g[i] = ((float)rand() / (float)RAND_MAX - 0.5f) * powf(10.0f, (float)(rand() % 10 - 7));
        for (int s = 0; s < 3; s++) d[0].s[s][i] = fabsf(d[0].g[i]) * (float)(s + 1);
    }
    const float odd[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 0x1p-149f, -0x1p-130f, 3e38f};
    for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++) d[0].g[7 * k + 3] = d[0].p[11 * k + 5] = odd[k];
    d[1] = d[0];
    for (int round = 0; round < 20; round++) {
        rules_cloned(&d[0]);
        rules_plain(&d[1]);
    }
    cr_expect_eq(memcmp(&d[0], &d[1], sizeof d[0]), 0, "the AVX2 and default compiles of the rules differ");
}

/* A bf16 or bf16_sr step rounds in its own loop (OPT_STATE_LOOP): it
 * stores exactly what widening the stored slots, the float32 step and
 * rounding each new value (bf16_nearest, or bf16_stochastic with the
 * element's draws) give, for every elementwise optimizer with state and
 * every loop of its step; so does its new p. */
Test(precision, fused_bf16_steps_are_the_float32_step_rounded)
{
    enum { N = 1001, STEPS = 12 };
    static const char *specs[] = {
        "sgd,lr=0.1,momentum=0.9", "sgd,lr=0.1,momentum=0.9,nesterov=1,weight_decay=0.01", "adagrad,lr=0.1",
        "rmsprop", "rmsprop,momentum=0.9", "rmsprop,centered=1", "rmsprop,momentum=0.9,centered=1",
        "adam,weight_decay=0.1", "adamw,amsgrad=1", "lion", "lion_l2,weight_decay=0.1", "nadam", "radam",
        "adamax"};
    static float p[2][N], g[N], wide[OPT_MAX_STATE][N];
    static uint16_t h[2][OPT_MAX_STATE][N];
    char err[ERRMSG_MAX];
    for (size_t c = 0; c < sizeof specs / sizeof specs[0]; c++)
        for (int prec = STATE_BF16; prec <= STATE_BF16_SR; prec++) {
            Spec sp;
            ParamSet hp;
            cr_assert_eq(spec_parse(specs[c], &sp, err, sizeof err), 0, "%s", err);
            const OptimizerDef *opt = optimizer_find(sp.name);
            cr_assert_eq(optimizer_configure(opt, &sp, &hp, err, sizeof err), 0, "%s", err);
            const int ns = opt->n_state(hp.num);
            cr_assert_gt(ns, 0, "%s keeps state", specs[c]);
            memset(h, 0, sizeof h);
            for (size_t i = 0; i < N; i++) p[0][i] = p[1][i] = sinf((float)i) * 2.0f;
            for (long t = 1; t <= STEPS; t++) {
                for (size_t i = 0; i < N; i++) g[i] = cosf((float)(i * (size_t)t)) * (i % 3 ? 1e-3f : 1.0f);
                StateSlots st = {.prec = prec, .key = 4242, .t = t, .first = 77};
                float *slots[OPT_MAX_STATE] = {0};
                for (int s = 0; s < ns; s++) {
                    st.data[s] = h[0][s];
                    slots[s] = wide[s];
                    for (size_t i = 0; i < N; i++) wide[s][i] = bf16_widen(h[1][s][i]);
                }
                opt->step_cpu(hp.num, &st, p[0], g, N, t, hp.num[0]);
                const StateSlots fs = state_slots_fp32(slots);
                opt->step_cpu(hp.num, &fs, p[1], g, N, t, hp.num[0]);
                for (int s = 0; s < ns; s++)
                    for (size_t i = 0; i < N; i++) {
                        const uint64_t bits = state_round_bits(4242, t, 77 + i);
                        h[1][s][i] = prec == STATE_BF16 ? bf16_nearest(wide[s][i])
                                                        : bf16_stochastic(wide[s][i], (uint32_t)(bits >> (16 * s)));
                    }
                cr_assert_eq(memcmp(p[0], p[1], sizeof p[0]), 0, "%s, %s, step %ld: p", specs[c],
                             prec == STATE_BF16 ? "bf16" : "bf16_sr", t);
                cr_assert_eq(memcmp(h[0], h[1], sizeof h[0]), 0, "%s, %s, step %ld: the stored state", specs[c],
                             prec == STATE_BF16 ? "bf16" : "bf16_sr", t);
            }
        }
}

/* A `state` value's index is its StatePrecision (state.h): every built-in
 * table offers the first words of STATE_CHOICES in order (a plugin's is
 * OPT_STATE_PARAM or OPT_STATE_FP32_PARAM, optimizers/plugin.c). */
Test(precision, state_values_are_indexed_by_precision)
{
    for (int i = 0; optimizer_at(i); i++) {
        const OptimizerDef *o = optimizer_at(i);
        for (int k = 0; k < o->n_hparams; k++) {
            const ParamDef *d = &o->hparams[k];
            if (strcmp(d->name, "state")) continue;
            cr_assert_lt(d->hi, N_STATE_PRECISIONS, "%s", o->name);
            for (int q = 0; q <= (int)d->hi; q++) {
                char word[32], want[32];
                params_choice_word(d->choices, q, word, sizeof word);
                params_choice_word(STATE_CHOICES, q, want, sizeof want);
                cr_expect_str_eq(word, want, "%s: state value %d", o->name, q);
            }
        }
    }
}
