/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The default port list: pk_portset_top() over the registry and nmap's services file, and
 * the reader of that file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nmap_services.h"
#include "portkit/error.h"
#include "portkit/portset.h"
#include "portkit/registry.h"

/* The default ports never include port 0, whatever nmap's services file says of it. */
static void
test_top_ports(void **state)
{
    (void)state;
    const struct pk_registry *reg = pk_registry_builtin();
    static struct pk_portset s;
    char path[] = "/tmp/pk-nmap-services-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "zero\t0/tcp\t0.999999\nhttp\t80/tcp\t0.5\nodd\t31337/tcp\t0.9\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    const char *files[] = {NULL, path, "/nonexistent/nmap-services"};
    for (int f = 0; f < 3; f++) {
        static const unsigned sizes[] = {1, 100, 1000, 65535};
        for (int k = 0; k < 4; k++) {
            pk_portset_clear(&s);
            assert_int_equal(pk_portset_top(reg, files[f], PK_TCP, sizes[k], &s), 0);
            assert_int_equal(pk_portset_count(&s, PK_TCP), sizes[k]);
            assert_false(pk_portset_has(&s, PK_TCP, 0));
        }
        pk_portset_clear(&s);
        assert_int_equal(pk_portset_top(reg, files[f], PK_TCP, 2, &s), 0);
        if (f == 1) /* the file ranks its ports first */
            assert_true(pk_portset_has(&s, PK_TCP, 31337) && pk_portset_has(&s, PK_TCP, 80));
    }
    unlink(path);
}

/* nmap's services file: well-formed lines are taken, everything else is skipped and counted. */
static void
test_nmap_services(void **state)
{
    (void)state;
    static double f[PK_PORT_MAX + 1];
    for (unsigned p = 0; p <= PK_PORT_MAX; p++)
        f[p] = -1;
    const char text[] = "# comment\n"
                        "http\t80/tcp\t0.484143\t# World Wide Web\n"
                        "X11:1\t6001/tcp\t0.000000\n"
                        "dns\t53/udp\t0.2\n"
                        "dns\t53/tcp\t0.05\r\n"
                        "ssh\t22/tcp\t1\n"
                        "hi\t22/tcp\t0.25\n"  /* a lower frequency for the same port */
                        "x\t65536/tcp\t0.1\n" /* 5: port out of range */
                        "x\t08/tcp\t0.1\n"    /* leading zero */
                        "x\t8/tcp\t1.5\n"     /* over 1 */
                        "x\t8/tcp\t0x1\n"     /* not decimal */
                        "x\t8/tcp\t.5\n"
                        "x\t8/tcp\t0.5 junk\n"
                        "x\t8/tcpx\t0.1\n"
                        "x\t8/ddp\t0.1\n"
                        "x 8/tcp\t0.1\n"
                        "\t8/tcp\t0.1\n"
                        "x\t8/tcp\t-0.1\n"
                        "x\t/tcp\t0.1\n"
                        "\n"
                        "x\t9/tcp\t0.125"; /* no final newline */
    struct pk__nmap_services_stats st;
    assert_int_equal(pk__nmap_services_parse(text, sizeof(text) - 1, PK_TCP, f, &st), 0);
    assert_int_equal(st.used, 6);
    assert_int_equal(st.bad, 12);
    assert_int_equal(st.bad_line, 8);
    assert_true(f[80] > 0.48 && f[80] < 0.49);
    assert_true(f[6001] == 0);
    assert_true(f[53] == 0.05);
    assert_true(f[22] == 1);
    assert_true(f[9] == 0.125);
    assert_true(f[8] == -1 && f[65535] == -1);
    assert_int_equal(pk__nmap_services_parse(text, sizeof(text) - 1, PK_UDP, f, &st), 0);
    assert_int_equal(st.used, 1);
    assert_true(f[53] == 0.2);
    /* A NUL inside a line and an overlong line are malformed, not cut short. */
    char nul[] = "a\t7/tcp\t0.5\0x\n";
    assert_int_equal(pk__nmap_services_parse(nul, sizeof(nul) - 1, PK_TCP, f, &st), 0);
    assert_int_equal(st.bad, 1);
    static char longline[PK__NMAP_LINE_MAX + 64];
    memset(longline, 'a', sizeof(longline));
    memcpy(longline + sizeof(longline) - 20, "\t7/tcp\t0.5\n", 11);
    assert_int_equal(pk__nmap_services_parse(longline, sizeof(longline) - 9, PK_TCP, f, &st), 0);
    assert_int_equal(st.bad, 1);
    assert_true(f[7] == -1);
    assert_int_equal(pk__nmap_services_parse(text, 10, 0x40, f, &st), PK_EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_top_ports),
        cmocka_unit_test(test_nmap_services),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
