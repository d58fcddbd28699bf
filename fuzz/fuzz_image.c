/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the registry image verifier: garbage, truncations and damaged copies
 * of a real image (the seed, small.img, is what `portkit update --force --from
 * tests/fixtures/iana/good-crlf.csv` writes in an empty PORTKIT_DATA_DIR) either are refused
 * with a reason or, when accepted, answer every lookup without reading outside the image.
 * The checksum is recomputed on a copy so that the fuzzer reaches the bounds checks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "portkit/error.h"
#include "portkit/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise(const struct pk_registry *reg)
{
    struct pk_cursor c;
    struct pk_record r;
    struct pk_note notes[8];
    static const unsigned ports[] = {0, 1, 22, 80, 443, 793, 6001, 49151, 65535};
    for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1) {
            pk_lookup(reg, ports[i], p, &c);
            while (pk_cursor_next(&c, &r))
                if (strlen(r.service) + strlen(r.description) + strlen(r.notes) > (1u << 28))
                    abort();
            pk_status_of(reg, ports[i], p);
        }
        pk_port_notes(reg, ports[i], PK_PROTO_ALL, notes, 8);
    }
    pk_name_lookup(reg, "http", &c);
    while (pk_cursor_next(&c, &r))
        ;
    const char *terms[] = {"a"};
    struct pk_hit hits[4];
    pk_search(reg, terms, 1, hits, 4);
    struct pk_registry_info info;
    pk_registry_info(reg, &info);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (8u << 20))
        return 0;
    void *copy = aligned_alloc(8, (size + 8) & ~(size_t)7);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    const struct pk_registry *reg;
    const char *why = NULL;
    for (int pass = 0; pass < 2; pass++) {
        int rc = pk_registry_from_image(copy, size, &reg, &why);
        if (rc == 0) {
            exercise(reg);
            pk_registry_close(reg);
        } else if (rc != PK_EBADMSG || !why) {
            if (rc != PK_ENOMEM)
                abort();
        }
        /* Again with the size and checksum made right: the structure checks alone must
         * hold (libFuzzer cuts inputs to -max_len, which would else never pass the size). */
        if (size < sizeof(struct pk__image_hdr))
            break;
        struct pk__image_hdr h;
        memcpy(&h, copy, sizeof(h));
        h.size = size;
        memcpy(copy, &h, sizeof(h));
        h.checksum = pk__image_sum(copy, size);
        memcpy(copy, &h, sizeof(h));
    }
    free(copy);
    return 0;
}
