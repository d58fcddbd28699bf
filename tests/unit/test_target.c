/* SPDX-License-Identifier: BSD-2-Clause */
/* Target lists: addresses, blocks, octet ranges, files, exclusions and the host limit. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "portkit/error.h"
#include "portkit/target.h"

/* Builds a finished list from the given specs (exclusions after a "!"). */
static struct pk_targets *
make(uint64_t max, const char *const *specs)
{
    struct pk_targets *t;
    assert_int_equal(pk_targets_new(&t), 0);
    for (; *specs; specs++) {
        const char *s = *specs;
        unsigned flags = PK_TARGET_NUMERIC;
        if (s[0] == '!')
            s++, flags |= PK_TARGET_EXCLUDE;
        const char *why = NULL;
        int rc = pk_targets_add(t, s, flags, &why);
        if (rc != 0)
            fail_msg("'%s' refused: %s", s, why ? why : "");
    }
    const char *why = NULL;
    int rc = pk_targets_finish(t, max, &why);
    if (rc != 0)
        fail_msg("finish: %d %s", rc, why ? why : "");
    return t;
}

/* Checks host i of t as text. */
static void
host_is(const struct pk_targets *t, uint64_t i, const char *want)
{
    struct pk_target tg;
    char buf[64];
    assert_int_equal(pk_targets_get(t, i, &tg), 0);
    assert_string_equal(pk_target_addr_str(&tg, buf, sizeof(buf)), want);
}

static void
test_addresses(void **state)
{
    (void)state;
    const char *specs[] = {"198.18.0.1", "::1", "198.18.1.0/30", "fd00::/126", NULL};
    struct pk_targets *t = make(100, specs);
    assert_int_equal(pk_targets_count(t), 1 + 1 + 4 + 4);
    host_is(t, 0, "198.18.0.1");
    host_is(t, 1, "::1");
    host_is(t, 2, "198.18.1.0");
    host_is(t, 5, "198.18.1.3");
    host_is(t, 6, "fd00::");
    host_is(t, 9, "fd00::3");
    struct pk_target tg;
    assert_int_equal(pk_targets_get(t, 10, &tg), PK_ENOENT);
    pk_targets_free(t);
}

static void
test_blocks_and_ranges(void **state)
{
    (void)state;
    const char *specs[] = {"198.18.5.77/24", "198.18.0.1-3",  "198.18.1-2.1",
                           "198.18.3.*",     "198.18.4.250-", NULL};
    struct pk_targets *t = make(10000, specs);
    assert_int_equal(pk_targets_count(t), 256 + 3 + 2 + 256 + 6);
    host_is(t, 0, "198.18.5.0"); /* the host bits of a block are ignored */
    host_is(t, 255, "198.18.5.255");
    host_is(t, 256, "198.18.0.1");
    host_is(t, 259, "198.18.1.1");
    host_is(t, 260, "198.18.2.1");
    host_is(t, 261, "198.18.3.0");
    host_is(t, 517, "198.18.4.250");
    pk_targets_free(t);
    const char *all[] = {"0.0.0.0/0", NULL};
    t = make(1ull << 32, all);
    assert_int_equal(pk_targets_count(t), 1ull << 32);
    host_is(t, (1ull << 32) - 1, "255.255.255.255");
    pk_targets_free(t);
}

static void
test_exclusions(void **state)
{
    (void)state;
    const char *specs[] = {"198.18.0.0/28",
                           "!198.18.0.0-3",
                           "!198.18.0.8/30",
                           "!198.18.0.15",
                           "!198.19.0.0/16",
                           "!::1",
                           NULL};
    struct pk_targets *t = make(100, specs);
    assert_int_equal(pk_targets_count(t), 16 - 4 - 4 - 1);
    host_is(t, 0, "198.18.0.4");
    host_is(t, 3, "198.18.0.7");
    host_is(t, 4, "198.18.0.12");
    host_is(t, 6, "198.18.0.14");
    pk_targets_free(t);
    /* Overlapping exclusions, and everything excluded. */
    const char *all[] = {"198.18.0.0/30", "!198.18.0.0/31", "!198.18.0.1-3", NULL};
    t = make(100, all);
    assert_int_equal(pk_targets_count(t), 0);
    pk_targets_free(t);
}

