/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Registry images: the image built from the project's data (lib/registry.img in the build
 * tree) opens, answers every lookup exactly as the built-in tables do, and any damage -- a
 * flipped byte anywhere, a truncation, a wrong size field -- is refused with a reason.
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
#include "portkit/error.h"
#include "portkit/registry.h"

static char path[4096];
static unsigned char *img;
static size_t len;

static int
setup(void **state)
{
    (void)state;
    const char *b = getenv("PK_BUILD");
    snprintf(path, sizeof(path), "%s/lib/registry.img", b ? b : ".");
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    len = (size_t)ftell(f);
    rewind(f);
    img = aligned_alloc(8, (len + 7) & ~(size_t)7);
    if (!img || fread(img, 1, len, f) != len)
        return -1;
    fclose(f);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    free(img);
    return 0;
}

/* Compares every (port, protocol) lookup and every note list of a and b. */
static void
same_answers(const struct pk_registry *a, const struct pk_registry *b)
{
    assert_int_equal(pk_registry_count(a), pk_registry_count(b));
    assert_int_equal(pk_registry_note_count(a), pk_registry_note_count(b));
    for (unsigned port = 0; port <= PK_PORT_MAX; port++) {
        for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1) {
            struct pk_cursor ca, cb;
            struct pk_record ra, rb;
            assert_int_equal(pk_lookup(a, port, p, &ca), pk_lookup(b, port, p, &cb));
            while (pk_cursor_next(&ca, &ra)) {
                assert_true(pk_cursor_next(&cb, &rb));
                assert_int_equal(ra.id, rb.id);
                assert_string_equal(ra.service, rb.service);
                assert_string_equal(ra.description, rb.description);
                assert_string_equal(ra.notes, rb.notes);
            }
        }
        struct pk_note na[64], nb[64];
        int n = pk_port_notes(a, port, PK_PROTO_ALL, na, 64);
        assert_int_equal(n, pk_port_notes(b, port, PK_PROTO_ALL, nb, 64));
        for (int i = 0; i < n && i < 64; i++)
            assert_string_equal(na[i].text, nb[i].text);
    }
    struct pk_cursor ca, cb;
    assert_int_equal(pk_name_lookup(a, "http", &ca), pk_name_lookup(b, "http", &cb));
    const char *terms[] = {"printer"};
    struct pk_hit ha[20], hb[20];
    assert_int_equal(pk_search(a, terms, 1, ha, 20), pk_search(b, terms, 1, hb, 20));
    assert_memory_equal(ha, hb, sizeof(ha));
}

/* The image file opens (mapped) and is the built-in registry in another form. */
static void
test_open_file(void **state)
{
    (void)state;
    const struct pk_registry *reg;
    const char *why = NULL;
    assert_int_equal(pk_registry_open(path, &reg, &why), 0);
    same_answers(reg, pk_registry_builtin());
    struct pk_registry_info ia, ib;
    pk_registry_info(reg, &ia);
    pk_registry_info(pk_registry_builtin(), &ib);
    assert_false(ia.builtin);
    assert_true(ib.builtin);
    assert_int_equal(ia.format, PK__IMAGE_VERSION);
    assert_string_equal(ia.source, ib.source);
    assert_true(strstr(ia.source, "port-numbers") != NULL);
    pk_registry_close(reg);
    pk_registry_close(pk_registry_builtin()); /* ignored */
    assert_int_equal(pk_registry_open("/nonexistent/registry.img", &reg, &why), -ENOENT);
}

/* Every damaged copy is refused; none opens. */
static void
test_damage(void **state)
{
    (void)state;
    unsigned char *copy = aligned_alloc(8, (len + 7) & ~(size_t)7);
    const struct pk_registry *reg;
    const char *why = NULL;
    assert_non_null(copy);
    memcpy(copy, img, len);
    assert_int_equal(pk_registry_from_image(copy, len, &reg, &why), 0);
    pk_registry_close(reg);
    /* A flipped bit in each of 2,000 places spread over the image. */
    for (size_t k = 0; k < 2000; k++) {
        size_t at = k * (len / 2000);
        copy[at] ^= 0x10;
        why = NULL;
        assert_int_equal(pk_registry_from_image(copy, len, &reg, &why), PK_EBADMSG);
        assert_non_null(why);
        copy[at] ^= 0x10;
    }
    /* Truncations, and bytes past the end. */
    size_t cuts[] = {
        0,       1,       8,      sizeof(struct pk__image_hdr) - 1, sizeof(struct pk__image_hdr),
        len / 2, len - 8, len - 1};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
        assert_int_equal(pk_registry_from_image(copy, cuts[i], &reg, &why), PK_EBADMSG);
    /* A header that lies about a count but carries a recomputed checksum: the bounds checks,
     * not the checksum, must catch it. */
    struct pk__image_hdr h;
    memcpy(&h, copy, sizeof(h));
    h.nrecs += 1;
    memcpy(copy, &h, sizeof(h));
    h.checksum = pk__image_sum(copy, len);
    memcpy(copy, &h, sizeof(h));
    assert_int_equal(pk_registry_from_image(copy, len, &reg, &why), PK_EBADMSG);
    assert_string_equal(why, "a section lies outside the image or has the wrong size");
    /* A record id past the end in the index, checksum recomputed. */
    memcpy(copy, img, len);
    memcpy(&h, copy, sizeof(h));
    uint32_t big = 0xffffff;
    memcpy(copy + h.sec[PK__SEC_REFS].off, &big, 4);
    h.checksum = pk__image_sum(copy, len);
    memcpy(copy, &h, sizeof(h));
    assert_int_equal(pk_registry_from_image(copy, len, &reg, &why), PK_EBADMSG);
    assert_string_equal(why, "an index entry names no record");
    free(copy);
}

