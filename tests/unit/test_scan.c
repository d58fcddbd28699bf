/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The scanner through its library API, on loopback only: the pair order is a bijection,
 * shards split it, results reach the callback once per pair, and the callback can stop it;
 * jobs are read through their descriptor, cancel promptly, hold back when nobody reads, and
 * share a descriptor budget; failures to start leave the caller's descriptors alone. Host
 * aggregation is in test_scan_agg.c, the top ports and nmap's services file in
 * test_top_ports.c.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "portkit/error.h"
#include "portkit/registry.h"
#include "portkit/scan.h"

static void
test_permute(void **state)
{
    (void)state;
    static const uint64_t sizes[] = {1, 2, 3, 5, 16, 17, 1000, 65535, 131071};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        uint64_t n = sizes[k];
        uint8_t *seen = calloc(n, 1);
        assert_non_null(seen);
        for (uint64_t seed = 0; seed < 3; seed++) {
            memset(seen, 0, n);
            for (uint64_t i = 0; i < n; i++) {
                uint64_t v = pk_scan_permute(i, n, seed * 7919);
                if (v >= n || seen[v])
                    fail_msg("n=%llu seed=%llu: %llu -> %llu twice or out of range",
                             (unsigned long long)n, (unsigned long long)seed, (unsigned long long)i,
                             (unsigned long long)v);
                seen[v] = 1;
            }
        }
        free(seen);
    }
    /* Different seeds give different orders. */
    int same = 0;
    for (uint64_t i = 0; i < 1000; i++)
        same += pk_scan_permute(i, 1000, 1) == pk_scan_permute(i, 1000, 2);
    assert_true(same < 100);
}

static void
test_names(void **state)
{
    (void)state;
    assert_string_equal(pk_port_state_name(PK_PORT_OPEN), "open");
    assert_string_equal(pk_port_state_name(PK_PORT_FILTERED), "filtered");
    assert_null(pk_port_state_name((enum pk_port_state)7));
    assert_string_equal(pk_scan_reason_name(PK_REASON_CONN_REFUSED), "conn-refused");
    assert_string_equal(pk_scan_reason_name(PK_REASON_NO_RESPONSE), "no-response");
    assert_null(pk_scan_reason_name((enum pk_scan_reason)PK_REASON_COUNT));
}

struct seen {
    uint8_t count[65536];
    unsigned open_port;
    int open_state;
    unsigned results, stop_after;
};

static int
on_result(const struct pk_scan_result *r, void *arg)
{
    struct seen *s = arg;
    s->count[r->port]++;
    if (r->port == s->open_port)
        s->open_state = (int)r->state;
    else if (r->state == PK_PORT_FILTERED) /* other ports may listen here, but all answer */
        fail_msg("port %u: %s/%s", r->port, pk_port_state_name(r->state),
                 pk_scan_reason_name(r->reason));
    s->results++;
    return s->stop_after && s->results >= s->stop_after ? 42 : 0;
}

/*
 * A loopback address of this run's own (127.64-191.x.y), for the fixtures whose answers a
 * scan of 127.0.0.1 by another test running at the same time would take (a port that lets
 * in one connection lets in the other scan's).
 */
static char fixture[INET_ADDRSTRLEN];
static in_addr_t fixture_addr;

static void
pick_fixture(void)
{
    uint32_t r = (uint32_t)getpid() * 2654435761u ^ (uint32_t)time(NULL);
    fixture_addr = htonl(0x7f000000u | (64u + (r >> 24) % 128u) << 16 | (r & 0xfeffu) | 1u);
    inet_ntop(AF_INET, &fixture_addr, fixture, sizeof(fixture));
}

/* Opens a listener on address a (network order), port chosen by the kernel. Returns its fd;
 * *port is set. */
static int
listener_on(in_addr_t a, unsigned *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = a};
    socklen_t len = sizeof(sa);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 64), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Opens a listener on 127.0.0.1. */
static int
listener(unsigned *port)
{
    return listener_on(htonl(INADDR_LOOPBACK), port);
}

