/* roofline.c — the streaming reference kernel, one loop per count of
 * read-and-written streams so that each has no branch and vectorises. */
#include "harness/check/roofline.h"

#include "optimizers/optimizer.h"

_Static_assert(ROOFLINE_MAX_RW == OPT_MAX_STATE + 1, "p and every state slot are written");

void roofline_pass(float *const *rw, int n_rw, const float *restrict g, size_t n)
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