/* pk_notes_for() callback: copies each note into the collect struct of test_port_notes_order. */
static int
collect_note(const struct pk_note *note, void *arg)
{
    struct {
        struct pk_note *out;
        int n;
    } *c = arg;
    if (c->n < 64)
        c->out[c->n++] = *note;
    return 0;
}

/* A port's notes come narrowest first, then by first port, then in the order given, however
 * many there are: 40 narrow notes over port 300 (past the iterator's list of 32), notes
 * that end before it or start after it, and two wide ones. */
static void
test_port_notes_order(void **state)
{
    (void)state;
    static const char *const e[PK__S_COUNT] = {"x", "x", "", "", "", "", "", "", "", "", ""};
    struct pk__build_rec rec = {.lo = 300, .hi = 300, .proto = PK_TCP, .status = PK_ASSIGNED};
    memcpy(rec.str, e, sizeof(e));
    struct pk__build_note notes[46];
    char text[46][16];
    size_t n = 0;
    for (unsigned i = 0; i < 40; i++, n++) {
        /* widths 0-9, four of each, starting before or at 300 */
        unsigned w = (i * 7) % 10, lo = 300 - (i % 4) * (w / 4);
        snprintf(text[n], sizeof(text[n]), "n%u", i);
        notes[n] = (struct pk__build_note){text[n], "test", lo, lo + w, PK_TCP, PK_NOTE_UNOFFICIAL};
    }
    static const unsigned other[6][2] = {{100, 299}, {301, 320}, {290, 299}, {0, 65535},
                                         {200, 40000}, {299, 299}};
    for (unsigned i = 0; i < 6; i++, n++) {
        snprintf(text[n], sizeof(text[n]), "o%u", i);
        notes[n] = (struct pk__build_note){text[n], "test", other[i][0], other[i][1], PK_TCP,
                                           PK_NOTE_UNOFFICIAL};
    }
    void *image;
    size_t ilen;
    assert_int_equal(pk__registry_build(&rec, 1, notes, n, NULL, 0, NULL, &image, &ilen), 0);
    const struct pk_registry *reg;
    const char *why = "";
    assert_int_equal(pk_registry_from_image(image, ilen, &reg, &why), 0);
    struct pk_note got[64];
    int k = pk_port_notes(reg, 300, PK_PROTO_ALL, got, 64);
    /* The 40 narrow ones, then 200-40000, then 0-65535. */
    assert_int_equal(k, 42);
    for (int i = 1; i < 40; i++) {
        unsigned wa = got[i - 1].port_hi - got[i - 1].port_lo, wb = got[i].port_hi - got[i].port_lo;
        assert_true(wa < wb || (wa == wb && got[i - 1].port_lo <= got[i].port_lo));
        if (wa == wb && got[i - 1].port_lo == got[i].port_lo) /* the order given: n<i> by i */
            assert_true(atoi(got[i - 1].text + 1) < atoi(got[i].text + 1));
        assert_true(got[i].text[0] == 'n');
    }
    assert_string_equal(got[40].text, "o4");
    assert_string_equal(got[41].text, "o3");
    /* pk_notes_for() on the port says the same, in the same order. */
    struct collect {
        struct pk_note *out;
        int n;
    } c = {calloc(64, sizeof(struct pk_note)), 0};
    assert_non_null(c.out);
    assert_int_equal(pk_notes_for(reg, 300, 300, PK_PROTO_ALL, collect_note, &c), 0);
    assert_int_equal(c.n, 42);
    for (int i = 0; i < 42; i++)
        assert_string_equal(c.out[i].text, got[i].text);
    /* 299 has 299-299 first; 301 has 301-320 among its own. */
    k = pk_port_notes(reg, 299, PK_PROTO_ALL, got, 64);
    assert_true(k > 0);
    assert_string_equal(got[0].text, "o5");
    free(c.out);
    pk_registry_close(reg);
    free(image);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_file),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_port_notes_order),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
