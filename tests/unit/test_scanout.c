/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The scanner's output layer: a host's summary as JSON (valid against
 * docs/schema/scan-host.json when python3-jsonschema is installed), text and HTML; the run's
 * summary; nmap's XML when interrupted; and the report, which writes a host as soon as its
 * last result comes and the hosts an interruption cut short at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "portkit/error.h"
#include "portkit/registry.h"
#include "portkit/scanout.h"

static struct pk_targets *targets;
static struct pk_portset ports;

static int
setup(void **state)
{
    (void)state;
    const char *why;
    if (pk_targets_new(&targets) < 0 || pk_targets_add(targets, "198.18.0.1", 0, &why) < 0 ||
        pk_targets_add(targets, "198.18.0.2", 0, &why) < 0 ||
        pk_targets_finish(targets, 16, &why) < 0)
        return -1;
    pk_portset_clear(&ports);
    pk_portset_add(&ports, PK_TCP, 42, 42);
    pk_portset_add(&ports, PK_TCP, 22, 22);
    pk_portset_add(&ports, PK_TCP, 1000, 1099);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    pk_targets_free(targets);
    return 0;
}

/* A result of host h: port p in state s. */
static struct pk_scan_result
result(uint64_t h, unsigned p, enum pk_port_state s, struct pk_target *tg)
{
    pk_targets_get(targets, h, tg);
    static const enum pk_scan_reason why[] = {PK_REASON_SYN_ACK, PK_REASON_CONN_REFUSED,
                                              PK_REASON_NO_RESPONSE};
    return (struct pk_scan_result){.host = h,
                                   .target = tg,
                                   .port = p,
                                   .proto = PK_TCP,
                                   .state = s,
                                   .reason = why[s],
                                   .attempts = 1,
                                   .rtt_us = s == PK_PORT_FILTERED ? 0 : 250};
}

/* Feeds host 0 the results of every port: 42 open, 22 filtered, the rest closed. */
static void
feed_host0(struct pk_scan_agg *a)
{
    struct pk_target tg;
    for (unsigned p = 0; p <= PK_PORT_MAX; p++) {
        if (!pk_portset_has(&ports, PK_TCP, p))
            continue;
        enum pk_port_state s = p == 42 ? PK_PORT_OPEN : p == 22 ? PK_PORT_FILTERED : PK_PORT_CLOSED;
        struct pk_scan_result r = result(0, p, s, &tg);
        assert_true(pk_scan_agg_add(a, &r) >= 0);
    }
}

/* Returns true when text holds needle. */
static bool
has(const struct pk_buf *b, const char *needle)
{
    return b->data && strstr(b->data, needle) != NULL;
}

/* Validates the JSON lines in b against schema name with tests/tools/validate_json.py, when
 * the source tree and python3-jsonschema are there. */
static void
validate(const struct pk_buf *b, const char *name)
{
    const char *src = getenv("PK_SRC");
    if (!src || system("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null") != 0) {
        printf("note: python3-jsonschema or PK_SRC missing: %s not validated\n", name);
        return;
    }
    char path[] = "/tmp/pk-scanout-XXXXXX", cmd[1024];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b->data, b->len), (ssize_t)b->len);
    close(fd);
    snprintf(cmd, sizeof(cmd),
             "/usr/bin/python3 %s/tests/tools/validate_json.py %s/docs/schema %s < %s", src, src,
             name, path);
    int rc = system(cmd);
    unlink(path);
    assert_int_equal(rc, 0);
}

static void
test_host(void **state)
{
    (void)state;
    struct pk_scan_agg *a;
    assert_int_equal(pk_scan_agg_new(2, NULL, &a), 0);
    feed_host0(a);
    struct pk_scan_host h;
    struct pk_target tg;
    assert_int_equal(pk_scan_agg_host(a, 0, &h), 0);
    pk_targets_get(targets, 0, &tg);
    struct pk_buf b;
    pk_buf_init(&b, 1u << 20);
    struct pk_out o = {.b = &b, .reg = pk_registry_builtin()};

    pk_out_scan_host_json(&o, &tg, &h);
    pk_buf_putc(&b, '\n');
    assert_true(has(&b, "\"address\":\"198.18.0.1\",\"open\":1,\"closed\":100,\"filtered\":1"));
    assert_true(has(&b, "\"not_shown\":[{\"state\":\"closed\",\"count\":100,"
                        "\"reasons\":{\"conn-refused\":100}}]"));
    assert_true(has(&b, "{\"port\":42,\"protocol\":\"tcp\",\"state\":\"open\""));
    assert_true(has(&b, "\"kind\":\"unofficial\"")); /* 42/tcp's note */
    validate(&b, "scan-host");

    pk_buf_reset(&b);
    assert_int_equal(pk_out_scan_host_text(&o, &tg, &h), 0);
    assert_true(has(&b, "scan report for 198.18.0.1\n"
                        "Not shown: 100 closed tcp ports (100 conn-refused)\n"
                        "PORT    STATE     SERVICE  UNOFFICIAL USE\n"
                        "22/tcp  filtered  ssh\n"
                        "42/tcp  open      name     Microsoft WINS: "));
    assert_true(has(&b,
                    " replication between WINS servers, reusing the number IANA gave to the old "
                    "ARPA host name server protocol.\n\n"));
    assert_false(has(&b, "REASON"));
    pk_buf_reset(&b);
    o.flags = PK_OUT_SCAN_REASON;
    assert_int_equal(pk_out_scan_host_text(&o, &tg, &h), 0);
    assert_true(has(&b, "PORT    STATE     SERVICE  REASON       UNOFFICIAL USE\n"));
    assert_true(has(&b, "\n22/tcp  filtered  ssh      no-response\n"));

    pk_buf_reset(&b);
    pk_out_scan_host_html(&o, &tg, &h);
    assert_true(has(&b, "<section class=\"scan-host\">\n<h2>198.18.0.1</h2>\n"));
    assert_true(has(&b, "<tr class=\"open\"><td>42/tcp</td><td>open</td>"));
    assert_true(has(&b, "<th>REASON</th>"));
    pk_buf_free(&b);
    pk_scan_agg_free(a);
}

