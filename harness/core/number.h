/* number.h — the one reader of numbers that people write: spec strings,
 * sweep files, command-line flags and the fields of CSV and LIBSVM files.
 *
 * Only plain decimal is taken: [+-]digits[.digits][(e|E)[+-]digits], with
 * digits on at least one side of the point. Hexadecimal (0x10, 0x1p-3),
 * inf, infinity and nan in any spelling are not numbers here, so that every
 * value that is stored is finite and reads back the same. A value beyond
 * the largest double is refused; one below the smallest normal double
 * (a subnormal, or one that rounds to 0 though its digits are not all 0)
 * is reported as such, and each caller decides whether to take it.
 */
#ifndef OPTBENCH_NUMBER_H
#define OPTBENCH_NUMBER_H

typedef enum {
    NUMBER_OK = 0,   /* a finite normal double, or exactly 0 */
    NUMBER_SYNTAX,   /* not plain decimal (empty, hex, inf, nan, a word) */
    NUMBER_OVERFLOW, /* beyond +-1.7976931348623157e308 */
    NUMBER_TINY,     /* nonzero, below 2.2250738585072014e-308: subnormal or 0 after rounding */
} NumberStatus;

/* Reads a decimal number at the start of s (no blanks skipped) into *out
 * and sets *end past it (to s on NUMBER_SYNTAX). *out is the value strtod
 * gives for NUMBER_OK and NUMBER_TINY. */
NumberStatus number_scan(const char *s, const char **end, double *out);

/* Reads all of text (blanks around the number allowed) as one number. */
NumberStatus number_parse(const char *text, double *out);

/* Why a status is not NUMBER_OK, as words for a message ("" for OK). */
const char *number_status_text(NumberStatus st);

#endif
