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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_file),
        cmocka_unit_test(test_damage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
