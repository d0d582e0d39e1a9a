/* roofline.h — the streaming reference kernel of `optbench bench`: the same
 * read/write pattern as a fused optimizer step with no arithmetic to speak
 * of, so that its bandwidth is what the machine can give that pattern. */
#ifndef OPTBENCH_ROOFLINE_H
#define OPTBENCH_ROOFLINE_H

#include <stddef.h>

#define ROOFLINE_MAX_RW 4 /* most read-and-written streams (p and OPT_MAX_STATE slots) */

/* One parallel pass over n floats: rw[k][i] = 0.5 * rw[k][i] + g[i] for the
 * n_rw (1..ROOFLINE_MAX_RW) arrays of rw, g read only: n_rw + 1 read streams
 * and n_rw write streams, split over threads as OPT_FOR_EACH splits a step. */
void roofline_pass(float *const *rw, int n_rw, const float *g, size_t n);

/* The same for a step with n_slots (1..3) slots of `width` bytes per value
 * (2: bf16, 1: int8): p[i] = 0.5 * p[i] + g[i], and every byte of each
 * slot incremented, tile by tile as the low-precision pass walks them (the
 * int8 absmax, 4 bytes per 256 values, is not streamed). */
void roofline_pass_narrow(float *p, unsigned char *const *slots, int n_slots, int width, const float *g, size_t n);

#endif