static void
test_loopback(void **state)
{
    (void)state;
    static struct seen s;
    static struct pk_portset ports;
    struct pk_targets *t;
    const char *why;
    unsigned lport;
    int lfd = listener(&lport);
    assert_int_equal(pk_targets_new(&t), 0);
    assert_int_equal(pk_targets_add(t, "127.0.0.1", PK_TARGET_NUMERIC, &why), 0);
    assert_int_equal(pk_targets_finish(t, 10, &why), 0);
    pk_portset_clear(&ports);
    pk_portset_add(&ports, PK_TCP, 1, 1500);
    pk_portset_add(&ports, PK_TCP, lport, lport);
    size_t n = pk_portset_count(&ports, PK_TCP);

    /* Whole scan, two threads, then each of two shards with one thread. */
    for (int round = 0; round < 3; round++) {
        if (round < 2)
            memset(&s, 0, sizeof(s));
        s.open_port = lport;
        s.open_state = -1;
        struct pk_scan_opts o = {.targets = t, .ports = &ports, .retries = -1, .seed = 5};
        o.on_result = on_result;
        o.arg = &s;
        o.threads = round == 0 ? 2 : 1;
        if (round > 0) {
            o.shard_k = (unsigned)round;
            o.shard_n = 2;
        }
        struct pk_scan_stats st;
        assert_int_equal(pk_scan_run(&o, &st), 0);
        if (round == 0) {
            assert_int_equal(st.total, n);
            assert_int_equal(st.done, n);
            assert_int_equal(st.states[PK_PORT_OPEN] + st.states[PK_PORT_CLOSED], n);
            assert_true(st.probes >= n);
        }
        if (round != 1) {
            /* After the whole scan, and after both shards: each port exactly once. */
            for (unsigned p = 0; p < 65536; p++)
                assert_int_equal(s.count[p], pk_portset_has(&ports, PK_TCP, p) ? 1 : 0);
            assert_int_equal(s.open_state, PK_PORT_OPEN);
        }
    }

    /* The callback stops the scan; its value comes back. */
    memset(&s, 0, sizeof(s));
    s.open_port = lport;
    s.stop_after = 10;
    struct pk_scan_opts o = {.targets = t, .ports = &ports, .retries = -1, .threads = 1};
    o.on_result = on_result;
    o.arg = &s;
    assert_int_equal(pk_scan_run(&o, NULL), 42);
    assert_int_equal(s.results, 10);

    /* Bad options. */
    o.shard_k = 3;
    o.shard_n = 2;
    assert_int_equal(pk_scan_run(&o, NULL), PK_EINVAL);
    pk_targets_free(t);
    close(lfd);
}

/* Returns the monotonic clock in milliseconds. */
static double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Returns the number of open descriptors of this process. */
static int
open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    assert_non_null(d);
    while (readdir(d))
        n++;
    closedir(d);
    return n - 3; /* ".", ".." and the directory's own */
}

/* A finished list of the given addresses. */
static struct pk_targets *
targets_of(const char *const *specs)
{
    struct pk_targets *t;
    const char *why = NULL;
    assert_int_equal(pk_targets_new(&t), 0);
    for (; *specs; specs++)
        assert_int_equal(pk_targets_add(t, *specs, PK_TARGET_NUMERIC, &why), 0);
    assert_int_equal(pk_targets_finish(t, 100, &why), 0);
    return t;
}

/* Reads job j to its end (waiting on its descriptor), counting results per port into count. */
static uint64_t
drain(struct pk_scan_job *j, uint8_t *count, unsigned open_port, int *open_state)
{
    uint64_t n = 0;
    double deadline = now_ms() + 60000;
    for (;;) {
        struct pk_scan_result r;
        int k = pk_scan_next(j, &r);
        if (k == PK_SCAN_END)
            return n;
        if (k == PK_SCAN_AGAIN) {
            assert_true(now_ms() < deadline);
            assert_true(pk_scan_wait(j, 1000) >= 0);
            continue;
        }
        assert_int_equal(k, PK_SCAN_RESULT);
        n++;
        if (count)
            count[r.port]++;
        if (open_state && r.port == open_port)
            *open_state = (int)r.state;
    }
}

