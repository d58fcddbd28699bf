/* SPDX-License-Identifier: BSD-2-Clause */
/* Target lists: addresses, blocks, octet ranges, files, exclusions and the host limit. */
#include <arpa/inet.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
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
    /* Half of IPv6 (2^127 hosts) is counted without overflow, and so is all of it after
     * the IPv4-mapped block is taken out. */
    assert_int_equal(pk_targets_new(&t), 0);
    assert_int_equal(pk_targets_add(t, "8000::/1", 0, &why), 0);
    assert_int_equal(pk_targets_add(t, "8000::/1", 0, &why), 0);
    assert_int_equal(pk_targets_finish(t, UINT64_MAX, &why), PK_ERANGE);
    pk_targets_free(t);
    /* *.*.*.* is one entry, counted like 0.0.0.0/0. */
    const char *stars[] = {"*.*.*.*", NULL};
    t = make(1ull << 32, stars);
    assert_int_equal(pk_targets_count(t), 1ull << 32);
    host_is(t, 0x01020304, "1.2.3.4");
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

/* IPv4-mapped IPv6 targets are IPv4 targets: an IPv4 exclusion takes them out, and an
 * exclusion written as mapped IPv6 takes out the IPv4 address. */
static void
test_mapped(void **state)
{
    (void)state;
    const char *specs[] = {"::ffff:127.0.0.0/120", "!127.0.0.1", NULL};
    struct pk_targets *t = make(1000, specs);
    assert_int_equal(pk_targets_count(t), 255);
    host_is(t, 0, "127.0.0.0");
    host_is(t, 1, "127.0.0.2");
    for (uint64_t i = 0; i < pk_targets_count(t); i++) {
        struct pk_target tg;
        assert_int_equal(pk_targets_get(t, i, &tg), 0);
        assert_int_equal(tg.family, AF_INET);
        assert_false(tg.addr[0] == 127 && tg.addr[3] == 1);
    }
    pk_targets_free(t);
    const char *rev[] = {"127.0.0.0/24", "!::ffff:127.0.0.1", "!::ffff:7f00:2", NULL};
    t = make(1000, rev);
    assert_int_equal(pk_targets_count(t), 254);
    host_is(t, 1, "127.0.0.3");
    pk_targets_free(t);
    const char *one[] = {"::ffff:198.18.0.9", NULL};
    t = make(10, one);
    host_is(t, 0, "198.18.0.9");
    pk_targets_free(t);
    /* A block around the mapped addresses is refused as a target; as an exclusion it
     * takes out IPv4 as well. */
    refused("::/64", 0, PK_EINVAL, "IPv4-mapped");
    refused("::ffff:0:0/95", 0, PK_EINVAL, "IPv4-mapped");
    const char *wide[] = {"198.18.0.0/30", "fd00::1", "!::/80", NULL};
    t = make(10, wide);
    assert_int_equal(pk_targets_count(t), 1);
    host_is(t, 0, "fd00::1");
    pk_targets_free(t);
}

/* inet_aton()'s shorthands are not addresses in nmap's syntax, and not host names either:
 * given to the resolver they would be scanned as the address they abbreviate. */
static void
test_shorthand(void **state)
{
    (void)state;
    static const char *const bad[] = {"10.1",       "127.1",      "1",          "0x7f.1",
                                      "0x7f000001", "127.0.1",    "2130706433", "1.2.3.4.",
                                      "10.1/8",     "127.0.0.1.", "0X7F.0.0.1", NULL};
    for (const char *const *b = bad; *b; b++)
        refused(*b, 0, PK_EINVAL, "four decimal octets");
    refused("017.0.0.1", 0, PK_EINVAL, "leading zero");
    refused("127.0.0.01", 0, PK_EINVAL, "leading zero");
    refused("010.0.0.1-3", 0, PK_EINVAL, "leading zero");
    refused("10.0.0.1-020", 0, PK_EINVAL, "leading zero");
    /* Zero itself and names with a letter in the last label are fine. */
    const char *ok[] = {"0.0.0.0", "10.0.0.0-0", NULL};
    struct pk_targets *t = make(10, ok);
    assert_int_equal(pk_targets_count(t), 2);
    pk_targets_free(t);
}

