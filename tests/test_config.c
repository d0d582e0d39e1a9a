/* test_config.c — spec strings, canonical config text and keys. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
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
    cr_expect_neq(config_set_optimizer(&cfg, "adamq", err, sizeof err), 0);
    cr_expect(strstr(err, "unknown optimizer 'adamq'") && strstr(err, "lion"), "%s", err);
    cr_expect_neq(config_set_problem(&cfg, "rastrigin", err, sizeof err), 0);
    cr_expect(strstr(err, "unknown problem 'rastrigin'") && strstr(err, "rosenbrock"), "%s", err);
    cr_expect_neq(config_set_problem(&cfg, "rosenbrock,dim=1", err, sizeof err), 0);
    cr_expect(strstr(err, "dim") != NULL, "%s", err);
}

/* The field of a setting in cfg, as a number (a spec: its definition's address). */
static double field_value(const RunSetting *s, const RunConfig *cfg)
{
    const char *f = (const char *)cfg + s->offset;
    switch (s->store) {
    case STORE_LONG: return (double)*(const long *)f;
    case STORE_INT: return *(const int *)f;
    case STORE_U64: return (double)*(const uint64_t *)f;
    case STORE_DOUBLE: return *(const double *)f;
    case STORE_DEVICE: return *(const Device *)f;
    case STORE_SPEC: return (double)(uintptr_t)*(const void *const *)f;
    }
    return NAN;
}

Test(config, every_setting_default_is_in_its_own_range)
{
    RunConfig defaults, cfg;
    char err[ERRMSG_MAX], text[64];
    config_defaults(&defaults);
    for (int i = 0; i < n_run_settings; i++) {
        const RunSetting *s = &run_settings[i];
        cr_assert(s->def.help && s->def.help[0], "%s has no help", s->def.name);
        cr_assert(s->scope & (SETTING_RUN | SETTING_SWEEP), "%s is accepted nowhere", s->def.name);
        cr_assert_eq(setting_find(s->def.name), s);
        if (s->store == STORE_SPEC) snprintf(text, sizeof text, "%s", s->def.choices);
        else if (isnan(s->def.def)) continue; /* the target: "the problem's" */
        else params_default_text(&s->def, text, sizeof text);
        config_defaults(&cfg);
        cr_expect_eq(setting_apply(s, &cfg, text, err, sizeof err), 0, "%s = %s: %s", s->def.name, text, err);
        cr_expect_eq(field_value(s, &cfg), field_value(s, &defaults), "%s: the default text does not give the default",
                     s->def.name);
    }
}

Test(config, a_bad_setting_value_names_what_is_allowed)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    config_defaults(&cfg);
    cr_expect_neq(setting_apply(setting_find("steps"), &cfg, "0", err, sizeof err), 0);
    cr_expect_str_eq(err, "'0' is not an integer in [1, 1000000000]");
    cr_expect_neq(setting_apply(setting_find("steps"), &cfg, "2.5", err, sizeof err), 0);
    cr_expect_neq(setting_apply(setting_find("clip"), &cfg, "-1", err, sizeof err), 0);
    cr_expect_str_eq(err, "'-1' is not a number in [0, inf)");
    cr_expect_neq(setting_apply(setting_find("target"), &cfg, "abc", err, sizeof err), 0);
    cr_expect_str_eq(err, "'abc' is not a number");
    cr_expect_neq(setting_apply(setting_find("device"), &cfg, "tpu", err, sizeof err), 0);
    cr_expect_str_eq(err, "'tpu' is not cpu or cuda");
    cr_expect_eq(cfg.steps, 100, "a refused value leaves the field alone");
    cr_expect_eq(setting_apply(setting_find("log_every"), &cfg, "1e3", err, sizeof err), 0, "%s", err);
    cr_expect_eq(cfg.log_every, 1000);
}

Test(config, device_names_read_back)
{
    Device d;
    char err[ERRMSG_MAX];
    for (int i = DEVICE_CPU; i <= DEVICE_CUDA; i++) {
        cr_assert_eq(config_parse_device(device_name((Device)i), &d, err, sizeof err), 0, "%s", err);
        cr_expect_eq((int)d, i);
    }
}

Test(config, flags_and_help_come_from_the_table)
{
    char flag[40], help[4096];
    setting_flag(setting_find("divergence_factor"), flag, sizeof flag);
    cr_expect_str_eq(flag, "divergence-factor");
    cr_assert_eq(settings_help(SETTING_RUN, help, sizeof help), 0);
    cr_expect(strstr(help, "--log-every K") && strstr(help, "(default 1)"), "%s", help);
    cr_expect(strstr(help, "timeout") == NULL, "timeout_s is a sweep-file key only: %s", help);
    cr_assert_eq(settings_help(SETTING_SWEEP, help, sizeof help), 0);
    cr_expect(strstr(help, "log_every") && strstr(help, "(default 10)"), "%s", help);
    cr_expect(strstr(help, "timeout_s") != NULL, "%s", help);
}
