/* test_plugin.c — the pieces of plugin loading that need no shared object:
 * SHA-256 (the identity of a plugin's build) against FIPS 180-4's
 * examples, and optimizers added to the registry at run time. Loading real
 * plugins is tested end to end in tests/e2e/plugins.sh. */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "harness/core/sha256.h"
#include "optimizers/optimizer.h"

static void digest_of(const char *text, size_t repeat, char hex[SHA256_HEX_LEN + 1])
{
    Sha256 s;
    sha256_init(&s);
    for (size_t i = 0; i < repeat; i++) sha256_update(&s, text, strlen(text));
    sha256_hex(&s, hex);
}

Test(sha256, fips_examples)
{
    char hex[SHA256_HEX_LEN + 1];
    digest_of("", 1, hex);
    cr_expect_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    digest_of("abc", 1, hex);
    cr_expect_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    digest_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1, hex);
    cr_expect_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* a million 'a', fed in pieces that straddle the blocks */
    digest_of("aaaaaaaaaaaaaaaaaaaaaaaaa", 40000, hex);
    cr_expect_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

Test(sha256, file_and_missing_file)
{
    char hex[SHA256_HEX_LEN + 1], err[256], path[] = "/tmp/optbench-sha-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, "abc", 3), 3);
    close(fd);
    cr_assert_eq(sha256_file(path, hex, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    unlink(path);
    cr_expect_eq(sha256_file(path, hex, err, sizeof err), -1);
    cr_expect(strstr(err, path) != NULL, "%s", err);
}

Test(registry, added_optimizers_are_found_listed_and_unique)
{
    static const OptimizerDef extra = {.name = "extra_sgd", .origin = "plugin /x/extra.so"};
    static const OptimizerDef clash = {.name = "adamw", .origin = "plugin /x/clash.so"};
    static const OptimizerDef twice = {.name = "extra_sgd", .origin = "plugin /y/extra.so"};
    char err[256];
    int n = 0;
    while (optimizer_at(n)) n++;
    cr_assert_null(optimizer_find("extra_sgd"));
    cr_assert_eq(optimizer_add(&extra, err, sizeof err), 0, "%s", err);
    cr_expect_eq(optimizer_find("extra_sgd"), &extra);
    cr_expect_eq(optimizer_at(n), &extra, "added optimizers are listed after the built-ins");
    cr_expect_null(optimizer_at(n + 1));
    cr_expect(strstr(optimizer_names(), ", extra_sgd") != NULL, "%s", optimizer_names());
    cr_expect_eq(optimizer_add(&clash, err, sizeof err), -1);
    cr_expect_str_eq(err, "optimizer name 'adamw' is taken by a built-in optimizer");
    cr_expect_eq(optimizer_add(&twice, err, sizeof err), -1);
    cr_expect_str_eq(err, "optimizer name 'extra_sgd' is taken by plugin /x/extra.so");
}