/* Returns the bytes malloc() has handed out and not taken back. */
static size_t
heap_used(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* Octet ranges in a file cost memory by the text, not by the hosts: a file of
 * "10.*.*.1-254" lines is refused by --max-hosts without being expanded first. */
static void
test_lazy_octets(void **state)
{
    (void)state;
    enum { LINES = 64 };
    char text[LINES * 16];
    size_t len = 0;
    for (int i = 0; i < LINES; i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len, "10.*.*.1-254\n");
    size_t before = heap_used();
    struct pk_targets *t;
    const char *why = NULL;
    unsigned line = 0;
    char bad[32];
    assert_int_equal(pk_targets_new(&t), 0);
    assert_int_equal(pk_targets_add_text(t, text, len, 0, &line, bad, sizeof(bad), &why), 0);
    size_t used = heap_used() - before;
    if (used > 64 * 1024)
        fail_msg("%d lines of %zu bytes took %zu bytes", LINES, len, used);
    assert_int_equal(pk_targets_finish(t, PK_TARGET_MAX_HOSTS_DEFAULT, &why), PK_ERANGE);
    assert_non_null(strstr(why, "max-hosts"));
    pk_targets_free(t);
    /* With the limit raised, all 64 x 16.6 million hosts are listed, still unexpanded. */
    before = heap_used();
    assert_int_equal(pk_targets_new(&t), 0);
    assert_int_equal(pk_targets_add_text(t, text, len, 0, &line, bad, sizeof(bad), &why), 0);
    assert_int_equal(pk_targets_add(t, "10.0.0.0/16", PK_TARGET_EXCLUDE, &why), 0);
    assert_int_equal(pk_targets_finish(t, UINT64_MAX, &why), 0);
    used = heap_used() - before;
    if (used > 256 * 1024)
        fail_msg("the finished list took %zu bytes", used);
    uint64_t per = 65536ull * 254 - 256 * 254;
    assert_int_equal(pk_targets_count(t), LINES * per);
    host_is(t, 0, "10.1.0.1");
    host_is(t, 253, "10.1.0.254");
    host_is(t, 254, "10.1.1.1");
    host_is(t, per - 1, "10.255.255.254");
    host_is(t, per, "10.1.0.1");
    pk_targets_free(t);
}

/* Exclusions cut out of an entry leave exactly the addresses not excluded, in order. */
static void
test_cut(void **state)
{
    (void)state;
    const char *specs[] = {"10.0.0.0/16", "!*.*.*.1", "!10.0.5.*", "!10.0.7-9.100-200", NULL};
    struct pk_targets *t = make(100000, specs);
    uint64_t want = 65536 - 256 - 255 - 3 * 101;
    assert_int_equal(pk_targets_count(t), want);
    uint32_t prev = 0;
    for (uint64_t i = 0; i < want; i++) {
        struct pk_target tg;
        assert_int_equal(pk_targets_get(t, i, &tg), 0);
        uint32_t a = (uint32_t)tg.addr[0] << 24 | (uint32_t)tg.addr[1] << 16 |
                     (uint32_t)tg.addr[2] << 8 | tg.addr[3];
        assert_true(i == 0 || a > prev);
        prev = a;
        assert_true(tg.addr[0] == 10 && tg.addr[1] == 0 && tg.addr[3] != 1 && tg.addr[2] != 5);
        assert_false(tg.addr[2] >= 7 && tg.addr[2] <= 9 && tg.addr[3] >= 100 && tg.addr[3] <= 200);
    }
    pk_targets_free(t);
}

/* A box as an octet-range spec, lo[k]-hi[k] per octet. */
struct rbox {
    uint8_t lo[4], hi[4];
};

/* Returns true when address a (octets) is in box b. */
static bool
in_box(const uint8_t a[4], const struct rbox *b)
{
    for (int k = 0; k < 4; k++)
        if (a[k] < b->lo[k] || a[k] > b->hi[k])
            return false;
    return true;
}

/* Random boxes minus random boxes, against the obvious filter over every address. */
static void
test_cut_random(void **state)
{
    (void)state;
    uint64_t x = 0x2545f4914f6cdd1dull;
#define RND() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
    for (int round = 0; round < 300; round++) {
        struct rbox inc[3], exc[12];
        int ni = 1 + (int)(RND() % 3), ne = (int)(RND() % 12);
        struct pk_targets *t;
        const char *why = NULL;
        assert_int_equal(pk_targets_new(&t), 0);
        for (int i = 0; i < ni + ne; i++) {
            struct rbox *b = i < ni ? &inc[i] : &exc[i - ni];
            char spec[64];
            for (int k = 0; k < 4; k++) {
                /* Small octet ranges near 10.0.0.0 so that boxes meet. */
                unsigned span = k == 0 ? 1 : k == 3 ? 40 : 6;
                unsigned base = k == 0 ? 10 : 0;
                unsigned a = base + (unsigned)(RND() % span), z = base + (unsigned)(RND() % span);
                if (a > z) {
                    unsigned s = a;
                    a = z;
                    z = s;
                }
                b->lo[k] = (uint8_t)a;
                b->hi[k] = (uint8_t)z;
            }
            snprintf(spec, sizeof(spec), "%u-%u.%u-%u.%u-%u.%u-%u", b->lo[0], b->hi[0], b->lo[1],
                     b->hi[1], b->lo[2], b->hi[2], b->lo[3], b->hi[3]);
            assert_int_equal(pk_targets_add(t, spec, i < ni ? 0 : PK_TARGET_EXCLUDE, &why), 0);
        }
        assert_int_equal(pk_targets_finish(t, 1u << 20, &why), 0);
        uint64_t k = 0;
        for (int i = 0; i < ni; i++) {
            const struct rbox *b = &inc[i];
            uint8_t a[4];
            for (unsigned o1 = b->lo[1]; o1 <= b->hi[1]; o1++)
                for (unsigned o2 = b->lo[2]; o2 <= b->hi[2]; o2++)
                    for (unsigned o3 = b->lo[3]; o3 <= b->hi[3]; o3++) {
                        a[0] = b->lo[0], a[1] = (uint8_t)o1, a[2] = (uint8_t)o2, a[3] = (uint8_t)o3;
                        bool out = false;
                        for (int e = 0; e < ne && !out; e++)
                            out = in_box(a, &exc[e]);
                        if (out)
                            continue;
                        struct pk_target tg;
                        if (pk_targets_get(t, k, &tg) != 0 || memcmp(tg.addr, a, 4) != 0)
                            fail_msg("round %d: host %llu is not %u.%u.%u.%u", round,
                                     (unsigned long long)k, a[0], a[1], a[2], a[3]);
                        k++;
                    }
        }
        assert_int_equal(pk_targets_count(t), k);
        pk_targets_free(t);
    }
#undef RND
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),  cmocka_unit_test(test_blocks_and_ranges),
        cmocka_unit_test(test_exclusions), cmocka_unit_test(test_limit),
        cmocka_unit_test(test_refuses),    cmocka_unit_test(test_names),
        cmocka_unit_test(test_text),       cmocka_unit_test(test_mapped),
        cmocka_unit_test(test_shorthand),  cmocka_unit_test(test_lazy_octets),
        cmocka_unit_test(test_cut),        cmocka_unit_test(test_cut_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
