/* SPDX-License-Identifier: BSD-2-Clause */
/* The scan port list parser (nmap syntax) and the top-ports ranking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "portkit/error.h"
#include "portkit/portset.h"
#include "portkit/registry.h"

#define T (PK_TCP)
#define U (PK_UDP)

static struct pk_portset set;

/* Parses s into a cleared set and checks the TCP and UDP counts. */
static void
ok(const char *s, unsigned defaults, size_t ntcp, size_t nudp)
{
    struct pk_portset_err e = {0};
    pk_portset_clear(&set);
    int rc = pk_portset_parse(pk_registry_builtin(), s, defaults, &set, &e);
    if (rc != 0)
        fail_msg("'%s' refused: %s", s, e.why ? e.why : "(no reason)");
    if (pk_portset_count(&set, PK_TCP) != ntcp || pk_portset_count(&set, PK_UDP) != nudp)
        fail_msg("'%s': %zu tcp, %zu udp; expected %zu, %zu", s, pk_portset_count(&set, PK_TCP),
                 pk_portset_count(&set, PK_UDP), ntcp, nudp);
}

/* Checks that s is refused with err, naming item and a reason containing reason. */
static void
bad(const char *s, int err, const char *item, const char *reason)
{
    struct pk_portset_err e = {0};
    pk_portset_clear(&set);
    pk_portset_add(&set, PK_TCP, 7, 7);
    int rc = pk_portset_parse(pk_registry_builtin(), s, T, &set, &e);
    if (rc != err)
        fail_msg("'%s': expected %s, got %d (%s)", s, pk_errname(err), rc, e.why ? e.why : "");
    assert_non_null(e.why);
    if (!strstr(e.why, reason))
        fail_msg("'%s': reason '%s' does not mention '%s'", s, e.why, reason);
    if (e.len != strlen(item) || strncmp(s + e.off, item, e.len) != 0)
        fail_msg("'%s': blamed '%.*s', expected '%s'", s, (int)e.len, s + e.off, item);
    /* The set is unchanged on failure. */
    assert_int_equal(pk_portset_count(&set, PK_TCP), 1);
}

static void
test_syntax(void **state)
{
    (void)state;
    ok("22", T, 1, 0);
    ok("0", T, 1, 0);
    ok("22,80,443", T, 3, 0);
    ok("1-1024", T, 1024, 0);
    ok("-1024", T, 1024, 0); /* open start is 1 */
    ok("60000-", T, 5536, 0);
    ok("-", T, 65535, 0);
    ok("0-65535", T, 65536, 0);
    ok("22,22,20-25", T, 6, 0); /* overlaps count once */
    ok("U:53,T:80,443", T, 2, 1);
    ok("T:1-10,U:1-5", T, 10, 5);
    ok("80", T | U, 1, 1);
    ok("u:53", T, 0, 1);
    assert_true(pk_portset_has(&set, PK_UDP, 53));
}

static void
test_names(void **state)
{
    (void)state;
    ok("ssh", T, 1, 0);
    assert_true(pk_portset_has(&set, PK_TCP, 22));
    ok("SSH,http", T, 2, 0);
    assert_true(pk_portset_has(&set, PK_TCP, 80));
    ok("U:domain", T, 0, 1);
    assert_true(pk_portset_has(&set, PK_UDP, 53));
    ok("netbios-ssn", T, 1, 0); /* a dash in a name is not a range */
    assert_true(pk_portset_has(&set, PK_TCP, 139));
    ok("ssh,22", T, 1, 0);
    /* Patterns match registry names. */
    pk_portset_clear(&set);
    assert_int_equal(pk_portset_parse(pk_registry_builtin(), "http*", T, &set, NULL), 0);
    assert_true(pk_portset_has(&set, PK_TCP, 80));
    assert_true(pk_portset_has(&set, PK_TCP, 443));
    /* A run of '*' is one: "****" is every named port, as "*" is. */
    struct pk_portset star;
    pk_portset_clear(&star);
    pk_portset_clear(&set);
    assert_int_equal(pk_portset_parse(pk_registry_builtin(), "*", T, &star, NULL), 0);
    assert_int_equal(pk_portset_parse(pk_registry_builtin(), "****", T, &set, NULL), 0);
    assert_true(pk_portset_count(&set, PK_TCP) > 1000);
    assert_memory_equal(&set, &star, sizeof(set));
}

