/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Local sockets: the /proc/net parser on fixtures, netlink and /proc/net against sockets this
 * test opens itself (port 0), owners from a fake /proc and from the real one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <unistd.h>

#include "portkit/error.h"
#include "portkit/registry.h"
#include "portkit/sockets.h"
#include "own_int.h"
#include "sock_int.h"
#include "sock_helpers.h"

static const char tcp4_text[] =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n"
    "   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   102        0 "
    "31337 1 0000000000000000 100 0 0 10 0\n"
    "   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
    "4242 1 0000000000000000 100 0 0 10 0\n"
    "   2: 0100007F:9C40 0100007F:0016 01 00000010:00000020 02:000A0000 00000000  1000        0 "
    "555 2 0000000000000000 20 4 30 10 -1\n"
    "   3: 0100007F:1F90 0100007F:D000 06 00000000:00000000 03:00001770 00000000     0        0 "
    "0 3 0000000000000000\n"
    "   4: garbage line\n"
    "   5: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   102        0 "
    "12x 1\n"
    "   6: 0100007F:0CEA 00000000:0000 FF 00000000:00000000 00:00000000 00000000   102        0 "
    "7 1\n"
    "   7: 0100007F:0CEA"; /* cut short, no newline */

static const char tcp6_text[] =
    "  sl  local_address                         remote_address                        st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0\n"
    "   1: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000    33        0 778 1 0000000000000000 100 0 0 10 0\n";

/* A query with every filter open. */
static struct pk__sockq
all_query(void)
{
    return (struct pk__sockq){.protos = PK_TCP | PK_UDP,
                              .families = PK_FAM_4 | PK_FAM_6,
                              .tcp_states = PK_SS_ALL,
                              .udp_states = PK_SS_ALL,
                              .port = -1,
                              .procroot = "/proc",
                              .max = 1000};
}

/* IPv4 lines: fields, malformed lines, filters, the limit. */
static void
test_proc_parse_v4(void **state)
{
    (void)state;
    struct pk__sockq q = all_query();
    struct pk_sock_list l = {0};
    char a[64];
    assert_int_equal(pk__sock_proc_parse(tcp4_text, strlen(tcp4_text), PK_TCP, 4, &q, &l), 0);
    assert_int_equal(l.n, 4);
    struct pk_sock *s = &l.socks[0];
    assert_int_equal(s->proto, PK_TCP);
    assert_int_equal(s->family, 4);
    assert_string_equal(pk_sock_addr_str(s, false, a, sizeof(a)), "127.0.0.1");
    assert_int_equal(s->local_port, 3306);
    assert_int_equal(s->state, PK_SS_LISTEN);
    assert_int_equal(s->uid, 102);
    assert_int_equal(s->inode, 31337);
    assert_int_equal(s->v6only, -1);
    assert_true(pk_sock_is_loopback(s));
    assert_false(pk_sock_is_wildcard(s));
    assert_true(pk_sock_is_wildcard(&l.socks[1]));
    s = &l.socks[2];
    assert_int_equal(s->state, PK_SS_ESTABLISHED);
    assert_int_equal(s->local_port, 40000);
    assert_int_equal(s->remote_port, 22);
    assert_int_equal(s->wqueue, 0x10);
    assert_int_equal(s->rqueue, 0x20);
    assert_int_equal(l.socks[3].state, PK_SS_TIME_WAIT);
    assert_int_equal(l.socks[3].inode, 0);
    pk_sock_list_free(&l);

    /* Filters: one port, listeners only. */
    q.port = 22;
    q.tcp_states = PK_SS_BIT(PK_SS_LISTEN);
    assert_int_equal(pk__sock_proc_parse(tcp4_text, strlen(tcp4_text), PK_TCP, 4, &q, &l), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.socks[0].inode, 4242);
    pk_sock_list_free(&l);

    /* The limit is a hard one. */
    q = all_query();
    q.max = 2;
    assert_int_equal(pk__sock_proc_parse(tcp4_text, strlen(tcp4_text), PK_TCP, 4, &q, &l),
                     PK_ENOBUFS);
    pk_sock_list_free(&l);
}

