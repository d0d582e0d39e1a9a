/* test_inputs.c — the readers every user input goes through: the strict
 * decimal reader (number.h), names and text values without control
 * characters, and the canonical JSON of a text value. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "harness/core/number.h"
#include "harness/core/params.h"
#include "problems/problem.h"

Test(inputs, decimal_numbers_only)
{
    static const struct {
        const char *text;  /* input */
        NumberStatus want; /* status */
        double value;      /* value when OK */
    } cases[] = {
        {"1", NUMBER_OK, 1}, {"-2.5", NUMBER_OK, -2.5}, {"+.5", NUMBER_OK, 0.5}, {"3.", NUMBER_OK, 3},
        {"1e-3", NUMBER_OK, 1e-3}, {" 7E+2 ", NUMBER_OK, 700}, {"0e-999", NUMBER_OK, 0}, {"-0", NUMBER_OK, 0},
        {"2.2250738585072014e-308", NUMBER_OK, DBL_MIN}, {"1.7976931348623157e308", NUMBER_OK, DBL_MAX},
        {"", NUMBER_SYNTAX, 0}, {" ", NUMBER_SYNTAX, 0}, {".", NUMBER_SYNTAX, 0}, {"+", NUMBER_SYNTAX, 0},
        {"e5", NUMBER_SYNTAX, 0}, {"1e", NUMBER_SYNTAX, 0}, {"1e+", NUMBER_SYNTAX, 0}, {"1.2.3", NUMBER_SYNTAX, 0},
        {"inf", NUMBER_SYNTAX, 0}, {"-Infinity", NUMBER_SYNTAX, 0}, {"NAN", NUMBER_SYNTAX, 0},
        {"nan(0x1)", NUMBER_SYNTAX, 0}, {"0x10", NUMBER_SYNTAX, 0}, {"0x1p-3", NUMBER_SYNTAX, 0},
        {"1,5", NUMBER_SYNTAX, 0}, {"1 2", NUMBER_SYNTAX, 0}, {"--1", NUMBER_SYNTAX, 0},
        {"1e309", NUMBER_OVERFLOW, 0}, {"-1e400", NUMBER_OVERFLOW, 0},
        {"1e-320", NUMBER_TINY, 0}, {"1e-400", NUMBER_TINY, 0}, {"-4.9e-324", NUMBER_TINY, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v = -1;
        NumberStatus st = number_parse(cases[i].text, &v);
        cr_expect_eq(st, cases[i].want, "'%s': status %d, want %d", cases[i].text, st, cases[i].want);
        if (st == NUMBER_OK) cr_expect_eq(v, cases[i].value, "'%s' read as %.17g", cases[i].text, v);
        if (st != NUMBER_OK) cr_expect(strlen(number_status_text(st)) > 0);
    }
    const char *end;
    double v;
    cr_expect_eq(number_scan("12abc", &end, &v), NUMBER_OK);
    cr_expect_str_eq(end, "abc");
    cr_expect_eq(number_scan("1e+x", &end, &v), NUMBER_OK, "the exponent needs digits: 1, then e+x");
    cr_expect_str_eq(end, "e+x");
}

Test(inputs, names_without_control_characters)
{
    char err[ERRMSG_MAX];
    cr_expect_eq(params_check_name("--sweep", "lion-vs-adamw 2", 127, err, sizeof err), 0);
    cr_expect_eq(params_check_name("--sweep", "", 127, err, sizeof err), -1);
    cr_expect(strstr(err, "--sweep: empty") != NULL, "%s", err);
    cr_expect_eq(params_check_name("--sweep", "a\nb", 127, err, sizeof err), -1);
    cr_expect(strstr(err, "'a\\nb' holds a control character") != NULL, "%s", err);
    cr_expect_null(strchr(err, '\n'));
    cr_expect_eq(params_check_name("--sweep", "a\033[2Jb", 127, err, sizeof err), -1);
    cr_expect(strstr(err, "a\\x1b[2Jb") != NULL, "%s", err);
    char longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    cr_expect_eq(params_check_name("name", longname, 127, err, sizeof err), -1);
    cr_expect(strstr(err, "longer than 127") != NULL, "%s", err);
}

/* A text value (a dataset path) is refused with a control character, and
 * its JSON escapes quotes and backslashes in full, however long. */
Test(inputs, text_values_and_their_json)
{
    ParamSet ps;
    char err[ERRMSG_MAX], json[4096];
    const ProblemDef *logreg = problem_find("logreg");
    cr_assert_not_null(logreg);
    params_init(&ps, logreg->options, logreg->n_options);
    cr_expect_eq(params_set(&ps, "dataset", "csv:a\tb.csv", err, sizeof err), -1);
    cr_expect(strstr(err, "'csv:a\\tb.csv': not a valid value") != NULL, "%s", err);
    char path[PARAM_TEXT_MAX];
    memset(path, '"', sizeof path - 1);
    memcpy(path, "csv:", 4);
    path[sizeof path - 1] = 0;
    cr_assert_eq(params_set(&ps, "dataset", path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(params_json(&ps, json, sizeof json), 0);
    const char *v = strstr(json, "\"dataset\":\"csv:");
    cr_assert_not_null(v);
    size_t quotes = 0;
    for (const char *p = v + 15; p[0] == '\\' && p[1] == '"'; p += 2) quotes++;
    cr_expect_eq(quotes, PARAM_TEXT_MAX - 1 - 4, "every quote escaped: %zu", quotes);
}
