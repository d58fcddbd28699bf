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

/* What every test gets: the fake /proc, the view of its sockets, an output buffer. */
struct fixture {
    char dir[32];
    struct pk_sockview v;
    struct pk_buf b;
    struct pk_out o;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/pk-sockout-XXXXXX");
    make_proc(f->dir);
    make_view(f->dir, &f->v);
    pk_buf_init(&f->b, 1 << 20);
    f->o = (struct pk_out){.b = &f->b, .reg = pk_registry_builtin()};
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    pk_buf_free(&f->b);
    pk_sockview_free(&f->v);
    rm_rf(f->dir);
    free(f);
    return 0;
}

static void
test_socket_json(void **state)
{
    struct fixture *f = *state;
    pk_out_socket_json(&f->o, &f->v, f->v.order[1]); /* the connection */
    assert_int_equal(f->b.err, 0);
    assert_string_equal(
        f->b.data,
        "{\"protocol\":\"tcp\",\"family\":\"ipv4\",\"dual_stack\":false,"
        "\"local\":{\"address\":\"127.0.0.1\",\"port\":22},"
        "\"remote\":{\"address\":\"127.0.0.1\",\"port\":40000},\"state\":\"ESTAB\",\"uid\":0,"
        "\"user\":\"root\",\"inode\":7002,\"processes\":[{\"pid\":100,\"fd\":4,"
        "\"command\":\"<b>x\\u001b[31m\",\"cmdline\":\"/bin/evil --a=<i>&\",\"user\":\"root\","
        "\"uid\":0,\"unit\":\"evil.service\"}],\"service_port\":22,\"service\":\"ssh\"}");
    /* The list, in display order: the listener, the connection, TIME-WAIT (no user). */
    pk_buf_reset(&f->b);
    pk_out_sockview_json(&f->o, &f->v);
    assert_non_null(strstr(f->b.data, "[{\"protocol\":\"tcp\""));
    assert_non_null(strstr(f->b.data, "\"state\":\"LISTEN\",\"scope\":\"loopback\""));
    assert_non_null(strstr(f->b.data, "\"state\":\"TIME-WAIT\",\"uid\":0,\"user\":null,\"inode\":0,"
                                      "\"processes\":[],\"owner_unknown\":\"TIME-WAIT"));
    /* The process's members are the same text every time they are written (kept once). */
    char *first = strstr(f->b.data, "\"command\""), *second = strstr(first + 1, "\"command\"");
    assert_non_null(second);
    assert_memory_equal(first, second, strlen("\"command\":\"<b>x\\u001b[31m\""));
}

static void
test_socket_text(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(pk_out_sockview_text(&f->o, &f->v, 0, NULL, NULL), 0);
    assert_string_equal(
        f->b.data,
        "PROTO  IP  LOCAL         PEER             STATE      SERVICE  PID  USER  COMMAND       "
        "UNIT          NOTE           CMDLINE\n"
        "tcp    4   127.0.0.1:22                   LISTEN     ssh      100  root  <b>x\\x1b[31m  "
        "evil.service  loopback only  /bin/evil --a=<i>&\n"
        "tcp    4   127.0.0.1:22  127.0.0.1:40000  ESTAB      ssh      100  root  <b>x\\x1b[31m  "
        "evil.service                 /bin/evil --a=<i>&\n"
        "tcp    4   127.0.0.1:22  127.0.0.1:40001  TIME-WAIT  ssh      -          (time-wait)\n");
    /* The table's own flags: inside a page, no header. */
    pk_buf_reset(&f->b);
    assert_int_equal(
        pk_out_sockview_text(&f->o, &f->v, PK_TABLE_INDENT | PK_TABLE_NO_HEADER, NULL, NULL), 0);
    assert_true(starts(f->b.data, "  tcp    4   127.0.0.1:22 "));
    /* On a terminal 124 columns wide the command line gives way, with an ellipsis. */
    pk_buf_reset(&f->b);
    f->o.width = 124;
    f->o.flags = PK_OUT_TRUNCATE;
    assert_int_equal(pk_out_sockview_text(&f->o, &f->v, 0, NULL, NULL), 0);
    assert_non_null(strstr(f->b.data, "loopback only  /bin/...\n")); /* C locale: "..." */
    for (const char *l = f->b.data; *l; l = strchr(l, '\n') + 1)
        assert_true(strchr(l, '\n') - l <= 124);
}

