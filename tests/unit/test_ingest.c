/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IANA's CSV and XML readers (lib/ingest) on the fixtures in tests/fixtures/iana: every quirk
 * of IANA's files is read as IANA means it (CRLF record ends with bare LF inside quotes,
 * doubled quotes, ranges, no protocol, names without a port, non-ASCII text, the people of
 * the XML), and every malformed file is refused with the line and the reason. A registry
 * built from what they read verifies, and keeps the project's notes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "build.h"
#include "image.h"
#include "ingest.h"
#include "portkit/error.h"
#include "portkit/registry.h"

static char last_msg[256];
static unsigned last_line;

static void
on_err(void *arg, unsigned line, const char *msg)
{
    (void)arg;
    last_line = line;
    snprintf(last_msg, sizeof(last_msg), "%s", msg);
}

/* Reads fixture name into a NUL-terminated, 8-byte aligned buffer. */
static char *
fixture(const char *name, size_t *len)
{
    char path[4096];
    const char *src = getenv("PK_SRC");
    snprintf(path, sizeof(path), "%s/tests/fixtures/iana/%s", src ? src : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    char *buf = aligned_alloc(8, (*len + 8) & ~(size_t)7);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, *len, f), *len);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* Reads fixture name as a source. Returns the reader's value; *buf must be freed. */
static int
read_fixture(const char *name, char **buf, struct pk__source *s)
{
    size_t len;
    *buf = fixture(name, &len);
    last_msg[0] = '\0';
    last_line = 0;
    return pk__source_read(*buf, len, on_err, NULL, s);
}

/* The record of s named svc on port (first match). */
static const struct pk__build_rec *
find(const struct pk__source *s, const char *svc, unsigned port)
{
    for (size_t i = 0; i < s->nrecs; i++)
        if (strcmp(s->recs[i].str[PK__S_SERVICE], svc) == 0 && s->recs[i].lo == port)
            return &s->recs[i];
    fail_msg("no record %s on %u", svc, port);
    return NULL;
}

/* The quirks of IANA's CSV, in the fixture named by *state. */
static void
test_csv(void **state)
{
    const char *name = *state;
    char *buf;
    struct pk__source s;
    assert_int_equal(read_fixture(name, &buf, &s), 0);
    assert_int_equal(s.kind, PK__SOURCE_CSV);
    assert_int_equal(s.nrecs, 11);
    assert_string_equal(s.date, "2026-02-13"); /* the newest registration or modification */
    const struct pk__build_rec *r = find(&s, "whoispp", 63);
    assert_string_equal(r->str[PK__S_DESCRIPTION],
                        "whois++\nIANA assigned this well-formed service name as a replacement "
                        "for \"whois++\".");
    r = find(&s, "", 788);
    assert_int_equal(r->hi, 799);
    assert_int_equal(r->proto, 0);
    assert_true(r->flags & PK_REC_RANGE);
    assert_int_equal(r->status, PK_UNASSIGNED);
    assert_string_equal(r->str[PK__S_UNAUTHORIZED], "Unauthorized Use Known on port 796");
    r = find(&s, "recipe-sharing", 0);
    assert_true(r->flags & PK_REC_NOPORT);
    assert_int_equal(r->proto, PK_TCP);
    r = find(&s, "hnm", 6791);
    assert_string_equal(r->str[PK__S_CONTACT], "[Henri\xc3\xabt_Wilkinson]");
    r = find(&s, "", 0);
    assert_int_equal(r->status, PK_RESERVED);
    assert_string_equal(r->str[PK__S_AS_OF], "");
    assert_int_equal(find(&s, "", 1008)->status, PK_UNASSIGNED);
    r = find(&s, "quoted-name", 2026);
    assert_int_equal(r->proto, PK_SCTP);
    assert_string_equal(r->str[PK__S_DESCRIPTION], "All, quoted");
    assert_string_equal(find(&s, "discard", 9)->str[PK__S_SERVICE_CODE], "1145656131");
    assert_string_equal(find(&s, "ftp", 21)->str[PK__S_NOTES],
                        "Defined TXT keys: u=<username> p=<password> path=<path>");
    pk__source_free(&s);
    free(buf);
}

