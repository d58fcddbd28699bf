/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The scan's per-host aggregate (pk_scan_agg): ports listed by number, counts past the list,
 * --open, round-trip times, and hosts released when complete.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "portkit/error.h"
#include "portkit/scan.h"

/* The per-host aggregate: open ports all listed, by number; a state past list_max counted,
 * not listed; --open lists open ports only; round-trip times smoothed. */
static void
test_aggregate(void **state)
{
    (void)state;
    struct pk_scan_agg *a;
    assert_int_equal(pk_scan_agg_new(3, NULL, &a), 0);
    struct pk_target tg = {.family = AF_INET};
    for (unsigned p = 1000; p >= 1; p--) {
        struct pk_scan_result r = {.host = 1,
                                   .target = &tg,
                                   .port = p,
                                   .proto = PK_TCP,
                                   .state = PK_PORT_CLOSED,
                                   .reason = PK_REASON_CONN_REFUSED,
                                   .rtt_us = 100};
        if (p % 100 == 0)
            r.state = PK_PORT_OPEN, r.reason = PK_REASON_SYN_ACK;
        if (p <= 10)
            r.state = PK_PORT_FILTERED, r.reason = PK_REASON_NO_RESPONSE, r.rtt_us = 0;
        assert_int_equal(pk_scan_agg_add(a, &r), 0);
    }
    struct pk_scan_result bad = {.host = 3, .target = &tg};
    assert_int_equal(pk_scan_agg_add(a, &bad), PK_ENOENT);
    struct pk_scan_host h;
    assert_int_equal(pk_scan_agg_host(a, 1, &h), 0);
    assert_int_equal(h.count[PK_PORT_OPEN], 10);
    assert_int_equal(h.count[PK_PORT_CLOSED], 980);
    assert_int_equal(h.count[PK_PORT_FILTERED], 10);
    assert_int_equal(h.extra[PK_PORT_CLOSED], 980);
    assert_int_equal(h.extra_reason[PK_PORT_CLOSED][PK_REASON_CONN_REFUSED], 980);
    assert_int_equal(h.extra[PK_PORT_FILTERED], 0);
    assert_int_equal(h.nports, 10 + 10); /* open and filtered, by number */
    assert_int_equal(h.ports[0].port, 1);
    assert_int_equal(h.ports[0].state, PK_PORT_FILTERED);
    assert_int_equal(h.ports[10].port, 100);
    assert_int_equal(h.ports[19].port, 1000);
    assert_int_equal(h.ports[19].state, PK_PORT_OPEN);
    assert_int_equal(h.srtt_us, 100);
    assert_int_equal(h.to_us, 100);
    /* A host without results is all zero; one outside the list is refused. */
    assert_int_equal(pk_scan_agg_host(a, 0, &h), 0);
    assert_int_equal(h.nports + h.count[0] + h.count[1] + h.count[2], 0);
    assert_int_equal(pk_scan_agg_host(a, 3, &h), PK_ENOENT);
    pk_scan_agg_free(a);

    struct pk_scan_agg_opts ao = {.open_only = true, .list_max = 5};
    assert_int_equal(pk_scan_agg_new(1, &ao, &a), 0);
    for (unsigned p = 1; p <= 8; p++) {
        struct pk_scan_result r = {.host = 0,
                                   .target = &tg,
                                   .port = p,
                                   .state = p == 4 ? PK_PORT_OPEN : PK_PORT_CLOSED,
                                   .reason = p == 4 ? PK_REASON_SYN_ACK : PK_REASON_CONN_REFUSED};
        assert_int_equal(pk_scan_agg_add(a, &r), 0);
    }
    assert_int_equal(pk_scan_agg_host(a, 0, &h), 0);
    assert_int_equal(h.nports, 1);
    assert_int_equal(h.ports[0].port, 4);
    assert_int_equal(h.extra[PK_PORT_CLOSED], 7);
    pk_scan_agg_free(a);
}

/* A host is complete with its per_host-th result: that one says so, and once released the
 * host's memory is gone and it is not counted again. */
static void
test_aggregate_done(void **state)
{
    (void)state;
    struct pk_scan_agg *a;
    struct pk_scan_agg_opts ao = {.per_host = 3};
    assert_int_equal(pk_scan_agg_new(2, &ao, &a), 0);
    struct pk_target tg = {.family = AF_INET};
    for (unsigned p = 1; p <= 3; p++) {
        struct pk_scan_result r = {.host = 1, .target = &tg, .port = p, .state = PK_PORT_OPEN};
        assert_int_equal(pk_scan_agg_add(a, &r), p == 3 ? PK_SCAN_HOST_DONE : 0);
    }
    struct pk_scan_host h;
    assert_int_equal(pk_scan_agg_host(a, 1, &h), 0);
    assert_int_equal(h.nports, 3);
    assert_false(pk_scan_agg_released(a, 1));
    pk_scan_agg_release(a, 1);
    assert_true(pk_scan_agg_released(a, 1));
    assert_false(pk_scan_agg_released(a, 0));
    assert_int_equal(pk_scan_agg_host(a, 1, &h), PK_ENOENT);
    struct pk_scan_result late = {.host = 1, .target = &tg, .port = 9};
    assert_int_equal(pk_scan_agg_add(a, &late), PK_ENOENT);
    pk_scan_agg_release(a, 0); /* never seen: released all the same */
    assert_true(pk_scan_agg_released(a, 0));
    pk_scan_agg_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aggregate),
        cmocka_unit_test(test_aggregate_done),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