static void
test_socket_html(void **state)
{
    struct fixture *f = *state;
    pk_out_sockview_html(&f->o, &f->v);
    assert_int_equal(f->b.err, 0);
    assert_non_null(strstr(f->b.data, "<table class=\"sockets\">\n<tr><th>PROTO</th>"));
    assert_non_null(strstr(f->b.data, "<td class=\"command\">&lt;b&gt;x\xef\xbf\xbd[31m</td>"));
    assert_non_null(strstr(f->b.data, "<td class=\"cmdline\">/bin/evil --a=&lt;i&gt;&amp;</td>"));
    assert_non_null(strstr(f->b.data, "<a href=\"/name/ssh\">ssh</a>"));
    assert_null(strstr(f->b.data, "<b>"));
    assert_null(strchr(f->b.data, '\x1b'));
    /* One <tr> per entry here (one holder each), the TIME-WAIT one saying why. */
    size_t rows = 0;
    for (const char *p = f->b.data; (p = strstr(p, "<tr class=\"socket")) != NULL; p++)
        rows++;
    assert_int_equal(rows, 3);
    assert_non_null(strstr(f->b.data, "<td class=\"command unknown\">(time-wait)</td>"));
}

static void
test_port_check(void **state)
{
    struct fixture *f = *state;
    struct pk_port_check c;
    struct pk_port_policy pol = {.have_ephemeral = true,
                                 .ephemeral_lo = 32768,
                                 .ephemeral_hi = 60999,
                                 .have_unprivileged = true,
                                 .unprivileged_start = 1024};
    assert_int_equal(pk_port_check_build(&c, f->o.reg, &pol, 0, PK_TCP, &f->v), PK_EINVAL);
    assert_int_equal(pk_port_check_build(&c, f->o.reg, &pol, 22, PK_TCP, &f->v), 0);
    assert_false(c.free);
    pk_out_port_check_json(&f->o, &c);
    assert_true(starts(f->b.data, "{\"port\":22,\"protocols\":[\"tcp\"],\"free\":false,\"facts\":["
                                  "\"below ip_unprivileged_port_start (1024): binding needs "
                                  "CAP_NET_BIND_SERVICE\",\"assigned by IANA to ssh\"],"
                                  "\"holders\":[{\"protocol\":\"tcp\""));
    assert_null(strstr(f->b.data, "\"notes\""));
    pk_buf_reset(&f->b);
    assert_int_equal(pk_out_port_check_text(&f->o, &c), 0);
    assert_true(starts(f->b.data, "22/tcp is in use\n  note: below ip_unprivileged"));
    assert_non_null(strstr(f->b.data, "\n  tcp    4   127.0.0.1:22 "));
    pk_buf_reset(&f->b);
    pk_out_port_check_html(&f->o, &c);
    assert_non_null(strstr(f->b.data, "<section class=\"port-check in-use\"><h2>22/tcp is in use"));
    pk_buf_reset(&f->b);
    pk_out_free_pick_json(&f->o, 14989, PK_TCP | PK_UDP);
    assert_string_equal(f->b.data,
                        "{\"port\":14989,\"protocols\":[\"tcp\",\"udp\"],\"range\":\"user\"}");
}

/* The port page's here section, for the command and the web server alike. */
static void
test_here(void **state)
{
    struct fixture *f = *state;
    pk_out_here_json(&f->o, &f->v, 0);
    assert_true(starts(f->b.data, "\"here\":[{\"protocol\":\"tcp\""));
    pk_buf_reset(&f->b);
    pk_out_here_json(&f->o, &f->v, PK_EACCES);
    assert_string_equal(f->b.data, "\"here\":null,\"here_error\":\"permission denied\"");
    pk_buf_reset(&f->b);
    assert_int_equal(pk_out_here_text(&f->o, &f->v, 22, 0), 0);
    assert_true(starts(f->b.data, "\nhere: listening on this host now\n  PROTO  IP  LOCAL "));
    pk_buf_reset(&f->b);
    pk_out_here_html(&f->o, &f->v, 22, 0);
    assert_true(starts(f->b.data, "<section class=\"here\" id=\"here\"><h2>Here, now</h2>\n"
                                  "<p>Listening on port 22 on this host now:</p>\n"
                                  "<div class=\"table\"><table class=\"sockets\">"));
    struct pk_sockview none = {0};
    pk_buf_reset(&f->b);
    assert_int_equal(pk_out_here_text(&f->o, &none, 23, 0), 0);
    assert_string_equal(f->b.data, "\nhere: nothing listens on port 23 on this host\n");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_socket_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket_html, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_here, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
