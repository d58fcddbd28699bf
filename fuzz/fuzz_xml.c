/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the reader of IANA's XML (lib/ingest/xml.c), which portkit update runs on
 * what it downloads. Whatever the reader accepts, the image builder must build and the
 * verifier must accept; nothing it reads may make it read or write out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build_check.h"
#include "ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pk__source s;
    if (size <= (1u << 20) && pk__xml_read((const char *)data, size, NULL, NULL, &s) == 0) {
        fuzz_check_build(s.recs, s.nrecs, NULL, 0, s.date);
        pk__source_free(&s);
    }
    return 0;
}