/* The job API: results come through the descriptor, once per pair, then the end. */
static void
test_job(void **state)
{
    (void)state;
    static uint8_t count[65536];
    static struct pk_portset ports;
    unsigned lport;
    int lfd = listener(&lport);
    const char *specs[] = {"127.0.0.1", NULL};
    struct pk_targets *t = targets_of(specs);
    pk_portset_clear(&ports);
    pk_portset_add(&ports, PK_TCP, 1, 3000);
    pk_portset_add(&ports, PK_TCP, lport, lport);
    size_t n = pk_portset_count(&ports, PK_TCP);
    memset(count, 0, sizeof(count));
    struct pk_scan_opts o = {.targets = t, .ports = &ports, .retries = -1, .seed = 9, .threads = 2};
    struct pk_scan_job *j;
    assert_int_equal(pk_scan_start(&o, &j), 0);
    assert_true(pk_scan_fd(j) >= 0);
    int open_state = -1;
    assert_int_equal(drain(j, count, lport, &open_state), n);
    for (unsigned p = 0; p < 65536; p++)
        assert_int_equal(count[p], pk_portset_has(&ports, PK_TCP, p) ? 1 : 0);
    assert_int_equal(open_state, PK_PORT_OPEN);
    /* Ended: the descriptor stays readable, the end stays the end, the counters are final. */
    struct pollfd pfd = {.fd = pk_scan_fd(j), .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, 0), 1);
    struct pk_scan_result r;
    assert_int_equal(pk_scan_next(j, &r), PK_SCAN_END);
    struct pk_scan_stats st;
    assert_int_equal(pk_scan_stats(j, &st), 0);
    assert_int_equal(st.total, n);
    assert_int_equal(st.done, n);
    assert_false(st.cancelled);
    pk_scan_free(j);
    pk_targets_free(t);
    close(lfd);
}

/* Cancel is prompt; what was produced before it is still read, then the end; the counters
 * say how many pairs were done, and that the job was cancelled. */
static void
test_cancel(void **state)
{
    (void)state;
    static struct pk_portset ports;
    const char *specs[] = {"127.0.0.1", "127.0.0.2", "127.0.0.3", NULL};
    struct pk_targets *t = targets_of(specs);
    pk_portset_clear(&ports);
    pk_portset_add(&ports, PK_TCP, 1, PK_PORT_MAX);
    struct pk_scan_opts o = {.targets = t, .ports = &ports, .retries = -1, .seed = 3};
    struct pk_scan_job *j;
    assert_int_equal(pk_scan_start(&o, &j), 0);
    uint64_t got = 0;
    while (got < 1000) {
        struct pk_scan_result r;
        int k = pk_scan_next(j, &r);
        assert_int_not_equal(k, PK_SCAN_END);
        if (k == PK_SCAN_AGAIN)
            assert_true(pk_scan_wait(j, 1000) >= 0);
        got += k == PK_SCAN_RESULT;
    }
    double t0 = now_ms();
    pk_scan_cancel(j);
    pk_scan_cancel(j); /* twice is fine */
    got += drain(j, NULL, 0, NULL);
    double took = now_ms() - t0;
    if (took > 1000)
        fail_msg("the job took %.0f ms to end after cancel", took);
    struct pk_scan_stats st;
    assert_int_equal(pk_scan_stats(j, &st), 0);
    assert_true(st.cancelled);
    assert_int_equal(st.total, 3 * 65535);
    assert_true(st.done < st.total);
    assert_int_equal(st.done, got); /* every pair done was read, none twice */
    pk_scan_free(j);
    pk_targets_free(t);
}

/* A reader that does not read holds the scan back at the queue's size; it loses nothing and
 * causes no retransmission. (On the fixture's address: on 127.0.0.1 the listeners of other
 * tests, with their queues full, would not answer.) */
