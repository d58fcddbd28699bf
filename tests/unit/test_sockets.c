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
#include <unistd.h>

#include "portkit/error.h"
#include "portkit/registry.h"
#include "portkit/sockets.h"
#include "sock_int.h"

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

/* Writes len bytes to dir/rel. */
static void
put_bytes(const char *dir, const char *rel, const char *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* Writes text to dir/rel. */
static void
put_file(const char *dir, const char *rel, const char *text)
{
    put_bytes(dir, rel, text, strlen(text));
}

/* Removes a scratch directory. */
static void
rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
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

/* Opens a socket bound to port 0 on addr (IPv4 or IPv6 text). Returns the fd, its port. */
static int
open_bound(int type, const char *addr, int v6only, unsigned *port)
{
    struct sockaddr_storage ss = {0};
    socklen_t len;
    int fam = strchr(addr, ':') ? AF_INET6 : AF_INET;
    int fd = socket(fam, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (fam == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        inet_pton(AF_INET6, addr, &s6->sin6_addr);
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
        len = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        inet_pton(AF_INET, addr, &s4->sin_addr);
        len = sizeof(*s4);
    }
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || (type == SOCK_STREAM && listen(fd, 8) < 0)) {
        close(fd);
        return -1;
    }
    len = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &len);
    *port = ntohs(fam == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                  : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

/* The inode of an open descriptor. */
static uint64_t
inode_of(int fd)
{
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    return st.st_ino;
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
    unsigned tport, uport;
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

/* The real /proc: this process and a forked child share one listener. */
static void
test_owners_real(void **state)
{
    (void)state;
    unsigned port;
    int t = open_bound(SOCK_STREAM, "127.0.0.1", 0, &port);
    assert_true(t >= 0);
    uint64_t ino = inode_of(t);
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        char c;
        close(pipefd[1]);
        alarm(60); /* never outlive a stuck test */
        (void)!read(pipefd[0], &c, 1);
        _exit(0);
    }
    close(pipefd[0]);

    struct pk_owners o;
    for (int full = 0; full < 2; full++) {
        assert_int_equal(pk_owners_find(NULL, &ino, 1, full ? PK_OWN_FULL : 0, &o), 0);
        size_t first, n = pk_owners_of(&o, ino, &first);
        assert_int_equal(n, 2);
        bool self = false, kid = false;
        for (size_t i = 0; i < n; i++) {
            const struct pk_proc_info *p = &o.procs[o.refs[first + i].proc];
            assert_int_equal(o.refs[first + i].fd, t);
            self |= p->pid == getpid();
            kid |= p->pid == child;
            assert_true(p->uid_known);
            assert_int_equal(p->uid, geteuid());
            assert_string_equal(p->comm, "test_sockets");
            assert_non_null(strstr(p->cmdline, "test_sockets"));
            assert_true(p->user[0] != '\0');
        }
        assert_true(self && kid);
        pk_owners_free(&o);
    }
    /* Nothing wanted: nothing read. */
    assert_int_equal(pk_owners_find(NULL, &ino, 0, 0, &o), 0);
    assert_int_equal(o.nrefs, 0);
    assert_int_equal(o.fds_read, 0);
    pk_owners_free(&o);

    close(pipefd[1]);
    int st;
    assert_int_equal(waitpid(child, &st, 0), child);
    close(t);
}

/* A table large enough to be walked by number, with a wanted socket far past a gap. */
static void
test_owners_sparse(void **state)
{
    (void)state;
    struct rlimit rl;
    enum { N = 200 };
    int fds[N];
    unsigned port;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < N + 600) {
        print_message("RLIMIT_NOFILE %lu: sparse-table check skipped\n",
                      (unsigned long)rl.rlim_cur);
        return;
    }
    int high = rl.rlim_cur > 3001 ? 3000 : (int)rl.rlim_cur - 1;
    for (int i = 0; i < N; i++)
        fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int t = open_bound(SOCK_STREAM, "127.0.0.1", 0, &port);
    assert_true(t >= 0);
    assert_int_equal(dup2(t, high), high);
    close(t);
    uint64_t ino = inode_of(high);
    struct pk_owners o;
    assert_int_equal(pk_owners_find(NULL, &ino, 1, 0, &o), 0);
    size_t first;
    assert_int_equal(pk_owners_of(&o, ino, &first), 1);
    assert_int_equal(o.procs[o.refs[first].proc].pid, getpid());
    assert_int_equal(o.refs[first].fd, high);
    pk_owners_free(&o);
    close(high);
    for (int i = 0; i < N; i++)
        close(fds[i]);
}

/* A fake /proc: a process in a docker container, one in a systemd unit, one unrelated. */
static void
test_owners_fake_proc(void **state)
{
    (void)state;
    char dir[] = "/tmp/pk-own-XXXXXX";
    char p[512];
    size_t first;
    assert_non_null(mkdtemp(dir));
    static const char *const mk[] = {"100", "100/fd", "200", "200/fd", "300", "300/fd", "self"};
    for (size_t i = 0; i < sizeof(mk) / sizeof(mk[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, mk[i]);
        assert_int_equal(mkdir(p, 0755), 0);
    }
    static const struct {
        const char *path, *target;
    } links[] = {{"100/fd/0", "/dev/null"},       {"100/fd/3", "socket:[5001]"},
                 {"100/fd/7", "socket:[5002]"},   {"200/fd/3", "socket:[5003]"},
                 {"200/fd/4", "socket:[5001]"},   {"300/fd/3", "socket:[9]"},
                 {"300/fd/700", "socket:[5004]"}, {"300/fd/5", "pipe:[5001]"}};
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, links[i].path);
        assert_int_equal(symlink(links[i].target, p), 0);
    }
    put_file(dir, "100/comm", "ngin\x1b[31mx\n");
    static const char argv100[] = "nginx: master\0-g\0daemon off;\0";
    put_bytes(dir, "100/cmdline", argv100, sizeof(argv100) - 1);
    put_file(dir, "100/status", "Name:\tnginx\nUid:\t0\t0\t0\t0\nGid:\t0\n");
    put_file(dir, "100/cgroup",
             "0::/system.slice/docker-"
             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n");
    put_file(dir, "200/comm", "sshd\n");
    put_file(dir, "200/cmdline", "");
    put_file(dir, "200/status", "Name:\tsshd\nUid:\t4000000\t4000000\t0\t0\n");
    put_file(dir, "200/cgroup",
             "1:name=systemd:/system.slice/ssh.service\n0::/system.slice/ssh.service\n");

    uint64_t want[] = {5003, 5001, 5002, 5001, 0, 77, 5004};
    struct pk_owners o;
    assert_int_equal(pk_owners_find(dir, want, 7, 0, &o), 0);
    assert_int_equal(o.nprocs, 3);
    assert_int_equal(pk_owners_of(&o, 5004, &first), 1); /* past the first pass */
    assert_int_equal(o.procs[o.refs[first].proc].pid, 300);
    assert_int_equal(o.refs[first].fd, 700);
    size_t n = pk_owners_of(&o, 5001, &first);
    assert_int_equal(n, 2);
    const struct pk_proc_info *a = &o.procs[o.refs[first].proc];
    const struct pk_proc_info *b = &o.procs[o.refs[first + 1].proc];
    assert_int_equal(a->pid, 100);
    assert_int_equal(b->pid, 200);
    assert_int_equal(o.refs[first].fd, 3);
    assert_int_equal(o.refs[first + 1].fd, 4);
    assert_string_equal(a->comm, "ngin\x1b[31mx"); /* raw: the CLI escapes */
    assert_string_equal(a->cmdline, "nginx: master -g daemon off;");
    assert_string_equal(a->user, "root");
    assert_string_equal(a->container,
                        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    assert_string_equal(a->unit, "");
    assert_string_equal(b->unit, "ssh.service");
    assert_string_equal(b->container, "");
    assert_string_equal(b->user, "4000000"); /* no passwd entry: the number */
    assert_string_equal(b->cmdline, "");
    assert_int_equal(pk_owners_of(&o, 5002, &first), 1);
    assert_int_equal(pk_owners_of(&o, 5003, &first), 1);
    assert_int_equal(pk_owners_of(&o, 77, &first), 0);
    assert_int_equal(pk_owners_of(&o, 9, &first), 0);
    pk_owners_free(&o);

    assert_true(pk_owners_find("/nonexistent-procroot", want, 7, 0, &o) < 0);
    rm_rf(dir);
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proc_parse_v4),       cmocka_unit_test(test_proc_parse_v6),
        cmocka_unit_test(test_proc_fallback_files), cmocka_unit_test(test_own_sockets_both_sources),
        cmocka_unit_test(test_dual_stack),          cmocka_unit_test(test_owners_real),
        cmocka_unit_test(test_owners_fake_proc),    cmocka_unit_test(test_owners_sparse),
        cmocka_unit_test(test_names_and_netns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
