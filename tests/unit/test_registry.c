/* SPDX-License-Identifier: BSD-2-Clause */
/* Lookups in the built-in registry: several assignments, ranges, status, names, search. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "portkit/error.h"
#include "portkit/registry.h"

static const struct pk_registry *reg;

/* Collects the service names at (port, proto), space-separated, in registry order. */
static const char *
names_at(unsigned port, unsigned proto)
{
    static char buf[1024];
    struct pk_cursor c;
    struct pk_record r;
    size_t len = 0;
    buf[0] = '\0';
    assert_true(pk_lookup(reg, port, proto, &c) >= 0);
    while (pk_cursor_next(&c, &r))
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? " " : "",
                                *r.service ? r.service : "-");
    return buf;
}

static void
test_multi_assignment(void **state)
{
    (void)state;
    assert_string_equal(names_at(80, PK_TCP), "http www www-http");
    assert_string_equal(names_at(80, PK_UDP), "http www www-http");
    assert_string_equal(names_at(80, PK_SCTP), "http");
    assert_string_equal(names_at(22, PK_TCP), "ssh");
    assert_string_equal(names_at(80, PK_DCCP), "");
}

static void
test_ranges(void **state)
{
    (void)state;
    assert_string_equal(names_at(6000, PK_TCP), "x11");
    assert_string_equal(names_at(6001, PK_TCP), "x11");
    assert_string_equal(names_at(6063, PK_UDP), "x11");
    assert_string_not_equal(names_at(6064, PK_TCP), "x11");
    struct pk_cursor c;
    struct pk_record r;
    assert_int_equal(pk_lookup(reg, 6001, PK_TCP, &c), 1);
    assert_true(pk_cursor_next(&c, &r));
    assert_int_equal(r.port_lo, 6000);
    assert_int_equal(r.port_hi, 6063);
    assert_true(r.flags & PK_REC_RANGE);
    assert_string_equal(r.description, "X Window System");
    assert_false(pk_cursor_next(&c, &r));
}

static void
test_status(void **state)
{
    (void)state;
    assert_int_equal(pk_status_of(reg, 0, PK_TCP), PK_RESERVED);
    assert_int_equal(pk_status_of(reg, 22, PK_TCP), PK_ASSIGNED);
    assert_int_equal(pk_status_of(reg, 721, PK_TCP), PK_UNASSIGNED);
    assert_int_equal(pk_status_of(reg, 793, PK_UDP), PK_UNASSIGNED);
    assert_int_equal(pk_status_of(reg, 1023, PK_TCP), PK_RESERVED);
    assert_int_equal(pk_status_of(reg, 50000, PK_TCP), PK_UNASSIGNED);
    assert_int_equal(pk_status_of(reg, 65535, PK_DCCP), PK_UNASSIGNED);
    /* 793 sits in IANA's unassigned block 788-799, which is kept as a record. */
    struct pk_cursor c;
    struct pk_record r;
    assert_int_equal(pk_lookup(reg, 793, PK_TCP, &c), 1);
    assert_true(pk_cursor_next(&c, &r));
    assert_int_equal(r.status, PK_UNASSIGNED);
    assert_int_equal(r.port_lo, 788);
    assert_int_equal(r.port_hi, 799);
    assert_non_null(strstr(r.unauthorized, "796"));
}

static void
test_bad_lookups(void **state)
{
    (void)state;
    struct pk_cursor c;
    assert_int_equal(pk_lookup(reg, 65536, PK_TCP, &c), PK_EINVAL);
    assert_int_equal(pk_lookup(reg, 80, PK_TCP | PK_UDP, &c), PK_EINVAL);
    assert_int_equal(pk_lookup(reg, 80, 0, &c), PK_EINVAL);
    struct pk_record r;
    assert_int_equal(pk_record_get(reg, (uint32_t)pk_registry_count(reg), &r), PK_ENOENT);
    assert_string_equal(pk_strerror(PK_ENOENT), "not found");
    assert_string_equal(pk_errname(PK_EPROTONOSUPPORT), "EPROTONOSUPPORT");
}

static void
test_names(void **state)
{
    (void)state;
    struct pk_cursor c;
    struct pk_record r;
    bool tcp22 = false;
    assert_true(pk_name_lookup(reg, "SSH", &c) >= 3);
    while (pk_cursor_next(&c, &r)) {
        assert_int_equal(strcmp(r.service, "ssh"), 0);
        if (r.port_lo == 22 && r.proto == PK_TCP)
            tcp22 = true;
    }
    assert_true(tcp22);
    /* Aliases: www finds port 80. */
    assert_true(pk_name_lookup(reg, "www", &c) >= 2);
    assert_true(pk_cursor_next(&c, &r));
    assert_int_equal(r.port_lo, 80);
    /* A DNS-SD service name without a port. */
    assert_int_equal(pk_name_lookup(reg, "arp", &c), 1);
    assert_true(pk_cursor_next(&c, &r));
    assert_true(r.flags & PK_REC_NOPORT);
    assert_string_equal(r.description, "Address Resolution Protocol");
    assert_int_equal(pk_name_lookup(reg, "no-such-service-name", &c), 0);
    assert_int_equal(pk_name_lookup(reg, "", &c), 0);
}

