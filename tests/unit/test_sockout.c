/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The socket serializers of the output layer (portkit/sockout.h) on a view built from a fake
 * /proc: a socket as JSON, as rows of the ls table and as HTML rows, with a process that
 * names itself with markup and a terminal escape; a port's verdict for portkit free.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "portkit/error.h"
#include "portkit/sockout.h"
#include "sock_helpers.h"

/* True when s starts with prefix. */
static bool
starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A socket of the fake host. */
static struct pk_sock
sock(unsigned proto, const char *local, unsigned lport, const char *remote, unsigned rport,
     unsigned state, uint64_t inode)
{
    struct pk_sock s = {.proto = proto, .family = 4, .state = (uint8_t)state, .v6only = -1};
    inet_pton(AF_INET, local, s.local);
    inet_pton(AF_INET, remote, s.remote);
    s.local_port = (uint16_t)lport;
    s.remote_port = (uint16_t)rport;
    s.inode = inode;
    s.uid = 0;
    return s;
}

/* The fake /proc: process 100, "<b>x" and an escape, holding sockets 7001 and 7002. */
static void
make_proc(char *dir)
{
    char p[512];
    assert_non_null(mkdtemp(dir));
    static const char *const mk[] = {"100", "100/fd", "self"};
    for (size_t i = 0; i < sizeof(mk) / sizeof(mk[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, mk[i]);
        assert_int_equal(mkdir(p, 0755), 0);
    }
    snprintf(p, sizeof(p), "%s/100/fd/3", dir);
    assert_int_equal(symlink("socket:[7001]", p), 0);
    snprintf(p, sizeof(p), "%s/100/fd/4", dir);
    assert_int_equal(symlink("socket:[7002]", p), 0);
    put_file(dir, "100/comm", "<b>x\x1b[31m\n");
    static const char argv[] = "/bin/evil\0--a=<i>&\0";
    put_bytes(dir, "100/cmdline", argv, sizeof(argv) - 1);
    put_file(dir, "100/status", "Name:\tx\nUid:\t0\t0\t0\t0\n");
    put_file(dir, "100/cgroup", "0::/system.slice/evil.service\n");
}

/* Fills v with the fake host's sockets: a listener on 127.0.0.1:22 and one of its
 * connections (held by process 100), and a TIME-WAIT one. */
static void
make_view(const char *dir, struct pk_sockview *v)
{
    struct pk_sock s[] = {
        sock(PK_TCP, "127.0.0.1", 22, "0.0.0.0", 0, PK_SS_LISTEN, 7001),
        sock(PK_TCP, "127.0.0.1", 22, "127.0.0.1", 40000, PK_SS_ESTABLISHED, 7002),
        sock(PK_TCP, "127.0.0.1", 22, "127.0.0.1", 40001, PK_SS_TIME_WAIT, 0),
    };
    memset(v, 0, sizeof(*v));
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
        assert_int_equal(pk_sock_list_push(&v->list, &s[i]), 0);
    assert_int_equal(pk_sockview_finish(v, dir, 0, NULL), 0);
    v->peer = true;
}

static void
test_socket_json(void **state)
{
    (void)state;
    char dir[] = "/tmp/pk-sockout-XXXXXX";
    struct pk_sockview v;
    struct pk_buf b;
    make_proc(dir);
    make_view(dir, &v);
    pk_buf_init(&b, 1 << 20);
    struct pk_out o = {.b = &b, .reg = pk_registry_builtin()};
    pk_out_socket_json(&o, &v, v.order[1]); /* the connection */
    assert_int_equal(b.err, 0);
    assert_string_equal(
        b.data,
        "{\"protocol\":\"tcp\",\"family\":\"ipv4\",\"dual_stack\":false,"
        "\"local\":{\"address\":\"127.0.0.1\",\"port\":22},"
        "\"remote\":{\"address\":\"127.0.0.1\",\"port\":40000},\"state\":\"ESTAB\",\"uid\":0,"
        "\"user\":\"root\",\"inode\":7002,\"processes\":[{\"pid\":100,\"fd\":4,"
        "\"command\":\"<b>x\\u001b[31m\",\"cmdline\":\"/bin/evil --a=<i>&\",\"user\":\"root\","
        "\"uid\":0,\"unit\":\"evil.service\"}],\"service_port\":22,\"service\":\"ssh\"}");
    /* The list, in display order: the listener, the connection, TIME-WAIT (no user). */
    pk_buf_reset(&b);
    pk_out_sockview_json(&o, &v);
    assert_non_null(strstr(b.data, "[{\"protocol\":\"tcp\""));
    assert_non_null(strstr(b.data, "\"state\":\"LISTEN\",\"scope\":\"loopback\""));
    assert_non_null(strstr(b.data, "\"state\":\"TIME-WAIT\",\"uid\":0,\"user\":null,\"inode\":0,"
                                   "\"processes\":[],\"owner_unknown\":\"TIME-WAIT"));
    /* The process's members are the same text every time they are written (kept once). */
    char *first = strstr(b.data, "\"command\""), *second = strstr(first + 1, "\"command\"");
    assert_non_null(second);
    assert_memory_equal(first, second, strlen("\"command\":\"<b>x\\u001b[31m\""));
    pk_buf_free(&b);
    pk_sockview_free(&v);
    rm_rf(dir);
}

static void
test_socket_text(void **state)
{
    (void)state;
    char dir[] = "/tmp/pk-sockout-XXXXXX";
    struct pk_sockview v;
    struct pk_buf b;
    make_proc(dir);
    make_view(dir, &v);
    pk_buf_init(&b, 1 << 20);
    struct pk_out o = {.b = &b, .reg = pk_registry_builtin()};
    assert_int_equal(pk_out_sockview_text(&o, &v, 0, NULL, NULL), 0);
    assert_string_equal(
        b.data,
        "PROTO  IP  LOCAL         PEER             STATE      SERVICE  PID  USER  COMMAND       "
        "UNIT          NOTE           CMDLINE\n"
        "tcp    4   127.0.0.1:22                   LISTEN     ssh      100  root  <b>x\\x1b[31m  "
        "evil.service  loopback only  /bin/evil --a=<i>&\n"
        "tcp    4   127.0.0.1:22  127.0.0.1:40000  ESTAB      ssh      100  root  <b>x\\x1b[31m  "
        "evil.service                 /bin/evil --a=<i>&\n"
        "tcp    4   127.0.0.1:22  127.0.0.1:40001  TIME-WAIT  ssh      -          (time-wait)\n");
    /* The table's own flags: inside a page, no header. */
    pk_buf_reset(&b);
    assert_int_equal(pk_out_sockview_text(&o, &v, PK_TABLE_INDENT | PK_TABLE_NO_HEADER, NULL, NULL),
                     0);
    assert_true(starts(b.data, "  tcp    4   127.0.0.1:22 "));
    /* On a terminal 124 columns wide the command line gives way, with an ellipsis. */
    pk_buf_reset(&b);
    o.width = 124;
    o.flags = PK_OUT_TRUNCATE;
    assert_int_equal(pk_out_sockview_text(&o, &v, 0, NULL, NULL), 0);
    assert_non_null(strstr(b.data, "loopback only  /bin/...\n")); /* C locale: "..." */
    for (const char *l = b.data; *l; l = strchr(l, '\n') + 1)
        assert_true(strchr(l, '\n') - l <= 124);
    pk_buf_free(&b);
    pk_sockview_free(&v);
    rm_rf(dir);
}

static void
test_socket_html(void **state)
{
    (void)state;
    char dir[] = "/tmp/pk-sockout-XXXXXX";
    struct pk_sockview v;
    struct pk_buf b;
    make_proc(dir);
    make_view(dir, &v);
    pk_buf_init(&b, 1 << 20);
    struct pk_out o = {.b = &b, .reg = pk_registry_builtin()};
    pk_out_sockview_html(&o, &v);
    assert_int_equal(b.err, 0);
    assert_non_null(strstr(b.data, "<table class=\"sockets\">\n<tr><th>PROTO</th>"));
    assert_non_null(strstr(b.data, "<td class=\"command\">&lt;b&gt;x\xef\xbf\xbd[31m</td>"));
    assert_non_null(strstr(b.data, "<td class=\"cmdline\">/bin/evil --a=&lt;i&gt;&amp;</td>"));
    assert_non_null(strstr(b.data, "<a href=\"/name/ssh\">ssh</a>"));
    assert_null(strstr(b.data, "<b>"));
    assert_null(strchr(b.data, '\x1b'));
    /* One <tr> per entry here (one holder each), the TIME-WAIT one saying why. */
    size_t rows = 0;
    for (const char *p = b.data; (p = strstr(p, "<tr class=\"socket")) != NULL; p++)
        rows++;
    assert_int_equal(rows, 3);
    assert_non_null(strstr(b.data, "<td class=\"command unknown\">(time-wait)</td>"));
    pk_buf_free(&b);
    pk_sockview_free(&v);
    rm_rf(dir);
}

static void
test_port_check(void **state)
{
    (void)state;
    char dir[] = "/tmp/pk-sockout-XXXXXX";
    struct pk_sockview v;
    struct pk_port_check c;
    struct pk_buf b;
    struct pk_port_policy pol = {.have_ephemeral = true,
                                 .ephemeral_lo = 32768,
                                 .ephemeral_hi = 60999,
                                 .have_unprivileged = true,
                                 .unprivileged_start = 1024};
    make_proc(dir);
    make_view(dir, &v);
    pk_buf_init(&b, 1 << 20);
    struct pk_out o = {.b = &b, .reg = pk_registry_builtin()};
    assert_int_equal(pk_port_check_build(&c, o.reg, &pol, 0, PK_TCP, &v), PK_EINVAL);
    assert_int_equal(pk_port_check_build(&c, o.reg, &pol, 22, PK_TCP, &v), 0);
    assert_false(c.free);
    pk_out_port_check_json(&o, &c);
    assert_true(starts(b.data, "{\"port\":22,\"protocols\":[\"tcp\"],\"free\":false,\"facts\":["
                               "\"below ip_unprivileged_port_start (1024): binding needs "
                               "CAP_NET_BIND_SERVICE\",\"assigned by IANA to ssh\"],"
                               "\"holders\":[{\"protocol\":\"tcp\""));
    assert_null(strstr(b.data, "\"notes\""));
    pk_buf_reset(&b);
    assert_int_equal(pk_out_port_check_text(&o, &c), 0);
    assert_true(starts(b.data, "22/tcp is in use\n  note: below ip_unprivileged"));
    assert_non_null(strstr(b.data, "\n  tcp    4   127.0.0.1:22 "));
    pk_buf_reset(&b);
    pk_out_port_check_html(&o, &c);
    assert_non_null(strstr(b.data, "<section class=\"port-check in-use\"><h2>22/tcp is in use"));
    pk_buf_reset(&b);
    pk_out_free_pick_json(&o, 14989, PK_TCP | PK_UDP);
    assert_string_equal(b.data,
                        "{\"port\":14989,\"protocols\":[\"tcp\",\"udp\"],\"range\":\"user\"}");
    pk_buf_free(&b);
    pk_sockview_free(&v);
    rm_rf(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_socket_json),
        cmocka_unit_test(test_socket_text),
        cmocka_unit_test(test_socket_html),
        cmocka_unit_test(test_port_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
