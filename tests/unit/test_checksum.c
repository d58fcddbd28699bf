/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The image checksum's two forms agree: lib/registry/image.c compiled again here without
 * SSE2 (its portable lanes) gives the same sum as the library's SSE2 form, for images of
 * every length around the stripe and block sizes and for random data, so that an image
 * written on one machine verifies on another of the same byte order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

/* The portable form, under other names. */
#define pk__image_sum portable_image_sum
#define pk__image_view portable_image_view
#define pk_registry_from_image portable_registry_from_image
#define pk_registry_open portable_registry_open
#define pk_registry_close portable_registry_close
#define pk_registry_info portable_registry_info
#undef __SSE2__
#include "image.c"
#undef pk__image_sum

uint64_t pk__image_sum(const void *image, size_t n);

static void
test_same_sums(void **state)
{
    (void)state;
    size_t max = 70000;
    unsigned char *b = malloc(max);
    assert_non_null(b);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < max; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b[i] = (unsigned char)x;
    }
    for (size_t n = 0; n <= 4200; n++)
        assert_true(pk__image_sum(b, n) == portable_image_sum(b, n));
    for (size_t n = 4200; n <= max; n += 997)
        assert_true(pk__image_sum(b, n) == portable_image_sum(b, n));
    /* A flipped bit anywhere changes the sum, but in the checksum field. */
    uint64_t s = pk__image_sum(b, 4096);
    for (size_t i = 0; i < 4096; i++) {
        b[i] ^= 0x10;
        if (i < 24 || i >= 32)
            assert_true(pk__image_sum(b, 4096) != s);
        else
            assert_true(pk__image_sum(b, 4096) == s);
        b[i] ^= 0x10;
    }
    free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_same_sums)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