static void
test_backpressure(void **state)
{
    (void)state;
    static struct pk_portset ports;
    static uint8_t count[65536];
    const char *specs[] = {fixture, NULL};
    struct pk_targets *t = targets_of(specs);
    pk_portset_clear(&ports);
    pk_portset_add(&ports, PK_TCP, 1, PK_PORT_MAX);
    struct pk_scan_opts o = {.targets = t,
                             .ports = &ports,
                             .retries = -1,
                             .threads = 1,
                             .max_inflight = 64,
                             .progress_ms = 20};
    struct pk_scan_job *j;
    assert_int_equal(pk_scan_start(&o, &j), 0);
    usleep(300000);
    struct pk_scan_stats a, b;
    assert_int_equal(pk_scan_stats(j, &a), 1);
    usleep(100000);
    assert_int_equal(pk_scan_stats(j, &b), 1);
    /* Queued results plus probes in flight stay within the queue (4096 places here). */
    if (b.done > 4096 + 64 || b.done != a.done)
        fail_msg("unread results: %llu, then %llu", (unsigned long long)a.done,
                 (unsigned long long)b.done);
    memset(count, 0, sizeof(count));
    assert_int_equal(drain(j, count, 0, NULL), 65535);
    for (unsigned p = 1; p < 65536; p++)
        assert_int_equal(count[p], 1);
    assert_int_equal(pk_scan_stats(j, &b), 0);
    assert_int_equal(b.done, 65535);
    assert_int_equal(b.retransmits, 0);
    pk_scan_free(j);
    pk_targets_free(t);
}

/*
 * Starts a child that holds n listeners on the fixture address whose accept queue is full (backlog
 * 0, one connection never accepted): the kernel drops further SYNs, so probes to them get no
 * answer. Their ports go to ports[]. A byte b written to *ctl (when not NULL) makes the child
 * accept one connection on the listeners i with i % 2 == b, so that their next SYN is answered.
 * Returns the child's pid.
 */
static pid_t
silent_ports(unsigned n, unsigned *ports, int *ctl)
{
    int p[2], c[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(pipe(c), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* gone with the test, even when it fails */
        close(p[0]);
        close(c[1]);
        int *ls = calloc(n, sizeof(*ls));
        for (unsigned i = 0; ls && i < n; i++) {
            int l = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = fixture_addr};
            socklen_t len = sizeof(sa);
            if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 0) < 0 ||
                getsockname(l, (struct sockaddr *)&sa, &len) < 0)
                _exit(1);
            int cl = socket(AF_INET, SOCK_STREAM, 0);
            if (cl < 0 || connect(cl, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                _exit(1);
            unsigned port = ntohs(sa.sin_port);
            if (write(p[1], &port, sizeof(port)) != sizeof(port))
                _exit(1);
            ls[i] = l;
        }
        close(p[1]);
        char b;
        while (read(c[0], &b, 1) == 1)
            for (unsigned i = (unsigned)b % 2; i < n; i += 2) {
                int a = accept4(ls[i], NULL, NULL, SOCK_NONBLOCK);
                (void)a; /* kept open: the queue is empty again */
            }
        for (;;)
            pause();
    }
    close(p[1]);
    close(c[0]);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(read(p[0], &ports[i], sizeof(ports[i])), sizeof(ports[i]));
    close(p[0]);
    if (ctl)
        *ctl = c[1];
    else
        close(c[1]);
    return pid;
}

struct slow {
    int ctl;
    unsigned results, open;
};

/* Lets the SYNs of the fixture in: half before the kernel sends them again at 1 s, the
 * other half before it sends them again at 3 s. */
static void *
let_in_later(void *arg)
{
    struct slow *x = arg;
    usleep(300000);
    assert_int_equal(write(x->ctl, "\0", 1), 1);
    usleep(1200000);
    assert_int_equal(write(x->ctl, "\1", 1), 1);
    return NULL;
}

/* A reader that stalls for 3 s on its first result, as a blocked stdout does. */
static int
on_result_slow(const struct pk_scan_result *r, void *arg)
{
    struct slow *x = arg;
    if (x->results++ == 0)
        sleep(3);
    x->open += r->state == PK_PORT_OPEN;
    return 0;
}

