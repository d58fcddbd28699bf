/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_FUZZ_BUILD_CHECK_H
#define PORTKIT_FUZZ_BUILD_CHECK_H

/* What the fuzz targets of the registry readers check of what a reader accepted. */
#include <stdlib.h>

#include "build.h"
#include "portkit/error.h"
#include "portkit/registry.h"

/* Builds recs and notes into an image and opens it: the builder must take whatever a reader
 * accepts (or run out of room), and the verifier must take whatever the builder makes. */
static inline void
fuzz_check_build(const struct pk__build_rec *recs, size_t nrecs, const struct pk__build_note *notes,
                 size_t nnotes, const char *date)
{
    struct pk__build_meta meta = {"fuzz", date, ""};
    void *img;
    size_t len;
    int rc = pk__registry_build(recs, nrecs, notes, nnotes, NULL, 0, &meta, &img, &len);
    if (rc == 0) {
        const struct pk_registry *reg;
        const char *why;
        if (pk_registry_from_image(img, len, &reg, &why) != 0)
            abort(); /* the builder made an image its own verifier refuses */
        pk_registry_close(reg);
        free(img);
    } else if (rc != PK_ENOMEM && rc != PK_ERANGE) {
        abort(); /* the reader let through what the builder calls invalid */
    }
}

#endif