static void
test_limit(void **state)
{
    (void)state;
    struct pk_targets *t;
    const char *why = NULL;
    assert_int_equal(pk_targets_new(&t), 0);
    assert_int_equal(pk_targets_add(t, "198.18.0.0/15", 0, &why), 0);
    assert_int_equal(pk_targets_finish(t, PK_TARGET_MAX_HOSTS_DEFAULT, &why), PK_ERANGE);
    assert_non_null(strstr(why, "max-hosts"));
    pk_targets_free(t);
    /* Exactly at the limit is fine; exclusions count before the limit does. */
    const char *specs[] = {"198.18.0.0/16", NULL};
    t = make(PK_TARGET_MAX_HOSTS_DEFAULT, specs);
    assert_int_equal(pk_targets_count(t), 65536);
    pk_targets_free(t);
    const char *ex[] = {"198.18.0.0/15", "!198.19.0.0/16", NULL};
    t = make(PK_TARGET_MAX_HOSTS_DEFAULT, ex);
    assert_int_equal(pk_targets_count(t), 65536);
    pk_targets_free(t);
    /* All of IPv6 is counted without overflow. */
    assert_int_equal(pk_targets_new(&t), 0);
    assert_int_equal(pk_targets_add(t, "::/0", 0, &why), 0);
    assert_int_equal(pk_targets_finish(t, UINT64_MAX, &why), PK_ERANGE);
    pk_targets_free(t);
}

static void
refused(const char *spec, unsigned flags, int err, const char *reason)
{
    struct pk_targets *t;
    const char *why = NULL;
    assert_int_equal(pk_targets_new(&t), 0);
    int rc = pk_targets_add(t, spec, flags, &why);
    if (rc != err)
        fail_msg("'%s': expected %s, got %d (%s)", spec, pk_errname(err), rc, why ? why : "");
    if (!why || !strstr(why, reason))
        fail_msg("'%s': reason '%s' does not mention '%s'", spec, why ? why : "", reason);
    pk_targets_free(t);
}

static void
test_refuses(void **state)
{
    (void)state;
    refused("", 0, PK_EINVAL, "empty");
    refused("198.18.0.1/33", 0, PK_EINVAL, "over 32");
    refused("::1/129", 0, PK_EINVAL, "over 128");
    refused("198.18.0.1/", 0, PK_EINVAL, "prefix");
    refused("198.18.0.1/x", 0, PK_EINVAL, "prefix");
    refused("198.18.0.300", 0, PK_EINVAL, "octet");
    refused("198.18.0.9-3", 0, PK_EINVAL, "below");
    refused("fe80::zz", 0, PK_EINVAL, "IPv6");
    refused("a b", 0, PK_EINVAL, "not an address");
    refused("localhost", PK_TARGET_NUMERIC, PK_EINVAL, "host names");
    refused("*.*.*.*", 0, PK_ERANGE, "too large");
    char big[400];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    refused(big, 0, PK_EMSGSIZE, "too long");
}

static void
test_names(void **state)
{
    (void)state;
    struct pk_targets *t;
    const char *why = NULL;
    assert_int_equal(pk_targets_new(&t), 0);
    assert_int_equal(pk_targets_add(t, "localhost", 0, &why), 0);
    assert_int_equal(pk_targets_finish(t, 10, &why), 0);
    struct pk_target tg;
    assert_int_equal(pk_targets_get(t, 0, &tg), 0);
    assert_int_equal(tg.family, AF_INET);
    assert_int_equal(tg.addr[0], 127);
    assert_string_equal(tg.name, "localhost");
    pk_targets_free(t);
}

static void
test_text(void **state)
{
    (void)state;
    struct pk_targets *t;
    const char *why = NULL;
    unsigned line = 0;
    char bad[32];
    assert_int_equal(pk_targets_new(&t), 0);
    const char *text = "# list\n198.18.0.1 198.18.0.2\t198.18.0.3\r\n\n198.18.0.4#c\n  # x y\n";
    assert_int_equal(pk_targets_add_text(t, text, strlen(text), PK_TARGET_NUMERIC, &line, bad,
                                         sizeof(bad), &why),
                     0);
    const char *ex = "198.18.0.2";
    assert_int_equal(
        pk_targets_add_text(t, ex, strlen(ex), PK_TARGET_EXCLUDE, &line, bad, sizeof(bad), &why),
        0);
    assert_int_equal(pk_targets_finish(t, 10, &why), 0);
    assert_int_equal(pk_targets_count(t), 3);
    pk_targets_free(t);

    assert_int_equal(pk_targets_new(&t), 0);
    const char *badtext = "198.18.0.1\n\n198.18.0.1/40 198.18.0.2\n";
    assert_int_equal(pk_targets_add_text(t, badtext, strlen(badtext), PK_TARGET_NUMERIC, &line, bad,
                                         sizeof(bad), &why),
                     PK_EINVAL);
    assert_int_equal(line, 3);
    assert_string_equal(bad, "198.18.0.1/40");
    /* A NUL inside the text is refused, not cut short. */
    assert_int_equal(pk_targets_add_text(t, "198.18.0.1\0x", 12, PK_TARGET_NUMERIC, &line, bad,
                                         sizeof(bad), &why),
                     PK_EINVAL);
    pk_targets_free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),  cmocka_unit_test(test_blocks_and_ranges),
        cmocka_unit_test(test_exclusions), cmocka_unit_test(test_limit),
        cmocka_unit_test(test_refuses),    cmocka_unit_test(test_names),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
