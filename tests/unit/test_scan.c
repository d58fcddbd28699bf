/* SPDX-License-Identifier: BSD-2-Clause */
/* The scan engine through its library API, on loopback only: the pair order is a bijection,
 * shards split it, results reach the callback once per pair, and the callback can stop it. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "portkit/error.h"
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

/* Opens a listener on 127.0.0.1, port chosen by the kernel. Returns its fd; *port is set. */
static int
listener(unsigned *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 64), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_permute),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_loopback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