static void
test_refuses(void **state)
{
    (void)state;
    bad("70000", PK_ERANGE, "70000", "out of range (0-65535)");
    bad("22,70000", PK_ERANGE, "70000", "out of range");
    bad("1-70000", PK_ERANGE, "1-70000", "out of range");
    bad("100-10", PK_EINVAL, "100-10", "below its start");
    bad("", PK_EINVAL, "", "empty");
    bad("22,,80", PK_EINVAL, "", "empty");
    bad("22,", PK_EINVAL, "", "empty");
    bad("nosuchservicename", PK_ENOENT, "nosuchservicename", "unknown service");
    bad("X:80", PK_EPROTONOSUPPORT, "X:80", "prefix");
    bad("22 80", PK_EINVAL, "22 80", "not a port");
    bad("1-2-3", PK_EINVAL, "1-2-3", "not a port range");
    bad("[1-100]", PK_EINVAL, "[1-100]", "bracket");
    bad("T:", PK_EINVAL, "", "empty");
    bad("zzqx*", PK_ENOENT, "zzqx*", "no service name matches the pattern");
    bad("*a*b*c*d", PK_EINVAL, "*a*b*c*d", "at most 3 '*'");
    char big[100];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    bad(big, PK_EMSGSIZE, big, "too long");
}

static void
test_set_ops(void **state)
{
    (void)state;
    struct pk_portset x;
    pk_portset_clear(&set);
    pk_portset_clear(&x);
    pk_portset_add(&set, PK_TCP, 1, 100);
    pk_portset_add(&x, PK_TCP, 50, 200);
    pk_portset_subtract(&set, &x);
    assert_int_equal(pk_portset_count(&set, PK_TCP), 49);
    pk_portset_remove(&set, PK_TCP, 1, 9);
    assert_int_equal(pk_portset_count(&set, PK_TCP), 40);
    pk_portset_add(&set, PK_TCP, 65535, 65535);
    char buf[64];
    assert_int_equal(pk_portset_format(&set, PK_TCP, buf, sizeof(buf)), strlen("10-49,65535"));
    assert_string_equal(buf, "10-49,65535");
    /* Truncated output still says how much it needs and ends in a NUL. */
    assert_int_equal(pk_portset_format(&set, PK_TCP, buf, 4), strlen("10-49,65535"));
    assert_string_equal(buf, "10-");
    /* Out-of-range requests are ignored. */
    pk_portset_add(&set, 5, 1, 2);
    pk_portset_add(&set, PK_TCP, 1, 70000);
    assert_false(pk_portset_has(&set, PK_TCP, 70000));
}

static void
test_top(void **state)
{
    (void)state;
    const struct pk_registry *reg = pk_registry_builtin();
    /* The project's own ranking: deterministic, the requested size, no port 0. */
    struct pk_portset a, b;
    pk_portset_clear(&a);
    pk_portset_clear(&b);
    assert_int_equal(pk_portset_top(reg, NULL, PK_TCP, 1000, &a), 0);
    assert_int_equal(pk_portset_top(reg, NULL, PK_TCP, 1000, &b), 0);
    assert_int_equal(pk_portset_count(&a, PK_TCP), 1000);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_false(pk_portset_has(&a, PK_TCP, 0));
    assert_true(pk_portset_has(&a, PK_TCP, 22));
    assert_true(pk_portset_has(&a, PK_TCP, 80));

    /* A frequency file ranks first when present. */
    char path[] = "/tmp/pk-nmap-services-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# comment\nfoo\t40000/tcp\t0.9\t# x\nbar\t40001/udp\t0.8\nbad line\n"
          "baz\t99999/tcp\t0.7\n",
          f);
    fclose(f);
    pk_portset_clear(&a);
    assert_int_equal(pk_portset_top(reg, path, PK_TCP, 1, &a), 0);
    assert_true(pk_portset_has(&a, PK_TCP, 40000));
    pk_portset_clear(&a);
    assert_int_equal(pk_portset_top(reg, path, PK_UDP, 1, &a), 0);
    assert_true(pk_portset_has(&a, PK_UDP, 40001));
    unlink(path);
    /* A missing file is the same as none. */
    pk_portset_clear(&a);
    assert_int_equal(pk_portset_top(reg, "/nonexistent/nmap-services", PK_TCP, 1000, &a), 0);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_int_equal(pk_portset_top(reg, NULL, 7, 10, &a), PK_EINVAL);
    assert_int_equal(pk_portset_top(reg, NULL, PK_TCP, 70000, &a), PK_EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax),  cmocka_unit_test(test_names),
        cmocka_unit_test(test_refuses), cmocka_unit_test(test_set_ops),
        cmocka_unit_test(test_top),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
