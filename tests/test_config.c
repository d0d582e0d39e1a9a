/* test_config.c — spec strings, canonical config text and keys. */
#include <criterion/criterion.h>
#include <string.h>

#include "harness/run/config.h"

static void key_of(const char *problem, const char *optimizer, char key[KEY_TEXT_MAX])
{
    RunConfig cfg;
    char err[ERRMSG_MAX], text[CONFIG_TEXT_MAX];
    config_defaults(&cfg);
    cr_assert_eq(config_set_problem(&cfg, problem, err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_set_optimizer(&cfg, optimizer, err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_canonical(&cfg, text, sizeof text), 0);
    config_key(text, key);
}

Test(config, key_ignores_order_spelling_and_defaults)
{
    char a[KEY_TEXT_MAX], b[KEY_TEXT_MAX], c[KEY_TEXT_MAX], d[KEY_TEXT_MAX];
    key_of("rosenbrock,dim=10", "adam,lr=1e-3,beta1=0.9", a);
    key_of("rosenbrock,dim=1e1", "adam,beta1=.90,lr=0.001", b);
    key_of("rosenbrock,dim=10,noise=0", "adam", c);
    key_of("rosenbrock,dim=10", "adam,lr=2e-3", d);
    cr_expect_str_eq(a, b);
    cr_expect_str_eq(a, c);
    cr_expect_str_neq(a, d);
}

Test(config, canonical_text_is_sorted_json)
{
    RunConfig cfg;
    char err[ERRMSG_MAX], text[CONFIG_TEXT_MAX];
    config_defaults(&cfg);
    cr_assert_eq(config_set_optimizer(&cfg, "lion,weight_decay=0.5,lr=3e-4", err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_canonical(&cfg, text, sizeof text), 0);
    cr_expect(strstr(text, "\"optimizer\":{\"name\":\"lion\",\"beta1\":0.9,\"beta2\":0.99,\"lr\":0.0003,"
                           "\"wd_mode\":\"decoupled\",\"weight_decay\":0.5}") != NULL, "%s", text);
    cr_expect(strstr(text, "\"problem\":{\"name\":\"rosenbrock\",\"dim\":2,\"noise\":0}") != NULL, "%s", text);
}

Test(config, spec_keeps_commas_inside_brackets)
{
    Spec s;
    char err[ERRMSG_MAX];
    cr_assert_eq(spec_parse("mlp,hidden=[256, 128],batch=64", &s, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(s.name, "mlp");
    cr_expect_eq(s.n, 2);
    cr_expect_str_eq(s.value[0], "[256, 128]");
    cr_expect_str_eq(s.key[1], "batch");
}

Test(config, numbers_print_in_shortest_exact_form)
{
    char buf[32];
    format_number(0.001, buf, sizeof buf);
    cr_expect_str_eq(buf, "0.001");
    format_number(1e-8, buf, sizeof buf);
    cr_expect_str_eq(buf, "1e-08");
    format_number(10, buf, sizeof buf);
    cr_expect_str_eq(buf, "10");
    format_number(0.1 + 0.2, buf, sizeof buf);
    cr_expect_eq(strtod(buf, NULL), 0.1 + 0.2);
}

Test(config, unknown_names_list_the_known_ones)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    config_defaults(&cfg);
    cr_expect_neq(config_set_optimizer(&cfg, "adamax", err, sizeof err), 0);
    cr_expect(strstr(err, "unknown optimizer 'adamax'") && strstr(err, "lion"), "%s", err);
    cr_expect_neq(config_set_problem(&cfg, "rastrigin", err, sizeof err), 0);
    cr_expect(strstr(err, "unknown problem 'rastrigin'") && strstr(err, "rosenbrock"), "%s", err);
    cr_expect_neq(config_set_problem(&cfg, "rosenbrock,dim=1", err, sizeof err), 0);
    cr_expect(strstr(err, "dim") != NULL, "%s", err);
}