static const struct {
    const char *file;
    unsigned line;   /* where the error is reported */
    const char *msg; /* a part of the message */
} bad_files[] = {
    {"bad-unterminated.csv", 3, "never closed"},
    {"bad-after-quote.csv", 3, "text after its closing quote"},
    {"bad-quote-inside.csv", 3, "a quote inside a field that is not quoted"},
    {"bad-11-fields.csv", 3, "11 fields, not 12"},
    {"bad-13-fields.csv", 3, "more than 12 fields"},
    {"bad-bare-cr.csv", 3, "a CR that does not end the record"},
    {"bad-no-final-newline.csv", 3, "no line end"},
    {"bad-port.csv", 3, "bad port number '021'"},
    {"bad-port-range.csv", 3, "bad port number '30-20'"},
    {"bad-port-big.csv", 3, "bad port number '65536'"},
    {"bad-proto.csv", 3, "unknown protocol 'TCP'"},
    {"bad-date.csv", 3, "a date is not"},
    {"bad-noname-noport.csv", 3, "a service name or a port"},
    {"bad-control.csv", 3, "description: control character"},
    {"bad-blank-line.csv", 3, "1 fields, not 12"},
    {"bad-mixed-ends.csv", 2, "records end with CRLF"},
    {"bad-lf-in-crlf.csv", 2, "records end with CRLF"},
    {"bad-latin1.csv", 2, "invalid UTF-8"},
    {"bad-nul.csv", 0, "NUL"},
    {"bad-header.csv", 1, "column 11 is 'Known Unauthorized Uses'"},
    {"bad-empty.csv", 0, "neither IANA's CSV"},
    {"bad-entities.xml", 2, "DOCTYPE"},
    {"bad-external.xml", 2, "DOCTYPE"},
    {"bad-external-entity.xml", 2, "DOCTYPE"},
    {"bad-undefined-entity.xml", 8, "undefined entity"},
    {"bad-root.xml", 2, "not IANA's service name and port number registry"},
    {"bad-namespace.xml", 2, "not IANA's service name and port number registry"},
    {"bad-truncated.xml", 0, ""},
    {"bad-port.xml", 8, "bad port number '70000'"},
    {"bad-deep.xml", 8, "nested too deep"},
    {"bad-control.xml", 8, "description: control character"},
};

static void
test_bad_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
        char *buf;
        struct pk__source s;
        int rc = read_fixture(bad_files[i].file, &buf, &s);
        if (rc != PK_EBADMSG)
            fail_msg("%s: read gave %d, not PK_EBADMSG", bad_files[i].file, rc);
        if (!strstr(last_msg, bad_files[i].msg) ||
            (bad_files[i].line && last_line != bad_files[i].line))
            fail_msg("%s: line %u: '%s', expected line %u: '%s'", bad_files[i].file, last_line,
                     last_msg, bad_files[i].line, bad_files[i].msg);
        free(buf);
    }
}

/* A field or a file past its limit is refused, not read. */
static void
test_csv_limits(void **state)
{
    (void)state;
    static const char head[] = "Service Name,Port Number,Transport Protocol,Description,"
                               "Assignee,Contact,Registration Date,Modification Date,Reference,"
                               "Service Code,Unauthorized Use Reported,Assignment Notes\r\n";
    size_t n = sizeof(head) - 1 + PK__FIELD_MAX + 64;
    char *buf = malloc(n + 1);
    assert_non_null(buf);
    memcpy(buf, head, sizeof(head) - 1);
    size_t at = sizeof(head) - 1;
    memcpy(buf + at, "a,1,tcp,", 8);
    at += 8;
    memset(buf + at, 'x', PK__FIELD_MAX + 1);
    at += PK__FIELD_MAX + 1;
    memcpy(buf + at, ",,,,,,,,\r\n", 10);
    at += 10;
    buf[at] = '\0';
    struct pk__source s;
    assert_int_equal(pk__csv_read(buf, at, on_err, NULL, &s), PK_EBADMSG);
    assert_non_null(strstr(last_msg, "field 4 is longer than"));
    assert_int_equal(pk__csv_read(buf, PK__SOURCE_MAX + 1, on_err, NULL, &s), PK_ERANGE);
    free(buf);
}