/*
 * A slow reader stalls nothing: the first answers come at 1 s and the reader then sleeps for
 * 3 s; the others come at 3 s, within their 3.5 s timeout. They are answers, not timeouts,
 * and nothing is sent again.
 */
static void
test_slow_reader(void **state)
{
    (void)state;
    enum { N = 24 };
    static unsigned ports_of[N];
    static struct pk_portset ports;
    struct slow x = {0};
    pid_t child = silent_ports(N, ports_of, &x.ctl);
    const char *specs[] = {fixture, NULL};
    struct pk_targets *t = targets_of(specs);
    pk_portset_clear(&ports);
    for (unsigned i = 0; i < N; i++)
        pk_portset_add(&ports, PK_TCP, ports_of[i], ports_of[i]);
    struct pk_scan_opts o = {.targets = t,
                             .ports = &ports,
                             .retries = 2,
                             .timeout_ms = 3500,
                             .threads = 1,
                             .on_result = on_result_slow,
                             .arg = &x};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, let_in_later, &x), 0);
    struct pk_scan_stats st;
    int rc = pk_scan_run(&o, &st);
    pthread_join(th, NULL);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    close(x.ctl);
    pk_targets_free(t);
    assert_int_equal(rc, 0);
    if (st.retransmits || x.open != N)
        fail_msg("%u of %d open, %llu retransmitted", x.open, N,
                 (unsigned long long)st.retransmits);
}

/* Two jobs in one process share a descriptor budget sized from a small RLIMIT_NOFILE: they
 * hold no more than it together, and both finish with every result right. */
static void
test_two_jobs(void **state)
{
    (void)state;
    enum { SILENT = 200 };
    static unsigned silent[SILENT];
    static struct pk_portset ports;
    static uint8_t count[2][65536];
    pid_t child = silent_ports(SILENT, silent, NULL);
    unsigned lport;
    int lfd = listener_on(fixture_addr, &lport);
    const char *specs[] = {fixture, NULL};
    struct pk_targets *t = targets_of(specs);
    pk_portset_clear(&ports);
    for (unsigned i = 0; i < SILENT; i++)
        pk_portset_add(&ports, PK_TCP, silent[i], silent[i]);
    pk_portset_add(&ports, PK_TCP, lport, lport);
    pk_portset_add(&ports, PK_TCP, 1, 300); /* closed, mostly */
    size_t n = pk_portset_count(&ports, PK_TCP);

    struct rlimit old, rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    int base = open_fds();
    rl = old;
    rl.rlim_cur = (rlim_t)base + 200;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    struct pk_fd_budget *b;
    assert_int_equal(pk_fd_budget_new(0, &b), 0);
    unsigned total = pk_fd_budget_total(b);
    assert_int_equal(total, base + 200 - PK_FD_BUDGET_RESERVE);

    struct pk_scan_opts o = {.targets = t,
                             .ports = &ports,
                             .retries = 1,
                             .timeout_ms = 100,
                             .threads = 1,
                             .fd_budget = b};
    struct pk_scan_job *j[2];
    bool end[2] = {false, false};
    uint64_t got[2] = {0, 0};
    memset(count, 0, sizeof(count));
    int most = 0;
    unsigned most_used = 0;
    assert_int_equal(pk_scan_start(&o, &j[0]), 0);
    o.seed = 77;
    assert_int_equal(pk_scan_start(&o, &j[1]), 0);
    double deadline = now_ms() + 60000;
    bool overlap = false;
    while (!end[0] || !end[1]) {
        assert_true(now_ms() < deadline);
        struct pollfd pfd[2] = {{.fd = pk_scan_fd(j[0]), .events = POLLIN},
                                {.fd = pk_scan_fd(j[1]), .events = POLLIN}};
        poll(pfd, 2, 5);
        for (int k = 0; k < 2; k++) {
            struct pk_scan_result r;
            int rc;
            while (!end[k] && (rc = pk_scan_next(j[k], &r)) != PK_SCAN_AGAIN) {
                if (rc == PK_SCAN_END) {
                    end[k] = true;
                    break;
                }
                count[k][r.port]++;
                got[k]++;
                if (r.reason == PK_REASON_ERROR)
                    fail_msg("job %d: port %u: error %s", k, r.port, strerror(r.err));
            }
        }
        overlap |= got[0] > 0 && got[1] > 0 && !end[0] && !end[1];
        int fds = open_fds();
        most = fds > most ? fds : most;
        unsigned used = pk_fd_budget_used(b);
        most_used = used > most_used ? used : most_used;
    }
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    if (most > base + (int)total || most_used > total)
        fail_msg("%d descriptors open (%d before), budget %u, %u used", most, base, total,
                 most_used);
    assert_true(overlap);
    for (int k = 0; k < 2; k++) {
        struct pk_scan_stats st;
        assert_int_equal(pk_scan_stats(j[k], &st), 0);
        assert_int_equal(st.done, n);
        assert_int_equal(got[k], n);
        assert_int_equal(st.states[PK_PORT_OPEN], 1);
        assert_true(st.states[PK_PORT_FILTERED] >= SILENT);
        for (unsigned i = 0; i < SILENT; i++)
            assert_int_equal(count[k][silent[i]], 1);
        pk_scan_free(j[k]);
    }
    assert_int_equal(pk_fd_budget_used(b), 0);
    pk_fd_budget_free(b);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    pk_targets_free(t);
    close(lfd);
}