static void
test_search_ranking(void **state)
{
    (void)state;
    struct pk_hit hits[64];
    const char *printer[] = {"Printer"};
    int n = pk_search(reg, printer, 1, hits, 64);
    assert_true(n > 5);
    /* The exact name comes first: printer on 515. */
    struct pk_record r;
    assert_false(hits[0].is_note);
    pk_record_get(reg, hits[0].id, &r);
    assert_string_equal(r.service, "printer");
    assert_int_equal(r.port_lo, 515);
    /* Scores never increase down the list; a name match ranks above a description match. */
    for (int i = 1; i < (n < 64 ? n : 64); i++)
        assert_true(hits[i - 1].score >= hits[i].score);
    bool seen_desc_only = false;
    for (int i = 0; i < (n < 64 ? n : 64); i++) {
        if (hits[i].is_note)
            continue;
        pk_record_get(reg, hits[i].id, &r);
        bool in_name = strstr(r.service, "printer") != NULL;
        if (!in_name)
            seen_desc_only = true;
        else
            assert_false(seen_desc_only);
    }
    assert_true(seen_desc_only);

    /* All terms must match. */
    const char *two[] = {"secure", "shell"};
    n = pk_search(reg, two, 2, hits, 64);
    assert_true(n >= 1);
    for (int i = 0; i < (n < 64 ? n : 64); i++) {
        if (hits[i].is_note)
            continue;
        pk_record_get(reg, hits[i].id, &r);
        char all[4096];
        snprintf(all, sizeof(all), "%s %s %s", r.service, r.description, r.notes);
        for (char *p = all; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        assert_non_null(strstr(all, "secure"));
        assert_non_null(strstr(all, "shell"));
    }
    const char *none[] = {"zzzqqqxxy"};
    assert_int_equal(pk_search(reg, none, 1, hits, 64), 0);
    const char *empty[] = {""};
    assert_int_equal(pk_search(reg, empty, 1, hits, 64), PK_EINVAL);
    assert_int_equal(pk_search(reg, printer, 0, hits, 64), PK_EINVAL);
    /* max 0 still counts. */
    assert_true(pk_search(reg, printer, 1, hits, 0) > 5);
}

static int
collect_note(const struct pk_note *n, void *arg)
{
    int *kinds = arg;
    kinds[n->kind]++;
    assert_true(n->port_lo <= 721 && n->port_hi >= 721);
    assert_true(strlen(n->text) >= 10);
    return 0;
}

static void
test_notes(void **state)
{
    (void)state;
    assert_true(pk_registry_note_count(reg) >= 1);
    int kinds[3] = {0};
    assert_int_equal(pk_notes_for(reg, 721, 721, PK_PROTO_ALL, collect_note, kinds), 0);
    assert_true(kinds[PK_NOTE_HISTORICAL] >= 1); /* Windows NT 3.5 printing */
    struct pk_note n;
    assert_int_equal(pk_note_get(reg, (uint32_t)pk_registry_note_count(reg), &n), PK_ENOENT);
}

static void
test_names_of_enums(void **state)
{
    (void)state;
    assert_int_equal(pk_range_class_of(0), PK_RANGE_SYSTEM);
    assert_int_equal(pk_range_class_of(1023), PK_RANGE_SYSTEM);
    assert_int_equal(pk_range_class_of(1024), PK_RANGE_USER);
    assert_int_equal(pk_range_class_of(49151), PK_RANGE_USER);
    assert_int_equal(pk_range_class_of(49152), PK_RANGE_DYNAMIC);
    assert_int_equal(pk_range_class_of(65535), PK_RANGE_DYNAMIC);
    assert_string_equal(pk_range_class_name(PK_RANGE_USER), "user");
    assert_string_equal(pk_proto_name(PK_SCTP), "sctp");
    assert_null(pk_proto_name(PK_TCP | PK_UDP));
    assert_int_equal(pk_proto_from_name("DCCP", 4), PK_DCCP);
    assert_int_equal(pk_proto_from_name("tc", 2), 0);
    assert_string_equal(pk_status_name(PK_RESERVED), "reserved");
    assert_string_equal(pk_note_kind_name(PK_NOTE_ABUSE), "abuse");
}

int
main(void)
{
    reg = pk_registry_builtin();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multi_assignment),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_bad_lookups),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_search_ranking),
        cmocka_unit_test(test_notes),
        cmocka_unit_test(test_names_of_enums),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