/* IANA's XML, in the fixture named by *state. */
static void
test_xml(void **state)
{
    const char *name = *state;
    char *buf;
    struct pk__source s;
    assert_int_equal(read_fixture(name, &buf, &s), 0);
    assert_int_equal(s.kind, PK__SOURCE_XML);
    assert_int_equal(s.nrecs, 10); /* the nested registry's record is not the root's */
    assert_string_equal(s.date, "2024-03-18");
    const struct pk__build_rec *r = find(&s, "", 0);
    assert_string_equal(r->str[PK__S_ASSIGNEE], "Jon Postel");
    assert_string_equal(r->str[PK__S_CONTACT], "Jon Postel");
    assert_int_equal(r->status, PK_RESERVED);
    r = find(&s, "smtp", 25);
    assert_string_equal(r->str[PK__S_ASSIGNEE], "Internet Engineering Steering Group");
    assert_string_equal(r->str[PK__S_CONTACT], "IETF Chair");
    assert_string_equal(r->str[PK__S_REFERENCE], "[RFC5321]");
    assert_string_equal(r->str[PK__S_MODIFIED], "2017-06-05");
    r = find(&s, "whoispp", 63);
    assert_string_equal(r->str[PK__S_DESCRIPTION],
                        "whois++\nIANA assigned this well-formed service name as a replacement "
                        "for \"whois++\".");
    assert_string_equal(find(&s, "ftp", 21)->str[PK__S_NOTES],
                        "Defined TXT keys: u=<username> p=<password> path=<path>");
    assert_string_equal(find(&s, "exp1", 1021)->str[PK__S_REFERENCE], "[1][RFC4727]");
    r = find(&s, "", 788);
    assert_int_equal(r->hi, 799);
    assert_int_equal(r->proto, 0);
    assert_string_equal(r->str[PK__S_UNAUTHORIZED], "Unauthorized Use Known on port 796");
    r = find(&s, "pon-ictp", 7202);
    assert_string_equal(r->str[PK__S_REFERENCE], "[TR-352][draft-ietf-rift-rift-16][n/a]");
    assert_string_equal(r->str[PK__S_REGISTERED], "2017-02-22");
    r = find(&s, "recipe-sharing", 0);
    assert_true(r->flags & PK_REC_NOPORT);
    assert_string_equal(r->str[PK__S_NOTES], "Defined TXT keys: "
                                             "[http://www.recipemanager.org/rsp/"
                                             "rsp10draft.html#dnssd]");
    assert_string_equal(r->str[PK__S_CONTACT], "Daniel G. Taylor");
    assert_string_equal(find(&s, "discard", 9)->str[PK__S_SERVICE_CODE], "1145656131");
    r = find(&s, "hnm", 6791);
    /* A person the file does not name stays as the CSV writes it. */
    assert_string_equal(r->str[PK__S_CONTACT], "Henri\xc3\xabt Wilkinson, [Nobody_Listed]");
    assert_string_equal(r->str[PK__S_ASSIGNEE], "Fortra");
    pk__source_free(&s);
    free(buf);
}

/* An <updated> that is not a date is not taken for IANA's date: the records' newest is. */
static void
test_xml_updated(void **state)
{
    (void)state;
    static const char doc[] =
        "<registry xmlns=\"http://www.iana.org/assignments\" id=\"service-names-port-numbers\">"
        "<updated>soon</updated><record date=\"2020-05-01\" updated=\"2021-06\">"
        "<name>a</name><protocol>tcp</protocol><description>A</description><number>1</number>"
        "</record></registry>";
    struct pk__source s;
    assert_int_equal(pk__xml_read(doc, sizeof(doc) - 1, on_err, NULL, &s), 0);
    assert_string_equal(s.date, "2021-06");
    pk__source_free(&s);
}

/* What the readers give builds a registry that verifies and keeps the built-in notes. */
static void
test_build(void **state)
{
    (void)state;
    char *buf;
    struct pk__source s;
    assert_int_equal(read_fixture("good-crlf.csv", &buf, &s), 0);
    struct pk__build_note *notes;
    struct pk__build_prior *prior;
    size_t nn, np;
    const struct pk_registry *bi = pk_registry_builtin();
    assert_int_equal(pk__ingest_notes_of(bi, &notes, &nn, &prior, &np), 0);
    assert_int_equal(nn, pk_registry_note_count(bi));
    struct pk__build_meta meta = {"test", s.date, ""};
    void *img;
    size_t len;
    assert_int_equal(pk__registry_build(s.recs, s.nrecs, notes, nn, prior, np, &meta, &img, &len),
                     0);
    const struct pk_registry *reg;
    const char *why = "";
    assert_int_equal(pk_registry_from_image(img, len, &reg, &why), 0);
    assert_int_equal(pk_registry_count(reg), 11);
    assert_int_equal(pk_registry_note_count(reg), nn);
    assert_string_equal(pk_service_name(reg, 6001, PK_TCP), "x11");
    assert_int_equal(pk_port_prior(reg, 22, PK_TCP), pk_port_prior(bi, 22, PK_TCP));
    struct pk_registry_info info;
    pk_registry_info(reg, &info);
    assert_string_equal(info.date, "2026-02-13");
    pk_registry_close(reg);
    free(img);
    free(notes);
    free(prior);
    pk__source_free(&s);
    free(buf);
}

static char crlf[] = "good-crlf.csv", lf[] = "good-lf.csv", bom[] = "good-bom.csv",
            xml[] = "good.xml", latin1[] = "good-latin1.xml";

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(test_csv, crlf),
        cmocka_unit_test_prestate(test_csv, lf),
        cmocka_unit_test_prestate(test_csv, bom),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_csv_limits),
        cmocka_unit_test_prestate(test_xml, xml),
        cmocka_unit_test_prestate(test_xml, latin1),
        cmocka_unit_test(test_xml_updated),
        cmocka_unit_test(test_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