static void
test_summary(void **state)
{
    (void)state;
    struct pk_scan_run run = {.ports = &ports, .hosts = 2, .seed = 7, .interrupted = "SIGINT"};
    run.st.total = 204;
    run.st.done = 50;
    run.st.states[PK_PORT_CLOSED] = 50;
    run.st.probes = 50;
    run.st.elapsed = 1.5;
    struct pk_buf b;
    pk_buf_init(&b, 1u << 16);
    struct pk_out o = {.b = &b, .reg = pk_registry_builtin()};
    pk_out_scan_summary_json(&o, &run);
    pk_buf_putc(&b, '\n');
    assert_true(has(&b, "\"pairs\":204,\"done\":50,"));
    assert_true(has(&b, "\"interrupted\":true}}\n"));
    validate(&b, "scan-summary");
    pk_buf_reset(&b);
    pk_out_scan_summary_text(&o, &run);
    assert_string_equal(b.data, "interrupted by SIGINT: scanned 2 hosts, 50 of 204 ports in 1.50 "
                                "s: 0 open, 50 closed, 0 filtered; 50 probes, 0 retransmitted, "
                                "observed loss 0.0%\n");
    pk_buf_reset(&b);
    run.hosts_reported = 1;
    pk_out_nmap_xml_end(&o, &run);
    assert_true(has(&b, "exit=\"error\" errormsg=\"Interrupted by SIGINT after 50 of 204 "
                        "ports\"/><hosts up=\"1\" down=\"0\" total=\"1\"/>"));
    pk_buf_free(&b);
}

/* The report writes host 1 to XML and text when its last result comes, before the end; an
 * interrupted end adds host 0, which has results, and marks every output. */
static void
test_report(void **state)
{
    (void)state;
    struct pk_scan_report *r;
    struct pk_scan_report_opts ro = {.targets = targets, .ports = &ports, .version = "test"};
    assert_int_equal(pk_scan_report_new(&ro, &r), 0);
    struct pk_buf xml, text, json;
    pk_buf_init(&xml, 1u << 20);
    pk_buf_init(&text, 1u << 20);
    pk_buf_init(&json, 1u << 20);
    const struct pk_registry *reg = pk_registry_builtin();
    struct pk_out ox = {.b = &xml, .reg = reg}, ot = {.b = &text, .reg = reg},
                  oj = {.b = &json, .reg = reg};
    assert_int_equal(pk_scan_report_output(r, PK_SCAN_XML, &ox), 0);
    assert_int_equal(pk_scan_report_output(r, PK_SCAN_TEXT, &ot), 0);
    assert_int_equal(pk_scan_report_output(r, PK_SCAN_JSON, &oj), 0);
    assert_int_equal(pk_scan_report_begin(r), 0);
    assert_true(has(&xml, "<scaninfo type=\"connect\" protocol=\"tcp\" numservices=\"102\" "
                          "services=\"22,42,1000-1099\"/>"));
    struct pk_target tg;
    struct pk_scan_result res = result(0, 22, PK_PORT_CLOSED, &tg);
    assert_int_equal(pk_scan_report_add(r, &res), 0);
    for (unsigned p = 0; p <= PK_PORT_MAX; p++) {
        if (!pk_portset_has(&ports, PK_TCP, p))
            continue;
        assert_false(has(&xml, "198.18.0.2"));
        res = result(1, p, p == 1050 ? PK_PORT_OPEN : PK_PORT_CLOSED, &tg);
        assert_int_equal(pk_scan_report_add(r, &res), 0);
    }
    assert_true(has(&xml, "<address addr=\"198.18.0.2\" addrtype=\"ipv4\"/>"));
    assert_true(has(&text, "scan report for 198.18.0.2\n"));
    assert_false(has(&xml, "198.18.0.1"));
    assert_int_equal(pk_scan_report_open(r), 1);
    struct pk_scan_stats st = {.total = 204, .done = 103};
    assert_int_equal(pk_scan_report_end(r, &st, "SIGTERM"), 0);
    assert_true(has(&xml, "<address addr=\"198.18.0.1\" addrtype=\"ipv4\"/>"));
    assert_true(has(&xml, "<hosts up=\"2\" down=\"0\" total=\"2\"/>\n</runstats>\n</nmaprun>\n"));
    assert_true(has(&text, "interrupted by SIGTERM: scanned 2 hosts, 103 of 204 ports"));
    assert_true(has(&json, "\"interrupted\":true}}\n"));
    const char *last = json.data + json.len - 1;
    while (last > json.data && last[-1] != '\n')
        last--;
    assert_true(strncmp(last, "{\"summary\":", 11) == 0);
    pk_scan_report_free(r);
    pk_buf_free(&xml);
    pk_buf_free(&text);
    pk_buf_free(&json);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_report),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
