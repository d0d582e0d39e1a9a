/* roofline.c — the streaming reference kernel, one loop per count of
 * read-and-written streams so that each has no branch and vectorises. Its
 * loops are cloned for the same instruction sets as the optimizers' step
 * loops (OPT_CLONED), so that the bound is never the weaker code: with
 * generic SSE loops the AVX2 AdamW step measured 125-150% of it. */
#include "harness/check/roofline.h"

#include "optimizers/optimizer.h"

_Static_assert(ROOFLINE_MAX_RW == OPT_MAX_STATE + 1, "p and every state slot are written");

OPT_CLONED void roofline_pass(float *const *rw, int n_rw, const float *restrict g, size_t n)
{
    float *restrict a = rw[0];
    float *restrict b = n_rw > 1 ? rw[1] : NULL;
    float *restrict c = n_rw > 2 ? rw[2] : NULL;
    float *restrict d = n_rw > 3 ? rw[3] : NULL;
    switch (n_rw) {
    case 1:
        OPT_FOR_EACH(i, n) a[i] = 0.5f * a[i] + g[i];
        break;
    case 2:
        OPT_FOR_EACH(i, n) {
            a[i] = 0.5f * a[i] + g[i];
            b[i] = 0.5f * b[i] + g[i];
        }
        break;
    case 3:
        OPT_FOR_EACH(i, n) {
            a[i] = 0.5f * a[i] + g[i];
            b[i] = 0.5f * b[i] + g[i];
            c[i] = 0.5f * c[i] + g[i];
        }
        break;
    default:
        OPT_FOR_EACH(i, n) {
            a[i] = 0.5f * a[i] + g[i];
            b[i] = 0.5f * b[i] + g[i];
            c[i] = 0.5f * c[i] + g[i];
            d[i] = 0.5f * d[i] + g[i];
        }
        break;
    }
}

OPT_CLONED void roofline_pass_narrow(float *p, unsigned char *const *slots, int n_slots, int width, const float *g, size_t n)
{
    const size_t tile = 2048, tiles = (n + tile - 1) / tile;
#pragma omp parallel for schedule(static) if (n >= OPT_PARALLEL_MIN)
    for (size_t k = 0; k < tiles; k++) {
        const size_t a = k * tile, len = n - a < tile ? n - a : tile;
        float *restrict pt = p + a;
        const float *restrict gt = g + a;
        for (size_t i = 0; i < len; i++) pt[i] = 0.5f * pt[i] + gt[i];
        for (int s = 0; s < n_slots; s++) {
            unsigned char *restrict d = slots[s] + a * (size_t)width;
            for (size_t j = 0; j < len * (size_t)width; j++) d[j] = (unsigned char)(d[j] + 1);
        }
    }
}