/* IPv6 lines: the host-order words of the address. */
static void
test_proc_parse_v6(void **state)
{
    (void)state;
    struct pk__sockq q = all_query();
    struct pk_sock_list l = {0};
    char a[64];
    assert_int_equal(pk__sock_proc_parse(tcp6_text, strlen(tcp6_text), PK_TCP, 6, &q, &l), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(pk_sock_addr_str(&l.socks[0], false, a, sizeof(a)), "::");
    assert_int_equal(l.socks[0].local_port, 80);
    assert_true(pk_sock_is_wildcard(&l.socks[0]));
    assert_false(pk_sock_is_dual_stack(&l.socks[0])); /* unknown from /proc */
    assert_string_equal(pk_sock_addr_str(&l.socks[1], false, a, sizeof(a)), "::1");
    assert_true(pk_sock_is_loopback(&l.socks[1]));
    pk_sock_list_free(&l);
}

/* The /proc/net fallback on files under a fake procroot. */
static void
test_proc_fallback_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/pk-sock-XXXXXX";
    char path[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/net", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    put_file(dir, "net/tcp", tcp4_text);
    put_file(dir, "net/tcp6", tcp6_text);
    put_file(dir, "net/udp",
             "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid"
             "  timeout inode ref pointer drops\n"
             "  100: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   0 "
             "        0 9001 2 0000000000000000 0\n");
    /* no udp6: a host without IPv6 UDP is fine */

    struct pk_sock_query q = {.port = -1, .procroot = dir, .flags = PK_SOCKQ_NO_NETLINK};
    struct pk_sock_list l;
    assert_int_equal(pk_sock_list(&q, &l), 0);
    assert_int_equal(l.source, PK_SOCK_SRC_PROC);
    assert_int_equal(l.n, 4 + 2 + 1);
    pk_sock_list_free(&l);

    q.protos = PK_UDP;
    q.udp_states = PK_SS_BIT(PK_SS_CLOSE);
    assert_int_equal(pk_sock_list(&q, &l), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.socks[0].local_port, 53);
    assert_string_equal(pk_sock_state_name(PK_UDP, l.socks[0].state), "UNCONN");
    pk_sock_list_free(&l);

    /* A line longer than the read chunk is skipped, the next one still parsed. */
    {
        size_t big = 200000;
        char *text = malloc(big + 512);
        assert_non_null(text);
        memset(text, 'x', big);
        strcpy(text + big, "\n   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 "
                           "00:00000000 00000000     0        0 1234 1\n");
        put_file(dir, "net/tcp", text);
        free(text);
        q = (struct pk_sock_query){.protos = PK_TCP,
                                   .families = PK_FAM_4,
                                   .port = -1,
                                   .procroot = dir,
                                   .flags = PK_SOCKQ_NO_NETLINK};
        assert_int_equal(pk_sock_list(&q, &l), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.socks[0].inode, 1234);
        pk_sock_list_free(&l);
    }

    /* Port 0 (as in a zeroed query) means every port: no socket has local port 0. */
    q = (struct pk_sock_query){.procroot = dir, .flags = PK_SOCKQ_NO_NETLINK, .protos = PK_UDP};
    assert_int_equal(pk_sock_list(&q, &l), 0);
    assert_int_equal(l.n, 1);
    pk_sock_list_free(&l);

    /* Nothing there at all. */
    q.procroot = "/nonexistent-procroot";
    assert_int_equal(pk_sock_list(&q, &l), PK_ENOENT);
    /* Bad queries. */
    q = (struct pk_sock_query){.port = 70000};
    assert_int_equal(pk_sock_list(&q, &l), PK_EINVAL);
    q = (struct pk_sock_query){.port = -1, .protos = PK_SCTP};
    assert_int_equal(pk_sock_list(&q, &l), PK_EINVAL);
    rm_rf(dir);
}

/* Finds the socket with inode ino in l, or NULL. */
static const struct pk_sock *
find_inode(const struct pk_sock_list *l, uint64_t ino)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->socks[i].inode == ino)
            return &l->socks[i];
    return NULL;
}

/* Finds the socket with inode ino in l; fails the test (and stops) when it is missing. */
static const struct pk_sock *
must_find(const struct pk_sock_list *l, uint64_t ino)
{
    const struct pk_sock *s = find_inode(l, ino);
    if (!s) {
        fail_msg("socket with inode %llu not listed (%zu sockets)", (unsigned long long)ino, l->n);
        abort();
    }
    return s;
}

