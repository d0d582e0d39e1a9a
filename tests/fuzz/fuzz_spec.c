/* fuzz_spec.c — libFuzzer target: one NAME,key=value,... string as a
 * problem, an optimizer and a schedule spec; when it configures, the
 * canonical JSON of the run is written and checked to hold no bare word
 * but true, false and null (so no inf or nan) and no control character. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/config.h"

/* 1 when json, outside its strings, holds only true/false/null as words
 * and no byte below 0x20 anywhere. */
static int json_words_ok(const char *json)
{
    int in_string = 0;
    for (const char *p = json; *p; p++) {
        if ((unsigned char)*p < 0x20) return 0;
        if (in_string) {
            if (*p == '\\' && p[1]) p++;
            else if (*p == '"') in_string = 0;
        } else if (*p == '"') {
            in_string = 1;
        } else if (isalpha((unsigned char)*p) && *p != 'e' && *p != 'E') {
            size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
            if (!((n == 4 && (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))) || (n == 5 && !strncmp(p, "false", 5))))
                return 0;
            p += n - 1;
        }
    }
    return !in_string;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), err[ERRMSG_MAX], json[CONFIG_TEXT_MAX];
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    RunConfig cfg;
    config_defaults(&cfg);
    int ok = config_set_problem(&cfg, text, err, sizeof err) == 0;
    ok |= config_set_optimizer(&cfg, text, err, sizeof err) == 0;
    ok |= config_set_schedule(&cfg, text, err, sizeof err) == 0;
    if (ok && config_canonical(&cfg, json, sizeof json) == 0 && !json_words_ok(json))
        abort(); /* a non-finite number or a raw control character reached the JSON */
    free(text);
    return 0;
}
