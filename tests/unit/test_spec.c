/* SPDX-License-Identifier: BSD-2-Clause */
/* The port spec parser: what it accepts, and what it says about what it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "portkit/error.h"
#include "portkit/registry.h"
#include "portkit/portrange.h"

static void
ok(const char *s, unsigned lo, unsigned hi, unsigned protos, bool has_proto)
{
    struct pk_portrange spec;
    const char *why = NULL;
    int rc = pk_portrange_parse(s, strlen(s), &spec, &why);
    if (rc != 0)
        fail_msg("'%s' refused: %s", s, why ? why : "(no reason)");
    assert_int_equal(spec.lo, lo);
    assert_int_equal(spec.hi, hi);
    assert_int_equal(spec.protos, protos);
    assert_int_equal(spec.has_proto, has_proto);
}

static void
bad(const char *s, int err, const char *reason)
{
    struct pk_portrange spec = {.lo = 4242};
    const char *why = NULL;
    int rc = pk_portrange_parse(s, strlen(s), &spec, &why);
    if (rc != err)
        fail_msg("'%s': expected %s, got %d (%s)", s, pk_errname(err), rc, why ? why : "");
    assert_non_null(why);
    if (!strstr(why, reason))
        fail_msg("'%s': reason '%s' does not mention '%s'", s, why, reason);
    assert_int_equal(spec.lo, 4242); /* out-parameter untouched on failure */
}

static void
test_accepts(void **state)
{
    (void)state;
    ok("0", 0, 0, PK_PROTO_ALL, false);
    ok("22", 22, 22, PK_PROTO_ALL, false);
    ok("65535", 65535, 65535, PK_PROTO_ALL, false);
    ok("80/tcp", 80, 80, PK_TCP, true);
    ok("53/UDP", 53, 53, PK_UDP, true);
    ok("9/sctp", 9, 9, PK_SCTP, true);
    ok("9/dccp", 9, 9, PK_DCCP, true);
    ok("788-799", 788, 799, PK_PROTO_ALL, false);
    ok("6000-6063/tcp", 6000, 6063, PK_TCP, true);
    ok("5-5", 5, 5, PK_PROTO_ALL, false);
    ok("0-65535", 0, 65535, PK_PROTO_ALL, false);
    ok("00022", 22, 22, PK_PROTO_ALL, false); /* leading zeros are still a number */
}

static void
test_refuses(void **state)
{
    (void)state;
    bad("", PK_EINVAL, "empty");
    bad("70000", PK_ERANGE, "out of range");
    bad("65536", PK_ERANGE, "out of range");
    bad("99999999999999999999", PK_ERANGE, "out of range");
    bad("-1", PK_ERANGE, "negative");
    bad("80/xyz", PK_EPROTONOSUPPORT, "unknown protocol");
    bad("80/", PK_EPROTONOSUPPORT, "missing protocol");
    bad("80/tcpx", PK_EPROTONOSUPPORT, "unknown protocol");
    bad("1-", PK_EINVAL, "no end");
    bad("a-b", PK_EINVAL, "not a port number");
    bad("1-b", PK_EINVAL, "range end");
    bad("10-5", PK_EINVAL, "below its start");
    bad("1-70000", PK_ERANGE, "out of range");
    bad("ssh", PK_EINVAL, "not a port number");
    bad(" 22", PK_EINVAL, "not a port number");
    bad("22 ", PK_EINVAL, "not a port number");
    bad("/tcp", PK_EINVAL, "not a port number");
    bad("+22", PK_EINVAL, "not a port number");
    bad("1--2", PK_EINVAL, "range end");
}

static void
test_length_and_nul(void **state)
{
    (void)state;
    struct pk_portrange spec;
    const char *why;
    char big[100];
    memset(big, '1', sizeof(big));
    assert_int_equal(pk_portrange_parse(big, sizeof(big), &spec, &why), PK_EMSGSIZE);
    /* An embedded NUL within the given length is not silently cut off. */
    assert_int_equal(pk_portrange_parse("22\0/tcp", 7, &spec, &why), PK_EINVAL);
    /* Only len bytes are read: "80" out of "801". */
    assert_int_equal(pk_portrange_parse("801", 2, &spec, &why), 0);
    assert_int_equal(spec.lo, 80);
    /* why may be NULL. */
    assert_int_equal(pk_portrange_parse("x", 1, &spec, NULL), PK_EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts),
        cmocka_unit_test(test_refuses),
        cmocka_unit_test(test_length_and_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