/* Returns the lowest descriptor number not in use. */
static int
lowest_free(void)
{
    int fd = fcntl(0, F_DUPFD, 0);
    assert_true(fd >= 0);
    close(fd);
    return fd;
}

/* Takes every free descriptor (dups of 1) into fill[], from *n on. Returns how many it took. */
static int
take_all(int *fill, int *n, int cap)
{
    int took = 0, fd;
    while (*n < cap && (fd = dup(1)) >= 0)
        fill[(*n)++] = fd, took++;
    return took;
}

/* A scan that cannot start for want of descriptors fails cleanly: it closes nothing of the
 * caller's, standard input least of all, and leaks nothing. */
static void
test_start_failure_fds(void **state)
{
    (void)state;
    static struct pk_portset ports;
    static int fill[512];
    int n = 0;
    if (fcntl(0, F_GETFD) < 0)
        assert_int_equal(open("/dev/null", O_RDONLY), 0); /* make sure 0 is open to begin */
    const char *specs[] = {"127.0.0.1", NULL};
    struct pk_targets *t = targets_of(specs);
    pk_portset_clear(&ports);
    pk_portset_add(&ports, PK_TCP, 1, 10000);
    struct pk_fd_budget *b;
    assert_int_equal(pk_fd_budget_new(4096, &b), 0);
    struct rlimit old, rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    int before = open_fds();
    rl = old;
    rl.rlim_cur = (rlim_t)lowest_free() + 200; /* enough for two threads' worth of budget */
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);

    /* Not one descriptor free: pk_scan_run() with two threads fails, and fd 0 stays open. */
    take_all(fill, &n, 512);
    struct pk_scan_opts o = {.targets = t, .ports = &ports, .retries = -1, .threads = 2};
    int rc = pk_scan_run(&o, NULL);
    bool zero_open = fcntl(0, F_GETFD) >= 0;
    int freed = take_all(fill, &n, 512);

    /* k descriptors free: each step of the start-up fails in turn (or the scan runs); fd 0
     * stays open, and exactly k are free again afterwards. */
    int bad_k = -1, bad_free = 0;
    o.fd_budget = b;
    for (int k = 0; k < 12 && bad_k < 0; k++) {
        for (int i = 0; i < k; i++)
            close(fill[--n]);
        struct pk_scan_job *j = NULL;
        if (pk_scan_start(&o, &j) == 0) {
            drain(j, NULL, 0, NULL);
            pk_scan_free(j);
        }
        int again = take_all(fill, &n, 512);
        if (fcntl(0, F_GETFD) < 0 || again != k)
            bad_k = k, bad_free = again;
    }
    while (n > 0)
        close(fill[--n]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    assert_true(rc < 0);
    assert_true(zero_open);
    assert_int_equal(freed, 0);
    if (bad_k >= 0)
        fail_msg("with %d descriptors free: fd 0 %s, %d free after", bad_k,
                 fcntl(0, F_GETFD) < 0 ? "closed" : "open", bad_free);
    assert_int_equal(open_fds(), before);
    assert_int_equal(pk_fd_budget_used(b), 0);
    pk_fd_budget_free(b);
    pk_targets_free(t);
}