/* Our own sockets must be listed by both sources, with the same fields. */
static void
test_own_sockets_both_sources(void **state)
{
    (void)state;
    unsigned tport = 0, uport = 0;
    int t = open_bound(SOCK_STREAM, "127.0.0.1", 0, &tport);
    int u = open_bound(SOCK_DGRAM, "127.0.0.1", 0, &uport);
    assert_true(t >= 0 && u >= 0);

    for (int src = 0; src < 2; src++) {
        unsigned flags = src ? PK_SOCKQ_NO_NETLINK : PK_SOCKQ_NO_PROC;
        struct pk_sock_query q = {.port = (int)tport,
                                  .flags = flags,
                                  .tcp_states = PK_SS_BIT(PK_SS_LISTEN),
                                  .protos = PK_TCP};
        struct pk_sock_list l;
        int rc = pk_sock_list(&q, &l);
        if (rc < 0 && src == 0) {
            print_message("netlink refused here (%s): checked /proc only\n", pk_strerror(rc));
            continue;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(l.source, src ? PK_SOCK_SRC_PROC : PK_SOCK_SRC_NETLINK);
        const struct pk_sock *s = must_find(&l, inode_of(t));
        assert_int_equal(s->local_port, tport);
        assert_int_equal(s->state, PK_SS_LISTEN);
        assert_int_equal(s->uid, geteuid());
        assert_true(pk_sock_is_loopback(s));
        for (size_t i = 0; i < l.n; i++) /* the port filter held */
            assert_int_equal(l.socks[i].local_port, tport);
        pk_sock_list_free(&l);

        q = (struct pk_sock_query){
            .port = (int)uport, .flags = flags, .protos = PK_UDP, .families = PK_FAM_4};
        assert_int_equal(pk_sock_list(&q, &l), 0);
        s = must_find(&l, inode_of(u));
        assert_int_equal(s->proto, PK_UDP);
        assert_int_equal(s->state, PK_SS_CLOSE);
        pk_sock_list_free(&l);
    }
    close(t);
    close(u);
}

/* IPV6_V6ONLY as netlink reports it. */
static void
test_dual_stack(void **state)
{
    (void)state;
    unsigned p1, p2;
    int dual = open_bound(SOCK_STREAM, "::", 0, &p1);
    if (dual < 0) {
        print_message("no IPv6 here: dual-stack check skipped\n");
        return;
    }
    int only = open_bound(SOCK_STREAM, "::", 1, &p2);
    assert_true(only >= 0);
    struct pk_sock_query q = {.port = -1,
                              .protos = PK_TCP,
                              .families = PK_FAM_6,
                              .tcp_states = PK_SS_BIT(PK_SS_LISTEN),
                              .flags = PK_SOCKQ_NO_PROC};
    struct pk_sock_list l;
    if (pk_sock_list(&q, &l) < 0) {
        print_message("netlink refused: V6ONLY can't be known, check skipped\n");
        close(dual);
        close(only);
        return;
    }
    const struct pk_sock *s = must_find(&l, inode_of(dual));
    assert_int_equal(s->v6only, 0);
    assert_true(pk_sock_is_dual_stack(s));
    s = must_find(&l, inode_of(only));
    assert_int_equal(s->v6only, 1);
    assert_false(pk_sock_is_dual_stack(s));
    pk_sock_list_free(&l);

    /* Both families in one TCP request (the one-walk dump): the same answers. */
    q.families = 0;
    assert_int_equal(pk_sock_list(&q, &l), 0);
    assert_int_equal(must_find(&l, inode_of(dual))->v6only, 0);
    assert_int_equal(must_find(&l, inode_of(only))->v6only, 1);
    pk_sock_list_free(&l);
    close(dual);
    close(only);
}

/* State names, mapped addresses, and bad namespace specs. */
static void
test_names_and_netns(void **state)
{
    (void)state;
    assert_string_equal(pk_sock_state_name(PK_TCP, PK_SS_LISTEN), "LISTEN");
    assert_string_equal(pk_sock_state_name(PK_TCP, PK_SS_CLOSE), "CLOSE");
    assert_string_equal(pk_sock_state_name(PK_UDP, PK_SS_CLOSE), "UNCONN");
    assert_string_equal(pk_sock_state_name(PK_TCP, PK_SS_TIME_WAIT), "TIME-WAIT");
    assert_string_equal(pk_sock_state_name(PK_TCP, 99), "UNKNOWN");

    struct pk_sock s = {.family = 6, .local = {[10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1}};
    char a[64];
    assert_true(pk_sock_is_loopback(&s));
    assert_string_equal(pk_sock_addr_str(&s, false, a, sizeof(a)), "::ffff:127.0.0.1");

    assert_int_equal(pk_netns_enter("", NULL), PK_EINVAL);
    assert_int_equal(pk_netns_enter("../etc", NULL), PK_EINVAL);
    assert_int_equal(pk_netns_enter("..", NULL), PK_EINVAL);
    assert_int_equal(pk_netns_enter("pk-no-such-namespace", NULL), PK_ENOENT);
    assert_int_equal(pk_netns_enter("999999999", "/nonexistent-procroot"), PK_ENOENT);
}

/* The /proc/PID parsers on what processes can write into their own names and files. */
static void
test_proc_pid_parsers(void **state)
{
    (void)state;
    uint64_t ino = 0;
    assert_true(pk__fd_link_inode("socket:[123]", 12, &ino));
    assert_int_equal(ino, 123);
    assert_true(pk__fd_link_inode("socket:[18446744073709551615]", 29, &ino));
    assert_true(ino == UINT64_MAX);
    assert_false(pk__fd_link_inode("socket:[18446744073709551616]", 29, &ino));
    assert_false(pk__fd_link_inode("socket:[]", 9, &ino));
    assert_false(pk__fd_link_inode("socket:[1x]", 11, &ino));
    assert_false(pk__fd_link_inode("pipe:[123]", 10, &ino));
    assert_false(pk__fd_link_inode("socket:[123]", 11, &ino)); /* length, not the NUL */

    uint32_t uid = 7;
    static const char status[] = "Name:\tx\nUmask:\t0022\nUid:\t1000\t33\t33\t33\nGid:\t0\n";
    assert_true(pk__status_euid(status, strlen(status), &uid));
    assert_int_equal(uid, 33);
    assert_false(pk__status_euid("Uid:\t1\n", 7, &uid));              /* one number */
    assert_false(pk__status_euid("Uid:\t1\t4294967296\n", 18, &uid)); /* too large */
    assert_false(pk__status_euid("Name:\tUid:\t1\t2\n", 15, &uid));   /* not a line */
    assert_false(pk__status_euid("Uid:\t1\t2", 6, &uid));             /* cut short */

    struct pk_proc_info pi;
    static const char cg[] = "1:name=systemd:/system.slice/a.service\n0::/system.slice/b.service\n";
    pk__cgroup_parse(cg, strlen(cg), &pi);
    assert_string_equal(pi.unit, "b.service"); /* the unified line wins */
    pk__cgroup_parse(cg, 39, &pi);             /* only the first line */
    assert_string_equal(pi.unit, "a.service");
    static const char lxc[] = "0::/lxc.payload.web/system.slice/nginx.service\n";
    pk__cgroup_parse(lxc, strlen(lxc), &pi);
    assert_string_equal(pi.container, "web");
    assert_string_equal(pi.unit, "");
    pk__cgroup_parse("", 0, &pi);
    assert_string_equal(pi.unit, "");

    char comm[8], cmd[16];
    pk__comm_parse("nginx\nxx", 8, comm, sizeof(comm));
    assert_string_equal(comm, "nginx");
    pk__comm_parse("0123456789", 10, comm, sizeof(comm));
    assert_string_equal(comm, "0123456");
    assert_int_equal(pk__cmdline_parse("a\0b c\0\0", 7, cmd, sizeof(cmd)), 5);
    assert_string_equal(cmd, "a b c");
    assert_int_equal(pk__cmdline_parse("0123456789abcdefgh", 18, cmd, sizeof(cmd)), 15);

    char st = 0;
    uint64_t start = 0;
    static const char stat[] = "42 (a) (b) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
                               "987654 1000 10 18446744073709551615 1 1\n";
    assert_true(pk__stat_parse(stat, strlen(stat), &st, &start));
    assert_int_equal(st, 'S');
    assert_int_equal(start, 987654);
    assert_false(pk__stat_parse(stat, 60, &st, &start)); /* cut before field 22 */
    assert_false(pk__stat_parse("42 (a) S 1 2", 12, &st, &start));
}

/* Appends a netlink message of type with payload len bytes to buf at *off. */
static void
nl_put(char *buf, size_t *off, uint16_t type, uint32_t seq, const void *payload, size_t len)
{
    struct nlmsghdr h = {
        .nlmsg_len = (uint32_t)NLMSG_LENGTH(len), .nlmsg_type = type, .nlmsg_seq = seq};
    memcpy(buf + *off, &h, sizeof(h));
    memcpy(buf + *off + NLMSG_HDRLEN, payload, len);
    *off += NLMSG_ALIGN(h.nlmsg_len);
}

/* The sock_diag reply walker and message decoder on replies made up here. */
static void
test_diag_decode(void **state)
{
    (void)state;
    static char buf[4096] __attribute__((aligned(8)));
    struct pk__sockq q = all_query();
    struct pk_sock_list l = {0};
    struct {
        struct inet_diag_msg m;
        struct nlattr a;
        uint8_t v6only;
        uint8_t pad[3];
    } msg = {0};
    size_t off = 0;
    msg.m.idiag_family = AF_INET6;
    msg.m.idiag_state = PK_SS_LISTEN;
    msg.m.id.idiag_sport = htons(8080);
    msg.m.idiag_uid = 1000;
    msg.m.idiag_inode = 4242;
    msg.a.nla_type = INET_DIAG_SKV6ONLY;
    msg.a.nla_len = NLA_HDRLEN + 1;
    msg.v6only = 1;
    nl_put(buf, &off, SOCK_DIAG_BY_FAMILY, 7, &msg, sizeof(msg));
    nl_put(buf, &off, SOCK_DIAG_BY_FAMILY, 8, &msg, sizeof(msg)); /* another request's */
    msg.m.idiag_family = 99;                                      /* no such family */
    nl_put(buf, &off, SOCK_DIAG_BY_FAMILY, 7, &msg, sizeof(msg));
    assert_int_equal(pk__diag_reply(buf, off, 7, PK_TCP, &q, &l), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.socks[0].family, 6);
    assert_int_equal(l.socks[0].local_port, 8080);
    assert_int_equal(l.socks[0].inode, 4242);
    assert_int_equal(l.socks[0].v6only, 1);
    int done = 0;
    nl_put(buf, &off, NLMSG_DONE, 7, &done, sizeof(done));
    assert_int_equal(pk__diag_reply(buf, off, 7, PK_TCP, &q, &l), 1);
    pk_sock_list_free(&l);
    /* An attribute running past the message is not read. */
    msg.m.idiag_family = AF_INET6;
    msg.a.nla_len = 200;
    off = 0;
    nl_put(buf, &off, SOCK_DIAG_BY_FAMILY, 7, &msg, sizeof(msg));
    assert_int_equal(pk__diag_reply(buf, off, 7, PK_TCP, &q, &l), 0);
    assert_int_equal(l.socks[0].v6only, -1);
    pk_sock_list_free(&l);
    /* Errors: the kernel's, a malformed one, and a message longer than the reply. */
    struct nlmsgerr e = {.error = -EACCES};
    off = 0;
    nl_put(buf, &off, NLMSG_ERROR, 7, &e, sizeof(e));
    assert_int_equal(pk__diag_reply(buf, off, 7, PK_TCP, &q, &l), PK_EACCES);
    e.error = 5;
    off = 0;
    nl_put(buf, &off, NLMSG_ERROR, 7, &e, sizeof(e));
    assert_int_equal(pk__diag_reply(buf, off, 7, PK_TCP, &q, &l), PK_EBADMSG);
    off = 0;
    nl_put(buf, &off, SOCK_DIAG_BY_FAMILY, 7, &msg, sizeof(msg));
    assert_int_equal(pk__diag_reply(buf, off - 8, 7, PK_TCP, &q, &l), PK_EBADMSG);
    assert_false(pk__diag_decode(buf, 20, PK_TCP, &l.socks[0]));
    pk_sock_list_free(&l);
}

/* Feeds a test's text in reads of 1 to 7 bytes. */
struct trickle {
    const char *text;
    size_t len, off, step;
};

/* A read of the next few bytes. */
static ssize_t
trickle_read(void *ctx, char *buf, size_t len)
{
    struct trickle *t = ctx;
    size_t n = t->step++ % 7 + 1;
    if (n > len)
        n = len;
    if (n > t->len - t->off)
        n = t->len - t->off;
    memcpy(buf, t->text + t->off, n);
    t->off += n;
    return (ssize_t)n;
}

/* The chunked reader gives what the whole-buffer parser gives, whatever the chunk and read
 * sizes, and skips a line longer than a chunk. */
static void
test_proc_chunks(void **state)
{
    (void)state;
    struct pk__sockq q = all_query();
    struct pk_sock_list whole = {0}, l = {0};
    assert_int_equal(pk__sock_proc_parse(tcp4_text, strlen(tcp4_text), PK_TCP, 4, &q, &whole), 0);
    static char buf[2048];
    for (size_t chunk = PK__PROC_LINE_MAX + 1; chunk <= sizeof(buf); chunk += 341) {
        struct trickle t = {tcp4_text, strlen(tcp4_text), 0, chunk};
        assert_int_equal(pk__sock_proc_read(trickle_read, &t, buf, chunk, PK_TCP, 4, &q, &l), 0);
        assert_int_equal(l.n, whole.n);
        assert_memory_equal(l.socks, whole.socks, l.n * sizeof(*l.socks));
        pk_sock_list_free(&l);
    }
    assert_int_equal(pk__sock_proc_read(trickle_read, NULL, buf, 100, PK_TCP, 4, &q, &l),
                     PK_EINVAL);
    char *text = malloc(4096);
    assert_non_null(text);
    memset(text, 'x', 3000);
    strcpy(text + 3000, "\n"
                        "   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 "
                        "00000000     0        0 77 1\n");
    struct trickle t = {text, strlen(text), 0, 0};
    assert_int_equal(pk__sock_proc_read(trickle_read, &t, buf, 1100, PK_TCP, 4, &q, &l), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.socks[0].inode, 77);
    pk_sock_list_free(&l);
    pk_sock_list_free(&whole);
    free(text);
}

/* SO_REUSEPORT groups of a list of 60,000 UDP sockets: sizes and first members, with
 * connected sockets in no group. (Quadratic grouping took seconds here.) */
static void
test_groups_large(void **state)
{
    (void)state;
    enum { N = 60000 };
    struct pk_sock_list l = {0};
    /* Ports 1..N/3; port p has p % 4 + 1 sockets in one group on 127.0.0.1, then an
     * unconnected one on 127.0.0.2 and a connected one, until N sockets. */
    for (unsigned port = 1; l.n < N; port++) {
        struct pk_sock s = {.proto = PK_UDP, .family = 4, .state = PK_SS_CLOSE};
        s.local[0] = 127;
        s.local[3] = 1;
        s.local_port = (uint16_t)port;
        for (unsigned k = 0; k <= port % 4 && l.n < N; k++)
            assert_int_equal(pk_sock_list_push(&l, &s), 0);
        s.local[3] = 2;
        assert_int_equal(pk_sock_list_push(&l, &s), 0);
        s.state = PK_SS_ESTABLISHED;
        assert_int_equal(pk_sock_list_push(&l, &s), 0);
    }
    uint32_t *size = malloc(l.n * sizeof(*size)), *id = malloc(l.n * sizeof(*id));
    assert_non_null(size);
    assert_non_null(id);
    assert_int_equal(pk_sock_groups(&l, size, id), 0);
    for (size_t i = 0; i < l.n;) {
        const struct pk_sock *s = &l.socks[i];
        size_t run = 1;
        while (i + run < l.n && l.socks[i + run].local[3] == 1 && s->local[3] == 1 &&
               l.socks[i + run].local_port == s->local_port)
            run++;
        for (size_t k = 0; k < run; k++) {
            const struct pk_sock *m = &l.socks[i + k];
            uint32_t want = pk_sock_is_listener(m) ? (uint32_t)run : 0;
            if (size[i + k] != want || id[i + k] != i)
                fail_msg("socket %zu (port %u): group %u of %u, want %u of %zu", i + k,
                         m->local_port, size[i + k], id[i + k], want, i);
        }
        i += run;
    }
    pk_sock_list_free(&l);
    free(size);
    free(id);
}

/* Which end of a connection is the service. */
static void
test_service_end(void **state)
{
    (void)state;
    struct pk_port_policy pol = {
        .have_ephemeral = true, .ephemeral_lo = 32768, .ephemeral_hi = 60999};
    struct pk_portset *ls = calloc(1, sizeof(*ls));
    assert_non_null(ls);
    pk_portset_add(ls, PK_TCP, 40031, 40031);
    struct pk_sock s = {.proto = PK_TCP, .family = 4, .state = PK_SS_ESTABLISHED};
    /* A client of a local server on a high port: the listener decides. */
    s.local_port = 32768;
    s.remote_port = 40031;
    assert_int_equal(pk_sock_service_end(&s, ls, &pol), PK_END_REMOTE);
    s.local_port = 40031;
    s.remote_port = 32768;
    assert_int_equal(pk_sock_service_end(&s, ls, &pol), PK_END_LOCAL);
    /* No listener known: the end outside the ephemeral range. */
    s.local_port = 45000;
    s.remote_port = 5432;
    assert_int_equal(pk_sock_service_end(&s, NULL, &pol), PK_END_REMOTE);
    assert_int_equal(pk_sock_service_end(&s, ls, &pol), PK_END_REMOTE);
    s.local_port = 8080;
    s.remote_port = 50000;
    assert_int_equal(pk_sock_service_end(&s, NULL, &pol), PK_END_LOCAL);
    /* Both outside (or both inside): the lower port. */
    s.local_port = 9000;
    s.remote_port = 443;
    assert_int_equal(pk_sock_service_end(&s, NULL, &pol), PK_END_REMOTE);
    /* Without a policy, IANA's dynamic range. */
    s.local_port = 40000;
    s.remote_port = 50000;
    assert_int_equal(pk_sock_service_end(&s, NULL, NULL), PK_END_LOCAL);
    assert_int_equal(pk_sock_service_end(&s, NULL, &pol), PK_END_LOCAL);
    /* Listeners are their own service; UDP listens apart from TCP. */
    s.state = PK_SS_LISTEN;
    assert_int_equal(pk_sock_service_end(&s, NULL, &pol), PK_END_LOCAL);
    s.proto = PK_UDP;
    s.state = PK_SS_ESTABLISHED;
    s.local_port = 32768;
    s.remote_port = 40031;
    assert_int_equal(pk_sock_service_end(&s, ls, &pol), PK_END_LOCAL); /* no UDP listener */
    struct pk_sock_list l = {0};
    s.state = PK_SS_CLOSE;
    s.local_port = 53;
    assert_int_equal(pk_sock_list_push(&l, &s), 0);
    pk_sock_listening(&l, ls);
    assert_true(pk_portset_has(ls, PK_UDP, 53));
    assert_false(pk_portset_has(ls, PK_TCP, 53));
    pk_sock_list_free(&l);
    free(ls);
}

/* User names: looked up once, and the cache stays within its cap. */
static void
test_users(void **state)
{
    (void)state;
    struct pk_users u = {0};
    assert_string_equal(pk_users_name(&u, 0), "root");
    assert_string_equal(pk_users_name(&u, 4000000123u), "4000000123");
    assert_int_equal(u.n, 2);
    assert_string_equal(pk_users_name(&u, 0), "root");
    assert_int_equal(u.n, 2);
    for (uint32_t uid = 3000000000u; uid < 3000000000u + PK_USERS_MAX + 10; uid++) {
        char want[16];
        snprintf(want, sizeof(want), "%u", (unsigned)uid);
        assert_string_equal(pk_users_name(&u, uid), want);
    }
    assert_int_equal(u.n, PK_USERS_MAX);
    pk_users_free(&u);
    assert_int_equal(u.n, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proc_parse_v4),       cmocka_unit_test(test_proc_parse_v6),
        cmocka_unit_test(test_proc_fallback_files), cmocka_unit_test(test_own_sockets_both_sources),
        cmocka_unit_test(test_dual_stack),          cmocka_unit_test(test_names_and_netns),
        cmocka_unit_test(test_proc_pid_parsers),    cmocka_unit_test(test_diag_decode),
        cmocka_unit_test(test_proc_chunks),         cmocka_unit_test(test_groups_large),
        cmocka_unit_test(test_service_end),         cmocka_unit_test(test_users),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
