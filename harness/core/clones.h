/* clones.h — whether a function may carry gcc's target_clones attribute
 * (one copy per instruction set, the loader picking the widest the CPU
 * has): only on x86-64, and not under ThreadSanitizer (make test-tsan),
 * where the loader calls a clone's resolver before the sanitizer's runtime
 * is set up and an instrumented resolver crashes. The lists of instruction
 * sets stay with their users: optimizers/optimizer.h (OPT_CLONES, never
 * FMA) and problems/fastmath.h (SIMD_CLONES). */
#ifndef OPTBENCH_CLONES_H
#define OPTBENCH_CLONES_H

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CLONES_TSAN 1
#endif
#endif

#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__) && !defined(CLONES_TSAN)
#define CLONES_ALLOWED 1 /* target_clones may be used */
#else
#define CLONES_ALLOWED 0
#endif

#endif