/* Starts silent_ports(n) and sets *t to the fixture's address and *ports to its ports.
 * Returns the child's pid. */
static pid_t
silent_scan(unsigned n, struct pk_portset *ports, struct pk_targets **t)
{
    unsigned silent[64];
    assert_true(n <= 64);
    pid_t child = silent_ports(n, silent, NULL);
    const char *specs[] = {fixture, NULL};
    *t = targets_of(specs);
    pk_portset_clear(ports);
    for (unsigned i = 0; i < n; i++)
        pk_portset_add(ports, PK_TCP, silent[i], silent[i]);
    return child;
}

/* max_timeout_ms caps the timeouts from round-trip times, the first one included: ports that
 * never answer are given up after it, not after the 1 s a first probe waits by default. */
static void
test_timeout_cap(void **state)
{
    (void)state;
    enum { N = 4 };
    static struct pk_portset ports;
    struct pk_targets *t;
    pid_t child = silent_scan(N, &ports, &t);
    struct pk_scan_opts o = {
        .targets = t, .ports = &ports, .retries = 1, .max_timeout_ms = 100, .threads = 1};
    struct pk_scan_stats st;
    double t0 = now_ms();
    assert_int_equal(pk_scan_run(&o, &st), 0);
    double took = now_ms() - t0;
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    pk_targets_free(t);
    assert_int_equal(st.states[PK_PORT_FILTERED], N);
    if (took > 700)
        fail_msg("2 probes of 100 ms at most took %.0f ms", took);
}

static volatile sig_atomic_t usr1_seen;
static pthread_t usr1_thread;

static void
on_usr1(int sig)
{
    (void)sig;
    usr1_thread = pthread_self();
    usr1_seen = 1;
}

/* A job's threads block signals: one sent to the process while the caller blocks it waits
 * for the caller instead of running in a scan thread (where it could not cancel safely). */
static void
test_signals_blocked(void **state)
{
    (void)state;
    enum { N = 4 };
    static struct pk_portset ports;
    struct pk_targets *t;
    pid_t child = silent_scan(N, &ports, &t);
    struct sigaction sa = {.sa_handler = on_usr1}, old;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
    struct pk_scan_opts o = {.targets = t, .ports = &ports, .timeout_ms = 2000, .threads = 2};
    struct pk_scan_job *j;
    usr1_seen = 0;
    assert_int_equal(pk_scan_start(&o, &j), 0);
    sigset_t one, prev;
    sigemptyset(&one);
    sigaddset(&one, SIGUSR1);
    assert_int_equal(pthread_sigmask(SIG_BLOCK, &one, &prev), 0);
    assert_int_equal(kill(getpid(), SIGUSR1), 0);
    usleep(100000);
    bool early = usr1_seen;
    assert_int_equal(pthread_sigmask(SIG_SETMASK, &prev, NULL), 0);
    bool in_caller = usr1_seen && pthread_equal(usr1_thread, pthread_self());
    pk_scan_free(j);
    sigaction(SIGUSR1, &old, NULL);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    pk_targets_free(t);
    assert_false(early);
    assert_true(in_caller);
}

int
main(void)
{
    pick_fixture();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_permute),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_job),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_backpressure),
        cmocka_unit_test(test_slow_reader),
        cmocka_unit_test(test_two_jobs),
        cmocka_unit_test(test_start_failure_fds),
        cmocka_unit_test(test_timeout_cap),
        cmocka_unit_test(test_signals_blocked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
